import nock from "nock";
import { describe, expect, it } from "vitest";
import { modelgate } from "../../src/index.js";
import {
  DAILY_RE_EVALUATION_JOB,
  DEPLOYMENT_RETRY_JOB,
  defineContinuousJobs,
} from "../../src/handlers/continuous-jobs.js";
import type { DeploymentRequest } from "../../src/handlers/deployment.js";
import type { CronDefinition, EnqueueOptions, JobDefinition, Jobs } from "../../src/queue/job-queue.js";
import { inProcessCoordination } from "../../src/store/coordination.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { createTestApp, testMarkerKey } from "../helpers/test-app.js";

const GITHUB_API = "https://api.github.com";

/** The queue as the app defines its work on it: definitions and enqueued jobs, recorded. */
function recordingJobs() {
  const jobs: Array<JobDefinition<object>> = [];
  const crons: CronDefinition[] = [];
  const enqueued: Array<{ name: string; data: unknown; options?: EnqueueOptions }> = [];
  const queue: Jobs = {
    defineJob: (definition) => void jobs.push(definition as JobDefinition<object>),
    defineCron: (definition) => void crons.push(definition),
    enqueue: async (name, data, options) => {
      enqueued.push({ name, data, ...(options ? { options } : {}) });
      return "job-1";
    },
  };
  return { queue, jobs, crons, enqueued };
}

const REQUEST: DeploymentRequest = {
  installationId: 9001,
  owner: "acme",
  repo: "models",
  defaultBranch: "main",
  repositoryUrl: "https://github.com/acme/models",
  environment: "production",
  deploymentId: 77,
  commit: "a".repeat(40),
  runId: 555,
  attempt: 2,
};

describe("continuous compliance on the server's queue", () => {
  it("the daily re-evaluation run is a cron of the queue (one runner across replicas) and deployment retries are queue jobs", () => {
    const recorded = recordingJobs();
    defineContinuousJobs(recorded.queue, {
      clock: () => TEST_NOW,
      markerKey: testMarkerKey(),
      coordination: inProcessCoordination(),
    });
    expect(recorded.crons.map((cron) => [cron.name, cron.cron])).toEqual([[DAILY_RE_EVALUATION_JOB, "0 6 * * *"]]);
    expect(recorded.jobs.map((job) => job.name)).toEqual([DEPLOYMENT_RETRY_JOB]);
  });

  it("a deployment GitHub kept modelgate from judging is queued once per attempt, after the delay the handler asks for", async () => {
    const recorded = recordingJobs();
    const scheduleRetry = defineContinuousJobs(recorded.queue, {
      clock: () => TEST_NOW,
      markerKey: testMarkerKey(),
      coordination: inProcessCoordination(),
    });
    await scheduleRetry(REQUEST, 300);
    expect(recorded.enqueued).toEqual([
      {
        name: DEPLOYMENT_RETRY_JOB,
        data: REQUEST,
        options: { startAfterSeconds: 300, singletonKey: "acme/models:555:production:2" },
      },
    ]);
  });

  it("the app given the server's queue defines these jobs (without one, deployments have no retry: docs/deployments.md)", async () => {
    const recorded = recordingJobs();
    await modelgate({ jobs: recorded.queue, markerKey: testMarkerKey(), coordination: inProcessCoordination() })(
      { on: () => undefined } as never,
      {} as never,
    );
    expect(recorded.crons.map((cron) => cron.name)).toContain(DAILY_RE_EVALUATION_JOB);
    expect(recorded.jobs.map((job) => job.name)).toContain(DEPLOYMENT_RETRY_JOB);
  });

  it("the daily run walks the App's installations: none installed, nothing read beyond the list", async () => {
    const app = await createTestApp();
    const recorded = recordingJobs();
    defineContinuousJobs(recorded.queue, {
      clock: () => TEST_NOW,
      markerKey: testMarkerKey(),
      coordination: inProcessCoordination(),
    });
    nock(GITHUB_API).get("/app/installations").query({ per_page: "100" }).reply(200, []);
    await expect(
      recorded.crons[0]!.run({}, { probot: app.probot, log: app.probot.log, jobId: "cron-1", retryCount: 0 }),
    ).resolves.toBeUndefined();
  });
});
