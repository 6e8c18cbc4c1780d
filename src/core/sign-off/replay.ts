import type { Policy } from "../policy/schema.js";
import type { ApprovalFacts, Override, RoleSignOff, SignOffComment } from "../evaluate/types.js";
import { describeRoleHolders, holdsRole } from "../evaluate/roles.js";
import { parseCommand, type SignOffCommand } from "./command.js";
import { compareCodeUnits } from "../compare-code-units.js";
import type { RegressionAcceptance } from "./accept-regression.js";
import { recordAcceptance, refuseAcceptRegression } from "./replay-acceptance.js";
import { trainingJudgement, type TrainingFacts } from "../governance/training.js";

export type { RoleSignOff };

/** What happened to one command comment when the history was replayed. */
export interface SignOffOutcome {
  commentId: number;
  login: string;
  command: SignOffCommand;
  accepted: boolean;
  /** Why it was refused: a sentence for the commenter. */
  reason?: string;
  /** An accepted approval of a role the tracked changes do not need: what it is recorded for (a sentence). */
  note?: string;
  /** Refused because whether the commenter holds the role could not be read (holdsRole answered "unverified"). */
  roleNotVerified?: true;
  /** Refused because the commenter's training for the role is not current (`training.require: true`): why. */
  untrained?: string;
}

/**
 * Whether a login holds a role: true or false as read, or "unverified" when it could not be read
 * (the CLI's audit with a token that cannot read the teams). "unverified" never counts as holding.
 */
export type RoleAnswer = boolean | "unverified";

export interface SignOffState {
  roles: Record<string, RoleSignOff>;
  override?: Override;
  outcomes: SignOffOutcome[];
  /** Accepted regressions (docs/regression.md), one per metric and baseline, the latest standing. */
  regressionAcceptances?: RegressionAcceptance[];
}

export interface ReplayContext {
  policy: Policy;
  /** Authors of the change (PR author): compared case-insensitively. */
  authors: string[];
  /** Role holding, read live (see holdsRole in evaluate/roles.ts). */
  holdsRole(login: string, role: string): RoleAnswer;
  /** The roles this model version needs (union of its change kinds' gates). */
  requiredRoles: string[];
  /**
   * The roles that may sign off (rolesAnyGateMayRequire: any gate may ask them of this version);
   * `requiredRoles` when absent. Every replay of one issue uses the same set, so a reply, the
   * pull request gate, the release gate and the deployment gate accept the same commands.
   */
  acceptedRoles?: ReadonlyArray<string>;
  /** Organisation of the role teams, to name them @org/team in refusals. */
  org?: string;
  /** The training roster of the default branch (docs/governance.md "Training"); asked only when the policy requires it. */
  training?: TrainingFacts;
}

/** The people a replay judges by: who authored the version, and the live team membership of the commenters. */
export interface ReplayPeople {
  authors: ReadonlyArray<string>;
  teamMembership: ApprovalFacts["teamMembership"];
  org?: string;
  training?: TrainingFacts;
}

/**
 * The one replay context, for the gate, the command handlers and the end-of-life issues alike:
 * roles held as `policy` and the live membership say, `requiredRoles` those the subject needs.
 */
export function replayContext(
  policy: Policy,
  people: ReplayPeople,
  requiredRoles: string[],
  acceptedRoles?: ReadonlyArray<string>,
): ReplayContext {
  return {
    policy,
    authors: [...people.authors],
    holdsRole: (login, role) => holdsRole(policy, people.teamMembership, login, role),
    requiredRoles,
    ...(acceptedRoles ? { acceptedRoles } : {}),
    ...(people.org ? { org: people.org } : {}),
    ...(people.training ? { training: people.training } : {}),
  };
}

/**
 * Replays the comment history of a sign-off issue (docs/sign-off.md "The rules") into the standing sign-offs
 * of each role and the break-glass override. The evaluation and the command handler
 * both call this, so a command's reply and the gate can never disagree.
 * Edited comments never count (no outcome); other comments that are not commands are skipped.
 */
