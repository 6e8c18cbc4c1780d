import { sameEnvironment } from "../deploy/judge-deployment.js";
import type { InventoryModel, ModelFilter, VersionStanding } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The filters of the models view (docs/inventory.md, "Filters"): every filter given must hold. */
export function modelMatches(model: InventoryModel, filter: Omit<ModelFilter, "repositoryIds">, now: Date): boolean {
  const { standing } = model;
  if (filter.notEvaluated && standing.evaluation !== null) return false;
  if (
    filter.evaluationExpiringWithinDays !== undefined &&
    !expiresWithin(standing, filter.evaluationExpiringWithinDays, now)
  )
    return false;
  if (filter.awaitingSignOff && standing.awaitingRoles.length === 0) return false;
  if (filter.failing && !isFailing(standing)) return false;
  if (filter.inProduction !== undefined && !isDeployedTo(standing, filter.inProduction)) return false;
  if (filter.decommissionedDisposalOpen && !(model.status === "decommissioned" && disposalOpen(standing))) return false;
  return true;
}

/** The evaluation that counts expires within `days` of now, or has expired (an unreadable date counts as expired). */
function expiresWithin(standing: VersionStanding, days: number, now: Date): boolean {
  const evaluation = standing.evaluation;
  if (!evaluation) return false;
  if (evaluation.expiresAt === null) return true;
  return Date.parse(evaluation.expiresAt) - now.getTime() <= days * DAY_MS;
}

/** Failing: the evaluation that counts failed, or the last answer of any gate on the version was not a pass. */
export function isFailing(standing: VersionStanding): boolean {
  if (standing.evaluation?.result === "fail") return true;
  if (standing.pullRequest && standing.pullRequest.conclusion === "failure") return true;
  if (standing.releases.some((release) => release.conclusion === "failure")) return true;
  return standing.deployments.some((deployment) => deployment.answer === "rejected");
}

/** The version's last answer for this environment approved it (environments compare as GitHub compares them). */
export function isDeployedTo(standing: VersionStanding, environment: string): boolean {
  return standing.deployments.some(
    (deployment) => sameEnvironment(deployment.environment, environment) && deployment.answer === "approved",
  );
}

/** A decommissioned version's disposal is open: no end-of-life issue known, the issue open, or items left. */
export function disposalOpen(standing: VersionStanding): boolean {
  const issue = standing.endOfLife;
  if (!issue) return true;
  return issue.state === "open" || issue.itemsDone < issue.itemsTotal;
}
