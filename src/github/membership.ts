import type { ProbotOctokit } from "probot";
import type { Policy } from "../core/policy/schema.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** Team membership per login (lower case) per team slug, as ApprovalFacts.teamMembership wants it. */
export type TeamMembership = Record<string, Record<string, boolean>>;

/** Every team that holds a role of the policy (sorted, each once). */
export function roleTeams(policy: Policy): string[] {
  return [...new Set(Object.values(policy.roles).flatMap((holders) => holders.teams))].sort();
}

/**
 * Reads live, from the organisation, whether each login is an active member of each
 * team that holds a role. 404 means "not a member" (also for a user-owned repository,
 * which has no teams); any other error fails the evaluation closed. Each pair is asked once.
 */
export async function readTeamMembership(
  octokit: ProbotOctokit,
  { org, logins, teams }: { org: string; logins: ReadonlyArray<string>; teams: ReadonlyArray<string> },
): Promise<TeamMembership> {
  const membership: TeamMembership = {};
  for (const login of new Set(logins.map((l) => l.toLowerCase()))) {
    const perTeam: Record<string, boolean> = {};
    for (const team of new Set(teams)) perTeam[team] = await isActiveMember(octokit, org, team, login);
    membership[login] = perTeam;
  }
  return membership;
}

async function isActiveMember(octokit: ProbotOctokit, org: string, team: string, login: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: team, username: login });
    // a "pending" invitation does not make someone a role holder yet
    return data.state === "active";
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    rethrowAsCouldNotEvaluate(error, { owner: org, what: `the membership of @${login} in team @${org}/${team}` });
  }
}
