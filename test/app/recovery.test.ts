import nock from "nock";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { attemptsToRedeliver } from "../../src/core/recovery/redeliveries.js";
import { EVALUATE_HEAD_JOB, EVALUATE_RELEASE_JOB, reconcile, redeliverFailed } from "../../src/handlers/recovery.js";
import type { EnqueueOptions, Jobs } from "../../src/queue/job-queue.js";
import { inProcessCoordination } from "../../src/store/coordination.js";
import { postgresReconciliationStore } from "../../src/store/reconciliation-store.js";
import { testDatabase } from "../helpers/database.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { APP_ID } from "../helpers/test-app.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken, testMarkerKey } from "../helpers/test-app.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { endOfLifeToReconcile } from "../../src/core/recovery/reconcile.js";
import { markerSignature } from "../../src/core/markers/signature.js";
import type { ModelChange } from "../../src/core/detect/types.js";
import type { LoadedManifest } from "../../src/core/manifest/load-manifest.js";
import { FakeRepository } from "../helpers/fake-repository.js";
import { RETRAINED } from "../fixtures/fraud-detector.js";
import { serveNoPolicy } from "../helpers/serve-github.js";
import { issueResource, releaseEvent } from "../fixtures/payloads/lifecycle.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { testIssueMarkerKey } from "../helpers/test-app.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const silent = pino({ level: "silent" });

describe("which failed deliveries are redelivered", () => {
  test.each([
    [
      "a failure with no later success: its latest attempt",
      [
        { id: 1, guid: "a", deliveredAt: hoursAgo(5), statusCode: 500 },
        { id: 2, guid: "a", deliveredAt: hoursAgo(2), statusCode: 0 },
      ],
      [2],
    ],
    [
      "a failure redelivered with success: none",
      [
        { id: 1, guid: "a", deliveredAt: hoursAgo(5), statusCode: 502 },
        { id: 2, guid: "a", deliveredAt: hoursAgo(2), statusCode: 200 },
      ],
      [],
    ],
    ["outside GitHub's 3-day window: none", [{ id: 1, guid: "a", deliveredAt: hoursAgo(72), statusCode: 500 }], []],
    [
      "tried six times already: left to the operator",
      [1, 2, 3, 4, 5, 6].map((id) => ({ id, guid: "a", deliveredAt: hoursAgo(10 - id), statusCode: 500 })),
      [],
    ],
    [
      "202 (answered after Probot's 9 s) counts as a success",
      [{ id: 1, guid: "a", deliveredAt: hoursAgo(1), statusCode: 202 }],
      [],
    ],
    [
      "several GUIDs: oldest first",
      [
        { id: 7, guid: "b", deliveredAt: hoursAgo(1), statusCode: 503 },
        { id: 3, guid: "a", deliveredAt: hoursAgo(3), statusCode: 500 },
      ],
      [3, 7],
    ],
  ])("%s", (_case, attempts, expected) => {
    expect(attemptsToRedeliver(attempts, NOW).map((a) => a.id)).toEqual(expected);
  });
});

