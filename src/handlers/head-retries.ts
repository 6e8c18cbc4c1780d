import type { ScheduledTry } from "../core/evaluate/types.js";
import { openPullRequestsByNumber, type PullRequestUnderEvaluation } from "../github/pull-requests.js";
import type { Jobs } from "../queue/job-queue.js";
import type { Coordination } from "../store/coordination.js";
import type { Clock, EvaluationContext } from "./context.js";
import { evaluateHead, reportCouldNotEvaluate } from "./evaluate-pull-request.js";

export const RETRY_HEAD_JOB = "modelgate-retry-head";

/**
 * Minutes before each retry of a head whose evaluation GitHub kept from being made (a "Could not evaluate" caused by
 * no answer, a 5xx or a rate limit): five tries within the next 48 minutes. Past them, reconciliation picks the head
 * up every hour until a run decides on facts (docs/operations.md, "Recovery").
 */
const RETRY_MINUTES: ReadonlyArray<number> = [1, 2, 5, 10, 30];

/** Queues the next try of a head; what it returns is the try (absent when the tries are used up). */
export type ScheduleHeadRetry = (head: {
  owner: string;
  repo: string;
  headSha: string;
  pullRequests: ReadonlyArray<number>;
}) => Promise<ScheduledTry | undefined>;

/** The scheduler of an installation's evaluation that is its `done`th retry (0: a delivery). */
export type HeadRetries = (installationId: number, done: number) => ScheduleHeadRetry;

interface RetryHeadJob {
  installationId: number;
  owner: string;
  repo: string;
  headSha: string;
  pullRequests: number[];
  /** Which retry this is: 1 for the first. */
  attempt: number;
}

/** Defines the retry job on the server's queue; returns what evaluations use to schedule one. */
export function defineHeadRetries(
  jobs: Jobs,
  deps: { clock: Clock; markerKey: string; coordination: Coordination },
): HeadRetries {
  const retries: HeadRetries = (installationId, done) => async (head) => {
    const inMinutes = RETRY_MINUTES[done];
    if (inMinutes === undefined) return undefined;
    const attempt = done + 1;
    const job: RetryHeadJob = { installationId, ...head, pullRequests: [...head.pullRequests], attempt };
    // deliveries of one head failing together schedule its next try once
    await jobs.enqueue(RETRY_HEAD_JOB, job, {
      startAfterSeconds: inMinutes * 60,
      singletonKey: `${head.owner}/${head.repo}@${head.headSha}:retry-${attempt}`,
      singletonSeconds: 3600,
    });
    return { inMinutes, attempt, of: RETRY_MINUTES.length };
  };
  jobs.defineJob<RetryHeadJob>({
    name: RETRY_HEAD_JOB,
    // a try that cannot even write its run is tried again by the queue; a "Could not evaluate" schedules the next
    retryLimit: 2,
    run: async (data, { probot, log, jobId }) => {
      const ctx: EvaluationContext = {
        octokit: await probot.auth(data.installationId),
        log,
        delivery: `retry-${jobId}`,
        owner: data.owner,
        repo: data.repo,
        now: deps.clock(),
        markerKey: deps.markerKey,
        coordination: deps.coordination,
        retryHead: retries(data.installationId, data.attempt),
      };
      let known: PullRequestUnderEvaluation[];
      try {
        known = (
          await openPullRequestsByNumber(ctx.octokit, {
            owner: data.owner,
            repo: data.repo,
            numbers: data.pullRequests,
          })
        ).filter((pr) => pr.headSha === data.headSha);
      } catch (error) {
        const single = data.pullRequests.length === 1 ? { pullRequest: data.pullRequests[0]! } : {};
        await reportCouldNotEvaluate(ctx, { headSha: data.headSha, ...single }, error);
        return;
      }
      // every open pull request with this head is judged (evaluateHead); a head no longer open is judged by nobody
      await evaluateHead(ctx, data.headSha, known);
    },
  });
  return retries;
}
