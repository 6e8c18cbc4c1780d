import nock from "nock";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { RETRY_HEAD_JOB } from "../../src/handlers/head-retries.js";
import { EVALUATE_HEAD_JOB, reconcile } from "../../src/handlers/recovery.js";
import type { CronDefinition, EnqueueOptions, JobDefinition, Jobs } from "../../src/queue/job-queue.js";
import { inProcessCoordination } from "../../src/store/coordination.js";
import { postgresReconciliationStore } from "../../src/store/reconciliation-store.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { commitSha } from "../fixtures/git-objects.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { testDatabase } from "../helpers/database.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { BASE, HEAD, PR, world } from "../helpers/sign-off-world.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  testMarkerKey,
  type TestApp,
} from "../helpers/test-app.js";

const silent = pino({ level: "silent" });

/** The server's queue as the app uses it: definitions and enqueued jobs, recorded; a job runs when the test says. */
function recordingJobs() {
  const definitions: Array<JobDefinition<object>> = [];
  const enqueued: Array<{ name: string; data: unknown; options?: EnqueueOptions }> = [];
  const queue: Jobs = {
    defineJob: (definition) => void definitions.push(definition as JobDefinition<object>),
    defineCron: (_definition: CronDefinition) => undefined,
    enqueue: async (name, data, options) => {
      enqueued.push({ name, data, ...(options ? { options } : {}) });
      return `job-${enqueued.length}`;
    },
  };
  /** Runs the job enqueued at `index` as the queue's worker would. */
  const run = async (app: TestApp, index: number) => {
    const job = enqueued[index]!;
    const definition = definitions.find((d) => d.name === job.name)!;
    await definition.run(job.data as object, {
      probot: app.probot,
      log: silent,
      jobId: `job-${index + 1}`,
      retryCount: 0,
    });
  };
  return { queue, enqueued, run };
}

const README_CHANGE = {
  commits: [
    { sha: BASE, files: { "README.md": "# Models\n" } },
    { sha: HEAD, files: { "README.md": "# Models and more\n" } },
  ],
};

/** The open-pull-request listing of every evaluation answers `status` once (registered before the world's own). */
function listingFailsOnce(status: number): void {
  nock(GITHUB_API)
    .get("/repos/acme/models/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(status, { message: status === 502 ? "Bad Gateway" : "Resource not accessible by integration" });
}

describe("a Could not evaluate caused by GitHub is tried again", () => {
  test("attack: the open pull requests answer 502 once: the run fails closed saying a retry is scheduled, the retry is queued, and the retry writes the real conclusion", async () => {
    const jobs = recordingJobs();
    const app = await createTestApp({ jobs: jobs.queue });
    listingFailsOnce(502);
    const { checks } = world(README_CHANGE);

    await app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "burst-3" });

    const failing = checks.latest(HEAD);
    expect(failing.conclusion).toBe("failure");
    expect(failing.title).toMatch(/^Could not evaluate: GitHub answered 502 while reading the open pull requests/);
    expect(failing.summary).toContain("modelgate tries again in 1 minute (retry 1 of 5)");
    expect(failing.externalId).toMatch(/^modelgate-retry:/);
    expect(jobs.enqueued).toEqual([
      {
        name: RETRY_HEAD_JOB,
        data: {
          installationId: INSTALLATION_ID,
          owner: "acme",
          repo: "models",
          headSha: HEAD,
          pullRequests: [PR.number],
          attempt: 1,
        },
        options: { startAfterSeconds: 60, singletonKey: `acme/models@${HEAD}:retry-1`, singletonSeconds: 3600 },
      },
    ]);

    // GitHub is back when the retry runs
    await jobs.run(app, 0);

    const decided = checks.latest(HEAD);
    expect([decided.id, decided.conclusion, decided.externalId]).toEqual([failing.id, "success", expect.any(String)]);
    expect(decided.externalId).not.toMatch(/^modelgate-retry:/);
    expect(jobs.enqueued).toHaveLength(1);
  });

  test("attack: a retry that fails again schedules the next, later one; past the last, none is scheduled and the run still fails closed", async () => {
    const jobs = recordingJobs();
    const app = await createTestApp({ jobs: jobs.queue });
    for (let i = 0; i < 6; i++) listingFailsOnce(502);
    const { checks } = world(README_CHANGE);

    await app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "outage" });
    for (let i = 0; i < 5; i++) await jobs.run(app, i);

    expect(
      jobs.enqueued.map((job) => [(job.data as { attempt: number }).attempt, job.options?.startAfterSeconds]),
    ).toEqual([
      [1, 60],
      [2, 120],
      [3, 300],
      [4, 600],
      [5, 1800],
    ]);
    const last = checks.latest(HEAD);
    expect(last.conclusion).toBe("failure");
    expect(last.summary).not.toContain("tries again in");
    // still no answer: reconciliation picks it up
    expect(last.externalId).toMatch(/^modelgate-retry:/);
  });

  test("a cause waiting does not fix (403, no permission) is not retried and not marked", async () => {
    const jobs = recordingJobs();
    const app = await createTestApp({ jobs: jobs.queue });
    listingFailsOnce(403);
    const { checks } = world(README_CHANGE);

    await app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "forbidden" });

    expect(checks.latest(HEAD).conclusion).toBe("failure");
    expect(checks.latest(HEAD).title).toMatch(/^Could not evaluate: GitHub answered 403/);
    expect(checks.latest(HEAD).externalId).not.toMatch(/^modelgate-retry:/);
    expect(jobs.enqueued).toEqual([]);
  });

  test("an invalid policy is an answer on facts: not retried", async () => {
    const jobs = recordingJobs();
    const app = await createTestApp({ jobs: jobs.queue });
    const { checks } = world({ ...README_CHANGE, policy: "version: [not a policy\n" });

    await app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "invalid-policy" });

    expect(checks.latest(HEAD).conclusion).toBe("failure");
    expect(checks.latest(HEAD).externalId).not.toMatch(/^modelgate-retry:/);
    expect(jobs.enqueued).toEqual([]);
  });
});