describe("the redelivery job", () => {
  test("asks GitHub (App JWT) to redeliver each failed delivery once, and nothing else", async () => {
    const app = await createTestApp();
    nock(GITHUB_API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(200, [
        { id: 30, guid: "ok-later", delivered_at: hoursAgo(1), status_code: 200, status: "OK" },
        { id: 22, guid: "failed", delivered_at: hoursAgo(2), status_code: 500, status: "Internal Server Error" },
        { id: 21, guid: "ok-later", delivered_at: hoursAgo(3), status_code: 502, status: "Bad Gateway" },
        { id: 20, guid: "failed", delivered_at: hoursAgo(4), status_code: 0, status: "timed out" },
        { id: 10, guid: "ancient", delivered_at: hoursAgo(80), status_code: 500, status: "Internal Server Error" },
      ]);
    nock(GITHUB_API).post("/app/hook/deliveries/22/attempts").reply(202, {});

    await expect(redeliverFailed(app.probot, silent, NOW)).resolves.toEqual({ redelivered: [22] });
    expect(app.requestsTo("POST", /^\/app\/hook\/deliveries\//).map((r) => r.path)).toEqual([
      "/app/hook/deliveries/22/attempts",
    ]);
  });
});

/** The queue as reconciliation sees it: what it enqueued, recorded (the queue itself is tested in test/server). */
function recordingJobs(): Jobs & { enqueued: Array<{ name: string; data: unknown; options?: EnqueueOptions }> } {
  const enqueued: Array<{ name: string; data: unknown; options?: EnqueueOptions }> = [];
  return {
    enqueued,
    defineJob: () => undefined,
    defineCron: () => undefined,
    enqueue: async (name, data, options) => {
      enqueued.push({ name, data, ...(options ? { options } : {}) });
      return "job";
    },
  };
}

/** `GET /commits/{ref}/check-runs` as latestCheckRunConclusion asks it: this app's latest run of that name, if any. */
function serveCheckRunLookup(
  owner: string,
  repo: string,
  ref: string,
  runs: Array<{ id: number }>,
  name = "modelgate",
): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/commits/${ref}/check-runs`)
    .query({ check_name: name, filter: "latest", app_id: String(APP_ID) })
    .reply(200, {
      total_count: runs.length,
      check_runs: runs.map((run) => ({
        id: run.id,
        name,
        status: "completed",
        conclusion: "success",
        app: { id: APP_ID },
      })),
    });
}

const OWNER = "acme";
const REPO = "models";
const JUDGED = commitSha("judged head");
const MISSED = commitSha("missed head");
const MAIN = commitSha("main");
const LOST = commitSha("head whose delivery failed for good");

function serveInstallationRepositories({ token }: { token: boolean }): void {
  nock(GITHUB_API)
    .get("/app/installations")
    .query({ per_page: "100" })
    .reply(200, [{ id: INSTALLATION_ID, created_at: "2026-10-01T00:00:00Z", suspended_at: null }]);
  // Probot keeps an installation token for its hour
  if (token) serveInstallationToken();
  nock(GITHUB_API)
    .get("/installation/repositories")
    .query({ per_page: "100" })
    .reply(200, {
      total_count: 2,
      repositories: [
        {
          name: REPO,
          owner: { login: OWNER },
          default_branch: "main",
          html_url: `https://github.com/${OWNER}/${REPO}`,
        },
        { name: "old", owner: { login: OWNER }, archived: true },
      ],
    });
}

