import type { Logger } from "pino";
import type { Context, ProbotOctokit } from "probot";
import type { Coordination } from "../store/coordination.js";
import type { HeadRetries, ScheduleHeadRetry } from "./head-retries.js";

/** The time of day; injectable for tests (modelgate({ clock })). */
export type Clock = () => Date;

/** What every workflow takes from a delivery: the client, the log, the delivery id and the repository. */
export interface HandlerContext {
  octokit: ProbotOctokit;
  log: Logger;
  /** The webhook delivery id, for the decision log. */
  delivery: string;
  owner: string;
  repo: string;
  /** Signs and verifies the hidden markers of this app's issues (modelgate({ markerKey })). */
  markerKey: string;
  /** Locks and create-once records shared by every replica (modelgate({ coordination })). */
  coordination: Coordination;
}

/** A workflow that judges: the handler context and the time of the judgement. */
export interface EvaluationContext extends HandlerContext {
  now: Date;
  /** Queues a later try when GitHub kept the evaluation from being made (the server's queue; absent in the Action). */
  retryHead?: ScheduleHeadRetry;
}

type ProbotContext = Pick<Context, "octokit" | "log" | "id"> & {
  repo(): { owner: string; repo: string };
  payload?: unknown;
};

/** The handler context of a Probot delivery. */
export function handlerContext(context: ProbotContext, markerKey: string, coordination: Coordination): HandlerContext {
  const { owner, repo } = context.repo();
  return { octokit: context.octokit, log: context.log, delivery: context.id, owner, repo, markerKey, coordination };
}

/** The evaluation context of a Probot delivery, judged now. */
export function evaluationContext(
  context: ProbotContext,
  clock: Clock,
  markerKey: string,
  coordination: Coordination,
  retries?: HeadRetries,
): EvaluationContext {
  const installationId = (context.payload as { installation?: { id?: unknown } } | undefined)?.installation?.id;
  const retryHead = retries && typeof installationId === "number" ? retries(installationId, 0) : undefined;
  return { ...handlerContext(context, markerKey, coordination), now: clock(), ...(retryHead ? { retryHead } : {}) };
}
