import type { ProbotOctokit } from "probot";
import type { ApprovalFacts, SignOffComment } from "../core/evaluate/types.js";
import { loginsToResolve } from "../core/evaluate/roles.js";
import type { Policy } from "../core/policy/schema.js";
import { trackedAuthors } from "../core/sign-off/issue.js";
import { listIssueComments, signOffComments } from "./issue-comments.js";
import { readTeamMembership, roleTeams } from "./membership.js";
import { listSignOffIssues, signOffIssueFor } from "./sign-off-issues.js";

/** The approval facts of a release, and per digest the authors of the pull requests that carried it. */
export interface ReleaseApprovalFacts {
  /** `authors` is empty: a release has no author of its own; use `authorsByDigest` per model version. */
  facts: ApprovalFacts;
  authorsByDigest: Map<string, string[]>;
}

/**
 * The approval facts of a release: a release has no reviews, so approvals come only from
 * the sign-off issue of each digest (SPEC §6), replayed from its comment history, with team
 * membership read live. The authors of a model version are those of every pull request its
 * sign-off issue tracked, as when the PR gate judged it. Read failures throw CouldNotEvaluate.
 */
export async function gatherReleaseApprovalFacts(
  octokit: ProbotOctokit,
  { owner, repo, digests, appId, commit }: { owner: string; repo: string; digests: ReadonlyArray<string>; appId: number; commit: string },
  policy: Policy,
): Promise<ReleaseApprovalFacts> {
  const signOffs: Record<string, SignOffComment[]> = {};
  const signOffIssues: Record<string, string> = {};
  const authorsByDigest = new Map<string, string[]>();
  const listed = digests.length > 0 ? await listSignOffIssues(octokit, { owner, repo, appId }) : [];
  for (const digest of new Set(digests)) {
    const issue = signOffIssueFor(listed, digest);
    if (!issue) continue;
    signOffs[digest] = signOffComments(await listIssueComments(octokit, { owner, repo, issueNumber: issue.number }));
    signOffIssues[digest] = issue.url;
    authorsByDigest.set(digest, trackedAuthors(issue.tracking));
  }
  const known: Omit<ApprovalFacts, "teamMembership"> = { available: true, authors: [], headSha: commit, reviews: [], signOffs, signOffIssues, org: owner };
  const logins = loginsToResolve(policy, known);
  const teamMembership = logins.length > 0 ? await readTeamMembership(octokit, { org: owner, logins, teams: roleTeams(policy) }) : {};
  return { facts: { ...known, teamMembership }, authorsByDigest };
}