describe("reconciliation", () => {
  test("enqueues the heads without a completed modelgate run and the releases without modelgate / release; a second run costs only 304s", async () => {
    const app = await createTestApp();
    const store = postgresReconciliationStore((await testDatabase()).pool);
    // the default branch did not move since the end-of-life issues were last reconciled
    await store.remember(`end-of-life-reconciled:${OWNER}/${REPO}`, MAIN);
    const api = nock(GITHUB_API);
    serveInstallationRepositories({ token: true });
    api
      .get(`/repos/${OWNER}/${REPO}/pulls`)
      .query({ state: "open", per_page: "100", page: "1" })
      .reply(
        200,
        [
          { number: 7, head: { sha: JUDGED } },
          { number: 8, head: { sha: MISSED } },
        ],
        { etag: '"pulls-1"' },
      );
    serveCheckRunLookup(OWNER, REPO, JUDGED, [{ id: 1 }]);
    serveCheckRunLookup(OWNER, REPO, MISSED, []);
    const release = (id: number, tag: string, publishedAt: string | null, draft = false) => ({
      id,
      tag_name: tag,
      target_commitish: "main",
      draft,
      prerelease: false,
      created_at: publishedAt,
      published_at: publishedAt,
      html_url: `https://github.com/${OWNER}/${REPO}/releases/tag/${tag}`,
      upload_url: "",
      body: "",
      assets: [],
    });
    api
      .get(`/repos/${OWNER}/${REPO}/releases`)
      .query({ per_page: "100" })
      .reply(
        200,
        [
          release(3, "v3", "2026-11-20T00:00:00Z"),
          release(2, "v2-draft", null, true),
          release(1, "v1-before-install", "2026-09-01T00:00:00Z"),
        ],
        {
          etag: '"releases-1"',
        },
      );
    serveCheckRunLookup(OWNER, REPO, "v3", [], "modelgate / release");
    api.get(`/repos/${OWNER}/${REPO}/git/ref/heads%2Fmain`).reply(200, { object: { sha: MAIN } }, { etag: '"main-1"' });
    const jobs = recordingJobs();
    const deps = { clock: () => TEST_NOW, markerKey: testMarkerKey(), coordination: inProcessCoordination(), store };

    const report = await reconcile(app.probot, silent, jobs, deps);

    expect(report).toEqual({ repositories: 1, headsEnqueued: 1, releasesEnqueued: 1, endOfLifeChecked: 0 });
    expect(jobs.enqueued).toEqual([
      {
        name: EVALUATE_HEAD_JOB,
        data: { installationId: INSTALLATION_ID, owner: OWNER, repo: REPO, number: 8, headSha: MISSED },
        options: { singletonKey: `${OWNER}/${REPO}@${MISSED}`, singletonSeconds: 3600 },
      },
      {
        name: EVALUATE_RELEASE_JOB,
        data: {
          installationId: INSTALLATION_ID,
          owner: OWNER,
          repo: REPO,
          releaseId: 3,
          defaultBranch: "main",
          repositoryUrl: `https://github.com/${OWNER}/${REPO}`,
        },
        options: { singletonKey: `${OWNER}/${REPO}#release-3`, singletonSeconds: 3600 },
      },
    ]);

    // the next run: nothing changed, so the lists answer 304 (no rate limit); only the head still missing its run is asked about again
    serveInstallationRepositories({ token: false });
    api
      .get(`/repos/${OWNER}/${REPO}/pulls`)
      .query({ state: "open", per_page: "100", page: "1" })
      .matchHeader("if-none-match", '"pulls-1"')
      .reply(304);
    serveCheckRunLookup(OWNER, REPO, MISSED, []);
    api
      .get(`/repos/${OWNER}/${REPO}/releases`)
      .query({ per_page: "100" })
      .matchHeader("if-none-match", '"releases-1"')
      .reply(304);
    serveCheckRunLookup(OWNER, REPO, "v3", [], "modelgate / release");
    api.get(`/repos/${OWNER}/${REPO}/git/ref/heads%2Fmain`).matchHeader("if-none-match", '"main-1"').reply(304);

    await expect(reconcile(app.probot, silent, recordingJobs(), deps)).resolves.toEqual({
      repositories: 1,
      headsEnqueued: 1,
      releasesEnqueued: 1,
      endOfLifeChecked: 0,
    });
  });
});

