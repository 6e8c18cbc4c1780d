import nock from "nock";
import { pino } from "pino";
import { beforeEach, describe, expect, test } from "vitest";
import {
  INVENTORY_DAILY_JOB,
  INVENTORY_INSTALLATION_JOB,
  INVENTORY_REFRESH_JOB,
} from "../../src/handlers/inventory.js";
import type { CronDefinition, EnqueueOptions, JobDefinition, Jobs } from "../../src/queue/job-queue.js";
import { postgresInventoryStore, type InventoryStore } from "../../src/store/inventory-store.js";
import { commitSha } from "../fixtures/git-objects.js";
import { lfsPointer, modelFiles, testPolicy } from "../fixtures/manifests.js";
import { endOfLifeMarker } from "../../src/core/end-of-life/marker.js";
import { CHECKLIST_END, CHECKLIST_START } from "../../src/core/end-of-life/checklist.js";
import { pushEvent } from "../fixtures/payloads/lifecycle.js";
import { installationEvent, installationRepositoriesEvent } from "../fixtures/payloads/inventory.js";
import { testDatabase } from "../helpers/database.js";
import {
  emptyInventory,
  serveInstallationRepositories,
  serveInventoryRepository,
  serveOrganisationPolicy,
  type InventoryRepositoryFixture,
} from "../helpers/inventory.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { servePolicy } from "../helpers/serve-github.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  testIssueMarkerKey,
  serveInstallationToken,
  type TestApp,
} from "../helpers/test-app.js";
import { TEST_NOW } from "../fixtures/clock.js";

/** The queue as the app defines its work on it; a test runs what was enqueued, as a worker would. */
function recordingJobs() {
  const definitions = new Map<string, JobDefinition<object>>();
  const crons: CronDefinition[] = [];
  const enqueued: Array<{ name: string; data: object; options?: EnqueueOptions }> = [];
  const queue: Jobs = {
    defineJob: (definition) => void definitions.set(definition.name, definition as JobDefinition<object>),
    defineCron: (definition) => void crons.push(definition),
    enqueue: async (name, data, options) => {
      enqueued.push({ name, data, ...(options ? { options } : {}) });
      return `job-${enqueued.length}`;
    },
  };
  return { queue, definitions, crons, enqueued };
}

type Recorded = ReturnType<typeof recordingJobs>;

/** Runs every job enqueued so far (and empties the list), with the app's Probot as the worker's. */
async function runEnqueued(app: TestApp, jobs: Recorded): Promise<void> {
  const pending = jobs.enqueued.splice(0);
  for (const job of pending) {
    const definition = jobs.definitions.get(job.name);
    if (!definition) throw new Error(`no job ${job.name}`);
    await definition.run(job.data, { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 });
  }
}

const POLICY = [
  "roles:",
  "  developer: { users: [dev1] }",
  "  system_operator: { users: [ops1] }",
  "  data_custodian: { users: [custodian1] }",
  "evaluation:",
  "  max_age_days: 90",
  "",
].join("\n");

const FRAUD = modelFiles({ dir: "models/fraud", name: "fraud-detector", version: "2.0.0" });
const FRAUD_21 = modelFiles({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.1.0",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "weights of 2.1.0" } },
});

const MODELS: InventoryRepositoryFixture = {
  id: 101,
  owner: "acme",
  name: "models",
  head: commitSha("models main"),
  files: { ".github/modelgate.yml": POLICY, ...textFiles(FRAUD.files), "src/app.py": "print('hi')\n" },
};

// no policy anywhere: shadow AI lives here
const SHADOW: InventoryRepositoryFixture = {
  id: 102,
  owner: "acme",
  name: "shadow",
  private: false,
  head: commitSha("shadow main"),
  files: {
    "train/checkpoint.pt": Buffer.alloc(4096, 7),
    "serve/model.safetensors": lfsPointer("the real weights"),
    "data/model.pkl.dvc": "outs:\n  - md5: 0123456789abcdef0123456789abcdef\n    path: model.pkl\n",
    "README.md": "# A service\n",
  },
};

function textFiles(files: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, spec]) => [path, String(spec)]));
}

let store: InventoryStore;
beforeEach(async () => {
  const database = await testDatabase();
  await emptyInventory(database.pool);
  store = postgresInventoryStore(database.pool);
});

