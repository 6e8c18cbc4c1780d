import type { Snapshot } from "../detect/snapshot.js";
import type { Requirement } from "../evaluate/types.js";

export const DISCLOSURE_REQUIREMENT = "disclosure-policy";
const DISCLOSURE_PROVISION = "5.2.2-4";

/**
 * Where GitHub looks for a repository's security policy, in its order: `.github/`, the root, `docs/`. Only the
 * exact name SECURITY.md counts: a name GitHub might not show is not taken for a published policy.
 */
export const SECURITY_POLICY_PATHS = [".github/SECURITY.md", "SECURITY.md", "docs/SECURITY.md"] as const;

const REGULAR_FILE_MODES = new Set(["100644", "100755"]);

/**
 * The security policy GitHub would show for this commit's tree: a non-empty regular file (a symlink is not
 * followed: GitHub would not show what it points at as the policy).
 */
export function securityPolicyIn(snapshot: Snapshot): string | undefined {
  return SECURITY_POLICY_PATHS.find((path) => {
    const entry = snapshot.entries.get(path);
    return entry !== undefined && REGULAR_FILE_MODES.has(entry.mode) && entry.size !== 0;
  });
}

/**
 * The commit whose security policy is published for a change: its base (a pull request's head is not published), or
 * the judged commit itself when there is no base (a first release).
 */
export function publishedSnapshot(base: Snapshot, head: Snapshot): Snapshot {
  return base.commit === "" ? head : base;
}

/** Where a published security policy was found. */
export interface DisclosureFacts {
  /** The path in the repository, read on the published branch (never a pull request's head). */
  repository?: string;
  /** The organisation's `.github` repository's policy, e.g. "acme/.github: SECURITY.md" (GitHub's fallback). */
  organisation?: string;
}

/** Where the security policy is, in words; undefined when there is none. */
export function disclosurePolicySource(facts: DisclosureFacts): string | undefined {
  if (facts.repository) return facts.repository;
  return facts.organisation;
}

/**
 * `disclosure-policy` (5.2.2-4): a repository with gated models publishes a vulnerability-disclosure policy that
 * GitHub shows (docs/governance.md, Disclosure policy).
 */
export function disclosureRequirement(facts: DisclosureFacts): Requirement {
  const source = disclosurePolicySource(facts);
  if (source)
    return {
      id: DISCLOSURE_REQUIREMENT,
      status: "met",
      message: `A security policy is published: ${source}.`,
      provision: DISCLOSURE_PROVISION,
    };
  return {
    id: DISCLOSURE_REQUIREMENT,
    status: "failed",
    message: `No security policy is published: add SECURITY.md (in .github/, the root or docs/) on the default branch, or in the organisation's .github repository.`,
    provision: DISCLOSURE_PROVISION,
  };
}