describe("reconciliation and the deliveries still to run", () => {
  test("attack: a head or release whose delivery is still queued or running is left to it, not evaluated a second time", async () => {
    const app = await createTestApp();
    const database = await testDatabase();
    const store = postgresReconciliationStore(database.pool);
    await store.remember(`end-of-life-reconciled:${OWNER}/${REPO}`, MAIN);
    const stored = (guid: string, state: string, event: { name: string; payload: unknown }) =>
      database.pool.query(
        "INSERT INTO modelgate.deliveries (guid, event, installation_id, payload, state) VALUES ($1, $2, $3, $4, $5)",
        [guid, event.name, INSTALLATION_ID, JSON.stringify(event.payload), state],
      );
    const pr = (number: number, headSha: string) => ({
      number,
      author: "dana",
      baseRef: "main",
      baseSha: MAIN,
      headSha,
    });
    // the burst GitHub sent before a restart: stored, not judged yet
    await stored("queued-pr", "queued", pullRequestEvent("opened", pr(8, MISSED), INSTALLATION_ID));
    await stored("running-release", "running", releaseEvent("published", { id: 3, tag: "v3" }, INSTALLATION_ID));
    // done deliveries do not hold anything back
    await stored("failed-pr", "failed", pullRequestEvent("opened", pr(9, LOST), INSTALLATION_ID));
    await stored("completed-pr", "completed", pullRequestEvent("opened", pr(7, JUDGED), INSTALLATION_ID));
    const api = nock(GITHUB_API);
    serveInstallationRepositories({ token: true });
    api
      .get(`/repos/${OWNER}/${REPO}/pulls`)
      .query({ state: "open", per_page: "100", page: "1" })
      .reply(200, [
        { number: 7, head: { sha: JUDGED } },
        { number: 8, head: { sha: MISSED } },
        { number: 9, head: { sha: LOST } },
      ]);
    serveCheckRunLookup(OWNER, REPO, JUDGED, []);
    serveCheckRunLookup(OWNER, REPO, LOST, []);
    api
      .get(`/repos/${OWNER}/${REPO}/releases`)
      .query({ per_page: "100" })
      .reply(200, [
        {
          id: 3,
          tag_name: "v3",
          target_commitish: "main",
          draft: false,
          prerelease: false,
          created_at: "2026-11-20T00:00:00Z",
          published_at: "2026-11-20T00:00:00Z",
          html_url: `https://github.com/${OWNER}/${REPO}/releases/tag/v3`,
          upload_url: "",
          body: "",
          assets: [],
        },
      ]);
    api.get(`/repos/${OWNER}/${REPO}/git/ref/heads%2Fmain`).reply(200, { object: { sha: MAIN } });
    const jobs = recordingJobs();
    const deps = { clock: () => TEST_NOW, markerKey: testMarkerKey(), coordination: inProcessCoordination(), store };

    const report = await reconcile(app.probot, silent, jobs, deps);

    expect(report).toEqual({ repositories: 1, headsEnqueued: 2, releasesEnqueued: 0, endOfLifeChecked: 0 });
    expect(jobs.enqueued.map((job) => (job.data as { headSha?: string }).headSha)).toEqual([JUDGED, LOST]);
  });
});

describe("which models reconciliation gives an end-of-life issue", () => {
  const change = (name: string, digest: string, kinds: ModelChange["kinds"]): ModelChange => ({
    name,
    manifestPath: `models/${name}/model.yaml`,
    kinds,
    digest,
    changedComponents: [],
    findings: [],
  });
  const loaded = (name: string, digest: string, status: "active" | "decommissioned") =>
    ({
      path: `models/${name}/model.yaml`,
      digest,
      manifest: { name, version: "1.0.0", status, components: [], training_data: [] },
    }) as unknown as LoadedManifest;

  test.each([
    ["nothing decommissioned", [], [loaded("a", "sha256:1", "active")], []],
    [
      "a manifest deleted since the last look (only the diff shows it)",
      [change("gone", "sha256:9", ["decommission"])],
      [],
      ["gone@sha256:9"],
    ],
    [
      "decommissioned at the head, the diff unknown (first look, or the old commit is gone)",
      [],
      [loaded("old", "sha256:2", "decommissioned")],
      ["old@sha256:2"],
    ],
    [
      "decommissioned since the last look and still so at the head: once",
      [change("old", "sha256:2", ["decommission"])],
      [loaded("old", "sha256:2", "decommissioned")],
      ["old@sha256:2"],
    ],
    [
      "a retraining since the last look is not a decommission",
      [change("a", "sha256:3", ["retrain"])],
      [loaded("a", "sha256:3", "active")],
      [],
    ],
  ] as const)("%s", (_case, since, head, expected) => {
    expect(
      endOfLifeToReconcile(since as unknown as ModelChange[], head as unknown as LoadedManifest[]).map(
        (c) => `${c.name}@${c.digest}`,
      ),
    ).toEqual(expected);
  });
});

