import type { Policy } from "../policy/schema.js";
import type { ApprovalFacts } from "./types.js";
import { parseCommand } from "../sign-off/command.js";
import { latestReviews } from "./reviews.js";

/**
 * Whether a login holds a role: listed under the role's users (case-insensitive), or
 * an active member of one of its teams as read live from GitHub (never from PR text).
 */
export function holdsRole(
  policy: Policy,
  teamMembership: ApprovalFacts["teamMembership"],
  login: string,
  role: string,
): boolean {
  const holders = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
  if (!holders) return false;
  const who = login.toLowerCase();
  if (holders.users.some((user) => user.toLowerCase() === who)) return true;
  const teams = Object.hasOwn(teamMembership, who) ? teamMembership[who] : undefined;
  if (!teams) return false;
  return holders.teams.some((team) => teams[team] === true || teams[team.toLowerCase()] === true);
}

/** The holders of a role as mentions: `@org/team` (or `team <slug>` without an org) and `@user`. */
export function roleHolderMentions(policy: Policy, role: string, org?: string): string[] {
  const holders = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
  if (!holders) return [];
  return [...holders.teams.map((team) => teamMention(team, org)), ...holders.users.map((user) => `@${user}`)];
}

/** "teams: @acme/data-governance, users: none" — who holds a role, for refusals and pending messages. */
export function describeRoleHolders(policy: Policy, role: string, org?: string): string {
  const holders = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
  const teams = holders?.teams.map((team) => teamMention(team, org)) ?? [];
  const users = holders?.users.map((user) => `@${user}`) ?? [];
  return `teams: ${teams.length > 0 ? teams.join(", ") : "none"}, users: ${users.length > 0 ? users.join(", ") : "none"}`;
}

function teamMention(team: string, org: string | undefined): string {
  return org ? `@${org}/${team}` : `team ${team}`;
}

/**
 * The logins whose team membership the edge must look up (lower case, sorted): reviewers whose
 * latest review approves, and authors of sign-off commands. Nothing when no role names a team.
 */
export function loginsToResolve(policy: Policy, facts: Omit<ApprovalFacts, "teamMembership">): string[] {
  const teamRoles = Object.values(policy.roles).some((holders) => holders.teams.length > 0);
  if (!teamRoles || !facts.available) return [];
  const logins = new Set<string>();
  if (policy.approvals.via.includes("review")) {
    // approvals of older commits are looked up too, so the pending message can say why they did not count
    for (const review of latestReviews(facts.reviews))
      if (review.state === "APPROVED") logins.add(review.login.toLowerCase());
  }
  // sign-off commands are replayed whatever `via` says: an /override is one of them
  for (const comments of Object.values(facts.signOffs)) {
    for (const comment of comments)
      if (!comment.edited && parseCommand(comment.body)) logins.add(comment.login.toLowerCase());
  }
  return [...logins].sort();
}
