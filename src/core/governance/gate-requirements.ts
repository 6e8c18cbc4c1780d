import type { Snapshot } from "../detect/snapshot.js";
import type { Requirement } from "../evaluate/types.js";
import type { Policy } from "../policy/schema.js";
import { disclosureRequirement, publishedSnapshot, securityPolicyIn } from "./disclosure.js";
import { documentRequirements, type DocumentStanding } from "./documents.js";

/** What the gate knows about the repository's governance records (docs/governance.md). */
export interface GovernanceFacts {
  /**
   * The standing of each document of `governance.documents` on the default branch: given by the release and
   * deployment gates (which fail a `fail_release` document that is missing or overdue); absent in a pull request's.
   */
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
    const inRepository = securityPolicyIn(publishedSnapshot(base, head));
    requirements.push(
      disclosureRequirement({
        ...(inRepository ? { repository: inRepository } : {}),
        ...(governance?.organisationSecurityPolicy ? { organisation: governance.organisationSecurityPolicy } : {}),
      }),
    );
  }
  // a pull request's gate leaves documents to the release and deployment gates and the daily run (docs/governance.md)
  if (governance?.documents) requirements.push(...documentRequirements(governance.documents));
  return requirements;
}