describe("reconciliation of end-of-life issues", () => {
  const BEFORE = commitSha("main last reconciled");
  // fraud-detector 2.1.0, as the end-of-life stories decommission it
  const FRAUD = RETRAINED;
  const API = `/repos/${OWNER}/${REPO}`;
  const marker = `<!-- modelgate:end-of-life {"model":"fraud-detector","digest":"${FRAUD.digest}","sig":"${markerSignature(testIssueMarkerKey(77), "end-of-life", { model: "fraud-detector", digest: FRAUD.digest })}"} -->`;

  /** One repository with no open PR and no release, whose default branch moved to MAIN. */
  function serveRepository(files: { before?: Record<string, string>; main: Record<string, string> }): void {
    const api = nock(GITHUB_API);
    serveInstallationRepositories({ token: true });
    api.get(`${API}/pulls`).query({ state: "open", per_page: "100", page: "1" }).reply(200, []);
    api.get(`${API}/releases`).query({ per_page: "100" }).reply(200, []);
    api.get(`${API}/git/ref/heads%2Fmain`).reply(200, { object: { sha: MAIN } });
    serveNoPolicy(OWNER, REPO, "main");
    const repository = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [...(files.before ? [{ sha: BEFORE, files: files.before }] : []), { sha: MAIN, files: files.main }],
    });
    if (files.before) repository.serveTree(BEFORE);
    repository.serveTree(MAIN).serveContents();
  }

  function serveIssueCreation(): void {
    const api = nock(GITHUB_API);
    api.get(`${API}/issues`).query({ state: "all", labels: "model-eol", per_page: "100" }).reply(200, []);
    api.post(`${API}/labels`).reply(201, { name: "model-eol" });
    api.post(`${API}/issues`).reply(201, (_uri, body) => ({
      ...issueResource({
        number: 77,
        title: "End of life: fraud-detector 2.1.0",
        body: (body as { body: string }).body,
        labels: ["model-eol"],
        appId: APP_ID,
      }),
      number: 77,
    }));
    api.patch(`${API}/issues/77`).reply(200, {});
  }

  test("a manifest deleted on the default branch while its push was missed gets its end-of-life issue", async () => {
    const app = await createTestApp();
    const store = postgresReconciliationStore((await testDatabase()).pool);
    await store.remember(`end-of-life-reconciled:${OWNER}/${REPO}`, BEFORE);
    serveRepository({ before: { ...FRAUD.files, "README.md": "# Models\n" }, main: { "README.md": "# Models\n" } });
    serveIssueCreation();
    const deps = { clock: () => TEST_NOW, markerKey: testMarkerKey(), coordination: inProcessCoordination(), store };

    const report = await reconcile(app.probot, silent, recordingJobs(), deps);

    expect(report).toEqual({ repositories: 1, headsEnqueued: 0, releasesEnqueued: 0, endOfLifeChecked: 1 });
    expect(app.requestsTo("POST", `${API}/issues`).map((r) => (r.body as { title: string }).title)).toEqual([
      "End of life: fraud-detector 2.1.0",
    ]);
    const body = (app.requestsTo("PATCH", `${API}/issues/77`)[0]?.body as { body: string }).body;
    expect(body).toContain(marker);
    expect(body).toContain("| `models/fraud/weights/model.safetensors` | weights |");
    // the next look starts from this commit
    expect(await store.remembered(`end-of-life-reconciled:${OWNER}/${REPO}`)).toBe(MAIN);
  });

  test("on the first look (no last commit known) a model decommissioned at the head gets its issue; a deletion before it cannot be seen", async () => {
    const app = await createTestApp();
    const store = postgresReconciliationStore((await testDatabase()).pool);
    const manifest = FRAUD.files["models/fraud/model.yaml"]!;
    serveRepository({
      main: { ...FRAUD.files, "models/fraud/model.yaml": manifest.replace("status: active", "status: decommissioned") },
    });
    serveIssueCreation();
    const deps = { clock: () => TEST_NOW, markerKey: testMarkerKey(), coordination: inProcessCoordination(), store };

    await expect(reconcile(app.probot, silent, recordingJobs(), deps)).resolves.toMatchObject({ endOfLifeChecked: 1 });
    expect(app.requestsTo("POST", `${API}/issues`)).toHaveLength(1);
    expect((app.requestsTo("PATCH", `${API}/issues/77`)[0]?.body as { body: string }).body).toContain(marker);
  });
});