export function replaySignOffs(comments: ReadonlyArray<SignOffComment>, ctx: ReplayContext): SignOffState {
  // no prototype: a role named like an Object method must not find one
  const state: SignOffState = { roles: Object.create(null) as Record<string, RoleSignOff>, outcomes: [] };
  const ordered = [...comments].sort((a, b) => compareCodeUnits(a.createdAt, b.createdAt) || a.id - b.id);
  for (const comment of ordered) {
    if (comment.edited) continue;
    const command = parseCommand(comment.body);
    if (!command) continue;
    let refusal: Refusal | undefined;
    if (comment.refusedEarlier) {
      // still untrained: the gate keeps saying so (the reply said it once)
      const untrained =
        command.type === "override" || command.type === "accept-regression"
          ? undefined
          : refuseRoleCommand(comment.login, command, state, ctx);
      refusal = {
        reason: "this command was refused when it was posted (see modelgate's reply); post it again as a new comment.",
        ...(untrained?.untrained !== undefined ? { untrained: untrained.untrained } : {}),
      };
    } else if (command.type === "override") refusal = refuseOverride(comment.login, ctx);
    else if (command.type === "accept-regression") refusal = refuseAcceptRegression(comment.login, command, ctx);
    else refusal = refuseRoleCommand(comment.login, command, state, ctx);
    const note = refusal === undefined ? acceptedNote(comment.login, command, state, ctx) : undefined;
    state.outcomes.push({
      commentId: comment.id,
      login: comment.login,
      command,
      accepted: refusal === undefined,
      ...(refusal ? { reason: refusal.reason } : {}),
      ...(refusal?.roleNotVerified ? { roleNotVerified: true as const } : {}),
      ...(refusal?.untrained !== undefined ? { untrained: refusal.untrained } : {}),
      ...(note ? { note } : {}),
    });
    if (refusal) continue;
    switch (command.type) {
      case "approve":
        state.roles[command.role] = {
          state: "approved",
          by: comment.login,
          at: comment.createdAt,
          commentId: comment.id,
        };
        break;
      case "reject":
        state.roles[command.role] = {
          state: "rejected",
          by: comment.login,
          at: comment.createdAt,
          reason: command.reason,
          commentId: comment.id,
        };
        break;
      case "revoke":
        delete state.roles[command.role];
        break;
      case "override":
        state.override = { by: comment.login, reason: command.reason, at: comment.createdAt };
        break;
      case "accept-regression":
        state.regressionAcceptances = recordAcceptance(state.regressionAcceptances ?? [], command, comment);
        break;
    }
  }
  return state;
}

export function isAuthor(login: string, ctx: ReplayContext): boolean {
  const who = login.toLowerCase();
  return ctx.authors.some((author) => author.toLowerCase() === who);
}

export interface Refusal {
  reason: string;
  roleNotVerified?: true;
  untrained?: string;
}

export function notVerified(login: string, what: string): Refusal {
  return {
    reason: `whether @${login} holds ${what} could not be read, so this command is not counted (role not verified).`,
    roleNotVerified: true,
  };
}

function refuseRoleCommand(
  login: string,
  command: Exclude<SignOffCommand, { type: "override" | "accept-regression" }>,
  state: SignOffState,
  ctx: ReplayContext,
): Refusal | undefined {
  const reason = roleCommandRefusal(login, command, state, ctx);
  if (reason === undefined || typeof reason === "object") return reason;
  return { reason };
}

