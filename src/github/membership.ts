import type { ProbotOctokit } from "probot";
import type { Policy } from "../core/policy/schema.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** What the membership read uses of a GitHub client: the App's, or the CLI's audit client (@octokit/rest). */
type MembershipClient = Pick<ProbotOctokit, "graphql"> & {
  rest: { teams: Pick<ProbotOctokit["rest"]["teams"], "getMembershipForUserInOrg"> };
};

/** Team membership per login (lower case) per team slug, as ApprovalFacts.teamMembership wants it. */
export type TeamMembership = Record<string, Record<string, boolean>>;

/** Every team that holds a role of the policy (sorted, each once). */
export function roleTeams(policy: Policy): string[] {
  return [...new Set(Object.values(policy.roles).flatMap((holders) => holders.teams))].sort();
}

/** Team × login pairs asked in one GraphQL request (each a `members(query:)` connection of ≤ 100 nodes). */
export const MEMBERSHIPS_PER_GRAPHQL_REQUEST = 100;

/**
 * Reads live, from the organisation, whether each login is a member of each team that holds a
 * role: one GraphQL query for every pair (the members of each team matching each login, child
 * teams included as GitHub's REST membership counts them), so the cost does not grow with
 * people × teams. Pending invitations are not members. A team or organisation that does not
 * exist (a user-owned repository) means "not a member"; any other error fails the evaluation
 * closed. A login matching more than 100 members without an exact match is asked over REST.
 */
export async function readTeamMembership(
  octokit: MembershipClient,
  { org, logins, teams }: { org: string; logins: ReadonlyArray<string>; teams: ReadonlyArray<string> },
): Promise<TeamMembership> {
  const people = [...new Set(logins.map((l) => l.toLowerCase()))];
  const slugs = [...new Set(teams)];
  const membership: TeamMembership = Object.fromEntries(
    people.map((login) => [login, Object.fromEntries(slugs.map((team) => [team, false]))]),
  );
  const pairs = slugs.flatMap((team) => people.map((login) => ({ team, login })));
  for (let start = 0; start < pairs.length; start += MEMBERSHIPS_PER_GRAPHQL_REQUEST) {
    const chunk = pairs.slice(start, start + MEMBERSHIPS_PER_GRAPHQL_REQUEST);
    const answers = await queryMemberships(octokit, org, chunk);
    for (const [index, { team, login }] of chunk.entries()) {
      const answer = answers[index];
      const perTeam = membership[login];
      if (!perTeam) continue;
      perTeam[team] = answer === "unknown" ? await isActiveMember(octokit, org, team, login) : answer === "member";
    }
  }
  return membership;
}

type Answer = "member" | "not a member" | "unknown";

interface MembersConnection {
  nodes: Array<{ login: string } | null>;
  pageInfo: { hasNextPage: boolean };
}

async function queryMemberships(
  octokit: MembershipClient,
  org: string,
  pairs: ReadonlyArray<{ team: string; login: string }>,
): Promise<Answer[]> {
  const teams = [...new Set(pairs.map((p) => p.team))];
  const logins = [...new Set(pairs.map((p) => p.login))];
  const teamBlocks = teams.map((team, t) => {
    const members = pairs
      .map((pair, index) => ({ pair, index }))
      .filter(({ pair }) => pair.team === team)
      .map(
        ({ pair, index }) =>
          `m${index}: members(query: $l${logins.indexOf(pair.login)}, first: 100, membership: ALL) { nodes { login } pageInfo { hasNextPage } }`,
      );
    return `t${t}: team(slug: $t${t}) { ${members.join(" ")} }`;
  });
  const variables: Record<string, string> = { org };
  teams.forEach((team, t) => (variables[`t${t}`] = team));
  logins.forEach((login, l) => (variables[`l${l}`] = login));
  const declarations = [
    "$org: String!",
    ...teams.map((_, t) => `$t${t}: String!`),
    ...logins.map((_, l) => `$l${l}: String!`),
  ].join(", ");
  const query = `query modelgateTeamMembership(${declarations}) { organization(login: $org) { ${teamBlocks.join(" ")} } }`;
  let data: { organization: Record<string, Record<string, MembersConnection> | null> | null };
  try {
    data = await octokit.graphql(query, variables);
  } catch (error) {
    // NOT_FOUND: the organisation does not exist (a user account owns the repository): nobody is a member
    const errors = (error as { errors?: Array<{ type?: string; path?: unknown[] }> }).errors;
    if (
      Array.isArray(errors) &&
      errors.length > 0 &&
      errors.every((e) => e.type === "NOT_FOUND" && e.path?.[0] === "organization" && e.path.length === 1)
    ) {
      return pairs.map(() => "not a member");
    }
    if (httpStatus(error) === undefined && !Array.isArray(errors))
      rethrowAsCouldNotEvaluate(error, { owner: org, what: `the members of the role teams of @${org}` });
    throw new CouldNotEvaluate(
      `${describeGraphqlFailure(error)} while reading the members of the role teams of @${org}`,
      { cause: error },
    );
  }
  return pairs.map((pair, index) => {
    const team = data.organization?.[`t${teams.indexOf(pair.team)}`];
    const connection = team?.[`m${index}`];
    if (!team || !connection) return "not a member";
    if (connection.nodes.some((node) => node?.login.toLowerCase() === pair.login)) return "member";
    return connection.pageInfo.hasNextPage ? "unknown" : "not a member";
  });
}

function describeGraphqlFailure(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined) return `GitHub answered ${status}`;
  const errors = (error as { errors?: Array<{ message?: string }> }).errors;
  return `GitHub's GraphQL API answered an error (${errors?.[0]?.message ?? (error as Error).message})`;
}

async function isActiveMember(octokit: MembershipClient, org: string, team: string, login: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: team, username: login });
    // a "pending" invitation does not make someone a role holder yet
    return data.state === "active";
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    rethrowAsCouldNotEvaluate(error, { owner: org, what: `the membership of @${login} in team @${org}/${team}` });
  }
}