async function inventoryApp(): Promise<{ app: TestApp; jobs: Recorded }> {
  const jobs = recordingJobs();
  const app = await createTestApp({ jobs: jobs.queue, inventory: store });
  return { app, jobs };
}

/** The requests of a sweep of MODELS and SHADOW, in order. */
function serveSweep(repositories: InventoryRepositoryFixture[] = [MODELS, SHADOW]): void {
  serveInstallationToken();
  serveInstallationRepositories(repositories);
  for (const repository of repositories) serveInventoryRepository(repository);
  // read once, for the repositories without a policy of their own
  if (repositories.some((repository) => !(".github/modelgate.yml" in repository.files)))
    serveOrganisationPolicy("acme");
}

describe("the inventory: install, sweep, and the rows it keeps", () => {
  test("the app defines a daily sweep (a cron), the sweep of one installation and the refresh of one repository", async () => {
    const { jobs } = await inventoryApp();

    expect(jobs.crons.map((cron) => [cron.name, cron.cron])).toContainEqual([INVENTORY_DAILY_JOB, "30 4 * * *"]);
    expect([...jobs.definitions.keys()]).toEqual(
      expect.arrayContaining([INVENTORY_INSTALLATION_JOB, INVENTORY_REFRESH_JOB]),
    );
  });

  test("a new installation is swept at once: models with their evaluation, and unmanaged files also where there is no policy", async () => {
    const { app, jobs } = await inventoryApp();
    await app.receive(
      installationEvent("created", INSTALLATION_ID, [{ id: 101, fullName: "acme/models", private: true }]),
    );
    expect(jobs.enqueued).toEqual([
      {
        name: INVENTORY_INSTALLATION_JOB,
        data: { installationId: INSTALLATION_ID },
        options: { singletonKey: `installation:${INSTALLATION_ID}:0` },
      },
    ]);

    serveSweep();
    await runEnqueued(app, jobs);

    // about two requests per repository: the list, one tree each, one GraphQL read each; the organisation's policy once
    expect(app.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /app/installations/${INSTALLATION_ID}/access_tokens`,
      "GET /installation/repositories?per_page=100",
      "GET /repos/acme/models/git/trees/main?recursive=true",
      "POST /graphql",
      "GET /repos/acme/shadow/git/trees/main?recursive=true",
      "GET /repos/acme/.github/contents/.github%2Fmodelgate.yml",
      "POST /graphql",
    ]);
    expect(await store.listRepositories([101, 102])).toEqual([
      {
        installationId: INSTALLATION_ID,
        repositoryId: 101,
        fullName: "acme/models",
        private: true,
        defaultBranch: "main",
        headSha: MODELS.head,
        hasPolicy: true,
        policyProblem: null,
        manifestProblems: [],
        sweptAt: TEST_NOW.toISOString(),
      },
      expect.objectContaining({ repositoryId: 102, fullName: "acme/shadow", hasPolicy: false, private: false }),
    ]);
    const models = await store.listModels({ repositoryIds: [101, 102], now: TEST_NOW });
    expect(
      models.map(({ fullName, name, version, digest, status, manifestPath }) => ({
        fullName,
        name,
        version,
        digest,
        status,
        manifestPath,
      })),
    ).toEqual([
      {
        fullName: "acme/models",
        name: "fraud-detector",
        version: "2.0.0",
        digest: FRAUD.digest,
        status: "active",
        manifestPath: "models/fraud/model.yaml",
      },
    ]);
    // the repository's own policy: 90 days
    expect(models[0]!.standing.evaluation).toEqual({
      result: "pass",
      date: "2026-11-20",
      expiresAt: "2027-02-18T00:00:00.000Z",
    });
    expect((await store.listUnmanaged([101, 102])).map(({ fullName, path, kind }) => [fullName, path, kind])).toEqual([
      ["acme/shadow", "data/model.pkl", "dvc"],
      ["acme/shadow", "serve/model.safetensors", "lfs"],
      ["acme/shadow", "train/checkpoint.pt", "artifact"],
    ]);
    // what the GraphQL read asked: the blobs by id, no file twice, and the branch's commit
    const graphql = app.requestsTo("POST", "/graphql").map((r) => (r.body as { query: string }).query);
    expect(graphql[1]).toContain('head: object(expression: "refs/heads/main") { oid }');
    expect(graphql[1]!.match(/object\(oid:/g)).toHaveLength(3);
  });

  test("a push to the default branch refreshes the repository: the new version shows, and the timeline keeps the old one", async () => {
    const { app, jobs } = await inventoryApp();
    serveSweep([MODELS]);
    await jobs.definitions
      .get(INVENTORY_INSTALLATION_JOB)!
      .run(
        { installationId: INSTALLATION_ID },
        { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 },
      );
    const pushed = {
      ...MODELS,
      head: commitSha("retrained"),
      files: { ...MODELS.files, ...textFiles(FRAUD_21.files) },
    };

    const push = pushEvent({ ref: "refs/heads/main", before: MODELS.head, after: pushed.head }, INSTALLATION_ID);
    push.payload.repository = {
      ...push.payload.repository,
      id: 101,
      name: "models",
      full_name: "acme/models",
      private: true,
    };
    // the push's own workflow (end-of-life issues) fails on an invalid policy: the refresh is queued all the same
    servePolicy("acme", "models", "main", "roles: 3\n", 2);
    const before = jobs.enqueued.length;
    await expect(app.receive(push)).rejects.toThrow(/policy/);
    expect(jobs.enqueued.slice(before)).toEqual([
      {
        name: INVENTORY_REFRESH_JOB,
        data: {
          installationId: INSTALLATION_ID,
          id: 101,
          owner: "acme",
          name: "models",
          fullName: "acme/models",
          private: true,
          defaultBranch: "main",
        },
        options: { singletonKey: "repository:101" },
      },
    ]);
    jobs.enqueued.splice(0, before);
    serveInventoryRepository(pushed);
    await runEnqueued(app, jobs);

    const [model] = await store.listModels({ repositoryIds: [101], now: TEST_NOW });
    expect([model?.version, model?.digest]).toEqual(["2.1.0", FRAUD_21.digest]);
    expect((await store.modelTimeline(101, "fraud-detector"))?.versions.map((v) => v.version)).toEqual([
      "2.1.0",
      "2.0.0",
    ]);
  });

  test("a repository removed from the installation leaves the inventory at once; uninstalling removes every repository", async () => {
    const { app, jobs } = await inventoryApp();
    serveSweep();
    await jobs.definitions
      .get(INVENTORY_INSTALLATION_JOB)!
      .run(
        { installationId: INSTALLATION_ID },
        { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 },
      );
    const requestsBefore = app.requests.length;

    await app.receive(
      installationRepositoriesEvent("removed", INSTALLATION_ID, [{ id: 102, fullName: "acme/shadow", private: false }]),
    );

    expect((await store.listRepositories([101, 102])).map((r) => r.fullName)).toEqual(["acme/models"]);
    expect(await store.listUnmanaged([102])).toEqual([]);
    await app.receive(installationEvent("deleted", INSTALLATION_ID, []));
    expect(await store.listRepositories([101, 102])).toEqual([]);
    // the decision is in the event: nothing is read
    expect(app.requests.length).toBe(requestsBefore);
  });

  test("the sweep forgets a repository GitHub no longer lists, and one whose tree answers 404", async () => {
    const { app, jobs } = await inventoryApp();
    serveSweep();
    const run = () =>
      jobs.definitions
        .get(INVENTORY_INSTALLATION_JOB)!
        .run(
          { installationId: INSTALLATION_ID },
          { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 },
        );
    await run();
    expect(await store.repositoryIdsOf(INSTALLATION_ID)).toEqual([101, 102]);

    // the next day (the installation's token is still valid): shadow is no longer listed, and models answers 404
    serveInstallationRepositories([MODELS]);
    serveInventoryRepository(MODELS, { gone: true });
    await run();

    expect(await store.repositoryIdsOf(INSTALLATION_ID)).toEqual([]);
  });

  test("a repository added to the installation is refreshed (its default branch read first: the event does not say it)", async () => {
    const { app, jobs } = await inventoryApp();
    await app.receive(
      installationRepositoriesEvent("added", INSTALLATION_ID, [{ id: 102, fullName: "acme/shadow", private: false }]),
    );
    expect(jobs.enqueued.map((job) => [job.name, job.options?.singletonKey])).toEqual([
      [INVENTORY_REFRESH_JOB, "repository:102"],
    ]);

    serveInstallationToken();
    nock(GITHUB_API)
      .get("/repos/acme/shadow")
      .reply(200, {
        id: 102,
        name: "shadow",
        full_name: "acme/shadow",
        private: false,
        default_branch: "main",
        archived: false,
        owner: { login: "acme" },
      });
    serveInventoryRepository(SHADOW);
    serveOrganisationPolicy("acme");
    await runEnqueued(app, jobs);

    expect((await store.listUnmanaged([102])).map((file) => file.path)).toEqual([
      "data/model.pkl",
      "serve/model.safetensors",
      "train/checkpoint.pt",
    ]);
  });
});

describe("the inventory: end-of-life progress", () => {
  const RETIRED = modelFiles({ dir: "models/old", name: "old-scorer", version: "3.0.0", status: "decommissioned" });
  const REPOSITORY: InventoryRepositoryFixture = {
    id: 103,
    owner: "acme",
    name: "retired",
    head: commitSha("retired main"),
    files: { ".github/modelgate.yml": POLICY, ...textFiles(RETIRED.files) },
  };
  const ITEMS = testPolicy().end_of_life.checklist;
  const body = (issue: number, ticked: number) =>
    [
      endOfLifeMarker(
        { model: "old-scorer", digest: RETIRED.digest },
        testIssueMarkerKey(issue, { owner: "acme", repo: "retired" }),
      ),
      "",
      CHECKLIST_START,
      ...ITEMS.map((item, index) => `- [${index < ticked ? "x" : " "}] ${item}`),
      CHECKLIST_END,
    ].join("\n");
  const issue = (number: number, text: string, byApp: boolean) => ({
    number,
    state: "open",
    title: "End of life: old-scorer 3.0.0",
    body: text,
    html_url: `https://github.com/acme/retired/issues/${number}`,
    user: byApp ? { login: "modelgate[bot]", type: "Bot" } : { login: "mallory", type: "User" },
    performed_via_github_app: byApp ? { id: APP_ID } : null,
    labels: [{ name: "model-eol" }],
  });

  test("attack: an issue someone else opened with a copied marker and every item ticked is no disposal progress; the App's own issue is", async () => {
    const { app, jobs } = await inventoryApp();
    serveSweep([REPOSITORY]);
    nock(GITHUB_API)
      .get("/repos/acme/retired/issues")
      .query({ state: "all", labels: "model-eol", per_page: "100" })
      .reply(200, [
        // the App's issue #5's marker, copied into mallory's issue #6 with everything ticked
        issue(6, body(5, ITEMS.length), false),
        // the same marker in another of the App's issues is signed for #5, not #7
        issue(7, body(5, ITEMS.length), true),
        issue(5, body(5, 1), true),
      ]);

    await jobs.definitions
      .get(INVENTORY_INSTALLATION_JOB)!
      .run(
        { installationId: INSTALLATION_ID },
        { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 },
      );

    const [model] = await store.listModels({ repositoryIds: [103], now: TEST_NOW });
    expect(model?.standing.endOfLife).toEqual({
      url: "https://github.com/acme/retired/issues/5",
      state: "open",
      itemsDone: 1,
      itemsTotal: ITEMS.length,
    });
    expect(
      (await store.listModels({ repositoryIds: [103], decommissionedDisposalOpen: true, now: TEST_NOW })).map(
        (found) => found.name,
      ),
    ).toEqual(["old-scorer"]);
  });
});

describe("the inventory: pacing", () => {
  test("with less than half of the rate limit left, the sweep stops and queues the rest for after the reset", async () => {
    const { app, jobs } = await inventoryApp();
    serveInstallationToken();
    serveInstallationRepositories([MODELS, SHADOW]);
    const resetAt = TEST_NOW.getTime() / 1000 + 600;
    serveInventoryRepository(MODELS, {
      rateLimit: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "2400",
        "x-ratelimit-reset": String(resetAt),
        "x-ratelimit-resource": "core",
      },
    });

    await jobs.definitions
      .get(INVENTORY_INSTALLATION_JOB)!
      .run(
        { installationId: INSTALLATION_ID },
        { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 },
      );

    // shadow is not read: the rest of the installation waits for the window to reset
    expect(await store.repositoryIdsOf(INSTALLATION_ID)).toEqual([101]);
    expect(jobs.enqueued).toEqual([
      {
        name: INVENTORY_INSTALLATION_JOB,
        data: { installationId: INSTALLATION_ID, after: 101 },
        options: { singletonKey: `installation:${INSTALLATION_ID}:101`, startAfterSeconds: 601 },
      },
    ]);
  });
});