function roleCommandRefusal(
  login: string,
  command: Exclude<SignOffCommand, { type: "override" | "accept-regression" }>,
  state: SignOffState,
  ctx: ReplayContext,
): string | Refusal | undefined {
  const { role } = command;
  const { policy } = ctx;
  if (!Object.hasOwn(policy.roles, role)) {
    return `there is no role "${role}" in the policy; the roles are ${Object.keys(policy.roles).join(", ")}.`;
  }
  const accepted = ctx.acceptedRoles ?? ctx.requiredRoles;
  if (!accepted.includes(role)) {
    return accepted.length === 0
      ? `no gate of the policy asks for a sign-off of this model version, so ${role} cannot sign off.`
      : `no gate of the policy asks ${role} to sign off this model version; the roles that can sign off are ${accepted.join(", ")}.`;
  }
  if (isAuthor(login, ctx) && !policy.approvals.allow_author) {
    return `@${login} is an author of this change, and an author's own sign-off does not count (approvals.allow_author is false).`;
  }
  const holds = ctx.holdsRole(login, role);
  if (holds === "unverified") return notVerified(login, `${role} (${describeRoleHolders(policy, role, ctx.org)})`);
  if (!holds) {
    return `@${login} is not a member of ${role} (${describeRoleHolders(policy, role, ctx.org)}).`;
  }
  if (policy.approvals.distinct_people) {
    const who = login.toLowerCase();
    const other = Object.entries(state.roles).find(
      ([r, s]) => r !== role && s.state === "approved" && s.by.toLowerCase() === who,
    );
    if (other) {
      return `@${login} already signed off as ${other[0]} for this model version, and one person signs off only one role (approvals.distinct_people is true).`;
    }
  }
  const standing = state.roles[role];
  // training is judged now, at every replay: a sign-off stops counting the day its signer's training expires
  if (signsForRole(command, standing)) {
    const training = trainingJudgement(policy, ctx.training, login, role);
    if (!training.counts)
      return {
        reason: `@${login}'s ${command.type === "approve" ? "sign-off" : "revoke"} as ${role} is ${training.reason} (training.require is true).`,
        untrained: training.reason,
      };
  }
  if (command.type === "approve" && standing?.state === "rejected") {
    return `${role} was rejected by @${standing.by} (${standing.reason ?? "no reason"}); a holder of ${role} must clear it with \`/revoke ${role}\` before it can be approved.`;
  }
  if (command.type === "revoke" && !standing) {
    return `${role} has no standing sign-off or rejection to revoke.`;
  }
  return undefined;
}

/** Approving a role, or clearing its rejection, speaks for the role: only then does training matter. */
function signsForRole(
  command: Exclude<SignOffCommand, { type: "override" }>,
  standing: RoleSignOff | undefined,
): boolean {
  return command.type === "approve" || (command.type === "revoke" && standing?.state === "rejected");
}

/** What an accepted command's reply adds: what it is recorded for, and in the grace mode what training would refuse. */
function acceptedNote(
  login: string,
  command: SignOffCommand,
  state: SignOffState,
  ctx: ReplayContext,
): string | undefined {
  const notes: string[] = [];
  const recorded = recordedFor(command, ctx);
  if (recorded) notes.push(recorded);
  // overrides and accepted regressions are judged by their own rules (refuseOverride, refuseAcceptRegression)
  if (
    command.type !== "override" &&
    command.type !== "accept-regression" &&
    signsForRole(command, state.roles[command.role])
  ) {
    const training = trainingJudgement(ctx.policy, ctx.training, login, command.role);
    if (training.counts && training.warning)
      notes.push(`It counts while training.require is warn, but ${training.warning}.`);
  }
  return notes.length > 0 ? notes.join(" ") : undefined;
}

/** An approval of a role no tracked change needs counts only where a release or deployment asks for it: say so. */
function recordedFor(command: SignOffCommand, ctx: ReplayContext): string | undefined {
  if (command.type !== "approve" || ctx.requiredRoles.includes(command.role)) return undefined;
  const needed = ctx.requiredRoles.length > 0 ? ctx.requiredRoles.join(", ") : "no role";
  return `\`/approve ${command.role}\` is recorded. The pull requests of this model version need ${needed}; the approval of ${command.role} counts where a release or deployment of it asks for ${command.role} (for example when it is compared with an older version or judged as a new model).`;
}

function refuseOverride(login: string, ctx: ReplayContext): Refusal | undefined {
  const roles = ctx.policy.overrides.roles;
  if (roles.length === 0) return { reason: "overrides are disabled: overrides.roles is empty in the policy." };
  if (isAuthor(login, ctx))
    return { reason: `@${login} is an author of this change, and an author may not override its gate.` };
  const answers = roles.map((role) => ctx.holdsRole(login, role));
  if (answers.includes(true)) return undefined;
  const who = roles.map((role) => `${role} (${describeRoleHolders(ctx.policy, role, ctx.org)})`).join("; ");
  const one = roles.length === 1 ? "the role" : "one of the roles";
  if (answers.includes("unverified")) return notVerified(login, `${one} ${who}`);
  return { reason: `@${login} may not override: only a holder of ${one} ${who} may.` };
}
