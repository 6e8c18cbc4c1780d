import type { SignOffTracking } from "./issue.js";
import { signOffKey, subjectPhrase, type ModelVersionRef, type SignOffSubjectOf } from "./subject.js";

/** What the lookups need of a sign-off issue as listed from GitHub (one whose identity marker verified). */
export interface ListedSignOffIssue {
  number: number;
  state: "open" | "closed";
  ref: ModelVersionRef;
  /** `undefined` when the tracking marker is missing or does not verify. */
  tracking: SignOffTracking | undefined;
}

/** The issue of a subject (none yet: `issue` undefined), or why no issue can be trusted to be it. */
export type SignOffIssueLookup<T> = { issue: T | undefined } | { cannotTell: string };

/**
 * The issue of a sign-off subject (a change, a gated version or another issue's ref): the one
 * whose signed marker names its model, digest and intent. Creation is claimed, so two such
 * issues mean a signed marker was copied into another issue: the gate cannot tell which one
 * holds the sign-offs, and never guesses. Nor can it trust an issue whose tracking marker (the
 * authors who may not sign) is missing or does not verify.
 */
export function lookUpSignOffIssue<T extends ListedSignOffIssue>(
  issues: ReadonlyArray<T>,
  subject: SignOffSubjectOf,
): SignOffIssueLookup<T> {
  const key = signOffKey(subject);
  const matching = issues.filter((issue) => signOffKey(issue.ref) === key);
  const [issue] = matching;
  if (issue && matching.length > 1) {
    const numbers = matching.map((i) => `#${i.number}`);
    const all = matching.length === 2 ? "both" : "all";
    return {
      cannotTell: `sign-off issues ${numbers.slice(0, -1).join(", ")} and ${numbers.at(-1)} ${all} claim to be the sign-off issue of ${subjectPhrase(issue.ref)} (digest ${issue.ref.digest}): one of them was edited; close the copy`,
    };
  }
  if (issue && issue.tracking === undefined) {
    return {
      cannotTell: `the tracking marker of sign-off issue #${issue.number} is missing or was edited, so the authors of ${subjectPhrase(issue.ref)} cannot be trusted: close #${issue.number} and let modelgate open a new one`,
    };
  }
  return { issue };
}
