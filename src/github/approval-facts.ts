import type { ProbotOctokit } from "probot";
import type { ApprovalFacts } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import { loginsToResolve } from "../core/evaluate/roles.js";
import { listReviews } from "./reviews.js";
import { readTeamMembership, roleTeams } from "./membership.js";
import type { PullRequestUnderEvaluation } from "./pull-requests.js";

/**
 * Everything about people the gate needs, read live from GitHub: reviews of the PR and
 * the team membership of the logins that could count for a role. Sign-off comments
 * plug in here (ApprovalFacts.signOffs) when the sign-off issue flow is added.
 */
export async function gatherApprovalFacts(
  octokit: ProbotOctokit,
  { owner, repo, pr }: { owner: string; repo: string; pr: PullRequestUnderEvaluation },
  policy: Policy,
): Promise<ApprovalFacts> {
  const reviews = await listReviews(octokit, { owner, repo, pullNumber: pr.number });
  const known: Omit<ApprovalFacts, "teamMembership"> = {
    available: true,
    authors: pr.author ? [pr.author] : [],
    headSha: pr.headSha,
    reviews,
    signOffs: {},
    signOffIssues: {},
    org: owner,
  };
  const logins = loginsToResolve(policy, known);
  const teamMembership = logins.length > 0 ? await readTeamMembership(octokit, { org: owner, logins, teams: roleTeams(policy) }) : {};
  return { ...known, teamMembership };
}
