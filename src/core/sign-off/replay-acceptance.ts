import { describeRoleHolders } from "../evaluate/roles.js";
import type { SignOffComment } from "../evaluate/types.js";
import type { RegressionAcceptance, RegressionAcceptanceCommand } from "./accept-regression.js";
import { isAuthor, notVerified, type ReplayContext, type Refusal } from "./replay.js";

/**
 * Who may accept a regression (docs/regression.md "Accepting a regression"): a current holder of
 * `regression.accept_role`, never an author of the version (whatever `allow_author` says: accepting
 * one's own regression is overriding one's own gate), and only for a metric the policy compares.
 */
export function refuseAcceptRegression(
  login: string,
  command: RegressionAcceptanceCommand,
  ctx: ReplayContext,
): Refusal | undefined {
  const { regression } = ctx.policy;
  const role = regression.accept_role;
  if (role === undefined)
    return { reason: "regressions cannot be accepted: regression.accept_role is not set in the policy." };
  if (!regression.metrics.some((rule) => rule.name === command.metric)) {
    const names = regression.metrics.map((rule) => rule.name);
    const known = names.length > 0 ? `the metrics compared are ${names.join(", ")}` : "it compares no metric";
    return { reason: `the policy has no regression rule for "${command.metric}"; ${known}.` };
  }
  if (isAuthor(login, ctx))
    return { reason: `@${login} is an author of this change, and an author may not accept its own regression.` };
  const holds = ctx.holdsRole(login, role);
  if (holds === "unverified") return notVerified(login, `${role} (${describeRoleHolders(ctx.policy, role, ctx.org)})`);
  if (!holds)
    return {
      reason: `@${login} may not accept a regression: only a holder of ${role} (${describeRoleHolders(ctx.policy, role, ctx.org)}) may.`,
    };
  return undefined;
}

/** The acceptances with this one standing for its metric and baseline (a later one replaces an earlier one). */
export function recordAcceptance(
  standing: ReadonlyArray<RegressionAcceptance>,
  command: RegressionAcceptanceCommand,
  comment: SignOffComment,
): RegressionAcceptance[] {
  const others = standing.filter((a) => a.metric !== command.metric || a.baseline !== command.baseline);
  return [
    ...others,
    {
      metric: command.metric,
      baseline: command.baseline,
      by: comment.login,
      reason: command.reason,
      at: comment.createdAt,
      commentId: comment.id,
    },
  ];
}
