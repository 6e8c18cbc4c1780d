import type { ProbotOctokit } from "probot";
import type { ApprovalFacts } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import { loginsToResolve } from "../core/evaluate/roles.js";
import { listReviews } from "./reviews.js";
import { readTeamMembership, roleTeams } from "./membership.js";
import type { PullRequestUnderEvaluation } from "./pull-requests.js";
import { NO_SIGN_OFF_ISSUES, signOffApprovalFacts, type SignOffIssueFacts } from "./sign-off-issues.js";

/**
 * Everything about people the gate needs, read live from GitHub: reviews of the PR, the
 * comment histories of its sign-off issues (gathered by gatherSignOffIssues), and the team
 * membership of the logins that could count for a role. The PR's author is an author of every
 * model version it changes; the authors of other PRs that carried a digest are authors of that
 * version only (signOffAuthors).
 */
export async function gatherApprovalFacts(
  octokit: ProbotOctokit,
  { owner, repo, pr }: { owner: string; repo: string; pr: PullRequestUnderEvaluation },
  policy: Policy,
  signOffIssues: SignOffIssueFacts = NO_SIGN_OFF_ISSUES,
): Promise<ApprovalFacts> {
  const reviews = await listReviews(octokit, { owner, repo, pullNumber: pr.number });
  const known: Omit<ApprovalFacts, "teamMembership"> = {
    available: true,
    authors: pr.author ? [pr.author] : [],
    headSha: pr.headSha,
    reviews,
    ...signOffApprovalFacts(signOffIssues),
    org: owner,
  };
  const logins = loginsToResolve(policy, known);
  const teamMembership = logins.length > 0 ? await readTeamMembership(octokit, { org: owner, logins, teams: roleTeams(policy) }) : {};
  return { ...known, teamMembership };
}
