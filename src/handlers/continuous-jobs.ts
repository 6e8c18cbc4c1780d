import { environmentKey } from "../core/deploy/judge-deployment.js";
import type { Jobs } from "../queue/job-queue.js";
import type { Coordination } from "../store/coordination.js";
import type { Clock } from "./context.js";
import { decideDeployment, type DeploymentRequest, type ScheduleDeploymentRetry } from "./deployment.js";
import { sweepAllInstallations } from "./re-evaluation.js";

export const DAILY_RE_EVALUATION_JOB = "modelgate-daily-re-evaluation";
export const DEPLOYMENT_RETRY_JOB = "modelgate-deployment-retry";

/**
 * The scheduled and retried work of continuous compliance on the server's queue
 * (docs/re-evaluation.md, docs/deployments.md): the daily re-evaluation run (one runner across
 * replicas: a pg-boss cron) and later tries of deployment decisions GitHub kept from being made.
 * Returns what the deployment handler calls to queue such a try.
 */
export function defineContinuousJobs(
  jobs: Jobs,
  deps: { clock: Clock; markerKey: string; coordination: Coordination },
): ScheduleDeploymentRetry {
  const scheduleRetry: ScheduleDeploymentRetry = async (request, delaySeconds) => {
    // one try per attempt of one run's environment (named without case, as GitHub does), however often the same failure is seen
    const singletonKey = `${request.owner}/${request.repo}:${request.runId}:${environmentKey(request.environment)}:${request.attempt}`;
    await jobs.enqueue(DEPLOYMENT_RETRY_JOB, request, { startAfterSeconds: delaySeconds, singletonKey });
  };
  jobs.defineCron({
    name: DAILY_RE_EVALUATION_JOB,
    cron: "0 6 * * *",
    retryLimit: 2,
    expireInSeconds: 3600,
    run: async (_data, { probot }) =>
      void (await sweepAllInstallations(probot, {
        now: deps.clock(),
        markerKey: deps.markerKey,
        coordination: deps.coordination,
      })),
  });
  jobs.defineJob<DeploymentRequest>({
    name: DEPLOYMENT_RETRY_JOB,
    // a retry that fails is answered by decideDeployment itself (rejected on its last attempt)
    retryLimit: 1,
    run: async (request, { probot, log, jobId }) =>
      decideDeployment(
        {
          octokit: await probot.auth(request.installationId),
          log,
          delivery: `job-${jobId}`,
          now: deps.clock(),
          markerKey: deps.markerKey,
          coordination: deps.coordination,
          scheduleRetry,
        },
        request,
      ),
  });
  return scheduleRetry;
}