describe("reconciliation and a Could not evaluate caused by GitHub", () => {
  const TRANSIENT = commitSha("head GitHub kept from being judged");
  const DECIDED = commitSha("head judged on facts");

  function serveRun(ref: string, run: { conclusion: string; external_id: string }): void {
    nock(GITHUB_API)
      .get(`/repos/acme/models/commits/${ref}/check-runs`)
      .query({ check_name: "modelgate", filter: "latest", app_id: String(APP_ID) })
      .reply(200, {
        total_count: 1,
        check_runs: [{ id: 1, name: "modelgate", status: "completed", ...run, app: { id: APP_ID } }],
      });
  }

  test("attack: re-queues a head whose latest run is a transient Could not evaluate; a failure on facts is final", async () => {
    const app = await createTestApp();
    const store = postgresReconciliationStore((await testDatabase()).pool);
    await store.remember("end-of-life-reconciled:acme/models", commitSha("main"));
    nock(GITHUB_API)
      .get("/app/installations")
      .query({ per_page: "100" })
      .reply(200, [{ id: INSTALLATION_ID, created_at: "2026-10-01T00:00:00Z", suspended_at: null }]);
    serveInstallationToken();
    nock(GITHUB_API)
      .get("/installation/repositories")
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 1,
        repositories: [
          {
            name: "models",
            owner: { login: "acme" },
            default_branch: "main",
            html_url: "https://github.com/acme/models",
          },
        ],
      });
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls")
      .query({ state: "open", per_page: "100", page: "1" })
      .reply(200, [
        { number: 7, head: { sha: TRANSIENT } },
        { number: 8, head: { sha: DECIDED } },
      ]);
    serveRun(TRANSIENT, { conclusion: "failure", external_id: "modelgate-retry:modelgate-annotations:abc" });
    serveRun(DECIDED, { conclusion: "failure", external_id: "modelgate-annotations:abc" });
    nock(GITHUB_API).get("/repos/acme/models/releases").query({ per_page: "100" }).reply(200, []);
    nock(GITHUB_API)
      .get("/repos/acme/models/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: commitSha("main") } });
    const jobs = recordingJobs();
    const deps = { clock: () => TEST_NOW, markerKey: testMarkerKey(), coordination: inProcessCoordination(), store };

    const report = await reconcile(app.probot, silent, jobs.queue, deps);

    expect(report.headsEnqueued).toBe(1);
    expect(jobs.enqueued.map((job) => [job.name, (job.data as { headSha: string }).headSha])).toEqual([
      [EVALUATE_HEAD_JOB, TRANSIENT],
    ]);
    // the head judged on facts is never asked about again; the other one is, until a run decides
    expect(await store.remembered(`head-completed:acme/models@${DECIDED}`)).toBeDefined();
    expect(await store.remembered(`head-completed:acme/models@${TRANSIENT}`)).toBeUndefined();
  });
});
