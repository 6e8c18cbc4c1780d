import type { Snapshot } from "../detect/snapshot.js";
import type { Requirement } from "../evaluate/types.js";
import type { Policy } from "../policy/schema.js";
import { disclosureRequirement, securityPolicyIn } from "./disclosure.js";
import { documentRequirements, type DocumentStanding } from "./documents.js";

/** What the gate knows about the repository's governance records (docs/governance.md). */
export interface GovernanceFacts {
  /** The standing of each document of `governance.documents` on the default branch; absent: not read. */
  documents?: DocumentStanding[];
  /** The organisation's `.github` repository's security policy, when the edge found one. */
  organisationSecurityPolicy?: string;
}

/**
 * The requirements every gated model of a change carries for its repository (docs/governance.md): the published
 * disclosure policy, read where it is published (the base, never a pull request's head; a first release's own commit),
 * and the documents marked `fail_release`.
 */
export function repositoryRequirements(
  policy: Policy,
  base: Snapshot,
  head: Snapshot,
  governance: GovernanceFacts | undefined,
): Requirement[] {
  const requirements: Requirement[] = [];
  if (policy.governance.disclosure_policy) {
    const published = base.commit === "" ? head : base;
    const inRepository = securityPolicyIn(published);
    requirements.push(
      disclosureRequirement({
        ...(inRepository ? { repository: inRepository } : {}),
        ...(governance?.organisationSecurityPolicy ? { organisation: governance.organisationSecurityPolicy } : {}),
      }),
    );
  }
  // a pull request's gate (governance undefined) leaves documents to the release gate and the daily run
  const gating = policy.governance.documents.filter((d) => d.fail_release);
  if (governance && gating.length > 0) {
    if (governance.documents) requirements.push(...documentRequirements(governance.documents));
    else
      for (const document of gating)
        requirements.push({
          id: `document:${document.path}`,
          status: "pending",
          message: `${document.path}: its review could not be read: the release waits until it is.`,
          provision: typeof document.provision === "string" ? document.provision : document.provision.join(", "),
          path: document.path,
        });
  }
  return requirements;
}
