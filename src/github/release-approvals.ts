import type { ProbotOctokit } from "probot";
import type { ApprovalFacts, SignOffComment } from "../core/evaluate/types.js";
import { loginsToResolve } from "../core/evaluate/roles.js";
import type { Policy } from "../core/policy/schema.js";
import { trackedAuthors } from "../core/sign-off/issue.js";
import { signOffKey, type SignOffSubjectOf } from "../core/sign-off/subject.js";
import { readSignOffHistories } from "./issue-comments.js";
import { readTeamMembership, roleTeams } from "./membership.js";
import { listSignOffIssues, signOffIssueFor, type SignOffIssue } from "./sign-off-issues.js";

/** The approval facts of a release, and per signOffKey the authors of the pull requests that carried it. */
export interface ReleaseApprovalFacts {
  /** `authors` is empty: a release has no author of its own; use `authorsBySubject` per model version. */
  facts: ApprovalFacts;
  authorsBySubject: Map<string, string[]>;
}

/**
 * The approval facts of a release: a release has no reviews, so approvals come only from
 * the sign-off issue of each subject (docs/sign-off.md: the digest, and whether it ships or is
 * decommissioned, as signOffKey says), replayed from its comment history, with team
 * membership read live. The authors of a model version are those of every pull request its
 * sign-off issue tracked, as when the PR gate judged it. Read failures throw CouldNotEvaluate.
 */
export async function gatherReleaseApprovalFacts(
  octokit: ProbotOctokit,
  { owner, repo, subjects, appId, commit, markerKey }: { owner: string; repo: string; subjects: ReadonlyArray<SignOffSubjectOf>; appId: number; commit: string; markerKey: string },
  policy: Policy,
): Promise<ReleaseApprovalFacts> {
  const signOffs: Record<string, SignOffComment[]> = {};
  const signOffIssues: Record<string, string> = {};
  const authorsBySubject = new Map<string, string[]>();
  const listed = subjects.length > 0 ? await listSignOffIssues(octokit, { owner, repo, appId, markerKey }) : [];
  const found = new Map<string, SignOffIssue>();
  for (const subject of subjects) {
    const key = signOffKey(subject);
    const issue = found.has(key) ? undefined : signOffIssueFor(listed, subject);
    if (issue) found.set(key, issue);
  }
  // the same batched read as the pull-request gate, so both judge one history alike
  const histories = await readSignOffHistories(octokit, { owner, repo }, [...found.values()].map((issue) => issue.number));
  for (const [key, issue] of found) {
    signOffs[key] = histories.of(issue.number);
    signOffIssues[key] = issue.url;
    authorsBySubject.set(key, trackedAuthors(issue.tracking));
  }
  const known: Omit<ApprovalFacts, "teamMembership"> = { available: true, authors: [], headSha: commit, reviews: [], signOffs, signOffIssues, org: owner };
  const logins = loginsToResolve(policy, known);
  const teamMembership = logins.length > 0 ? await readTeamMembership(octokit, { org: owner, logins, teams: roleTeams(policy) }) : {};
  return { facts: { ...known, teamMembership }, authorsBySubject };
}
