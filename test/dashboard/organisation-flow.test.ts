/**
 * The organisation view in one story (docs/inventory.md, docs/dashboard.md): the App is installed on an organisation
 * with a public repository that gates a model and a private one with shadow AI; the sweep fills the inventory; a
 * push bumps the model; alice (reads both) and bob (reads the public one) sign in, filter and export; the private
 * repository leaves the installation. The App's own API is nock (GITHUB_API); the users' side of GitHub (OAuth and
 * /user/installations) is the fake on 127.0.0.1. Real Postgres behind both.
 */
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  INVENTORY_DAILY_JOB,
  INVENTORY_INSTALLATION_JOB,
  INVENTORY_REFRESH_JOB,
} from "../../src/handlers/inventory.js";
import type { CronDefinition, JobDefinition, Jobs } from "../../src/queue/job-queue.js";
import { postgresInventoryStore } from "../../src/store/inventory-store.js";
import { commitSha } from "../fixtures/git-objects.js";
import { modelFiles } from "../fixtures/manifests.js";
import { pushEvent } from "../fixtures/payloads/lifecycle.js";
import { installationEvent, installationRepositoriesEvent } from "../fixtures/payloads/inventory.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import {
  serveInstallationRepositories,
  serveInventoryRepository,
  serveOrganisationPolicy,
  type InventoryRepositoryFixture,
} from "../helpers/inventory.js";
import { servePolicy } from "../helpers/serve-github.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken, type TestApp } from "../helpers/test-app.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import { Client, emptyDashboard, startDashboard, type DashboardInstance } from "./dashboard-world.js";
import { FakeGitHub } from "./fake-github.js";

allowRequestsToThisMachine();

const POLICY = [
  "roles:",
  "  developer: { users: [dev1] }",
  "  system_operator: { users: [ops1] }",
  "  data_custodian: { users: [custodian1] }",
  "evaluation:",
  "  max_age_days: 90",
  "",
].join("\n");

const SCORER = modelFiles({ dir: "models/scorer", name: "scorer", version: "1.0.0" });
// retrained and bumped, but the only evaluation on record is still 1.0.0's
const SCORER_BUMPED = modelFiles({
  dir: "models/scorer",
  name: "scorer",
  version: "1.1.0",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "retrained scorer weights" } },
  evaluations: SCORER.manifest.evaluations as Array<Record<string, unknown>>,
});

const SCORING: InventoryRepositoryFixture = {
  id: 201,
  owner: "acme",
  name: "scoring",
  private: false,
  head: commitSha("scoring main"),
  files: { ".github/modelgate.yml": POLICY, ...textFiles(SCORER.files), "src/serve.py": "print('serve')\n" },
};
const SCORING_PUSHED: InventoryRepositoryFixture = {
  ...SCORING,
  head: commitSha("scoring retrained"),
  files: { ...SCORING.files, ...textFiles(SCORER_BUMPED.files) },
};
// private, no modelgate policy anywhere: weights nobody declared (shadow AI)
const RESEARCH: InventoryRepositoryFixture = {
  id: 202,
  owner: "acme",
  name: "research",
  private: true,
  head: commitSha("research main"),
  files: { "weights/model.safetensors": Buffer.alloc(4096, 3), "README.md": "# Experiments\n" },
};

function textFiles(files: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, spec]) => [path, String(spec)]));
}

/** The queue as the app defines its work on it; the story runs what was enqueued, as a pg-boss worker would. */
function recordingJobs() {
  const definitions = new Map<string, JobDefinition<object>>();
  const crons: CronDefinition[] = [];
  const enqueued: Array<{ name: string; data: object }> = [];
  const queue: Jobs = {
    defineJob: (definition) => void definitions.set(definition.name, definition as JobDefinition<object>),
    defineCron: (definition) => void crons.push(definition),
    enqueue: async (name, data) => {
      enqueued.push({ name, data });
      return `job-${enqueued.length}`;
    },
  };
  return { queue, definitions, crons, enqueued };
}

type Recorded = ReturnType<typeof recordingJobs>;

async function runEnqueued(app: TestApp, jobs: Recorded): Promise<void> {
  for (const job of jobs.enqueued.splice(0)) {
    const definition = jobs.definitions.get(job.name);
    if (!definition) throw new Error(`no job ${job.name}`);
    await definition.run(job.data, { probot: app.probot, log: pino({ level: "silent" }), jobId: "1", retryCount: 0 });
  }
}

/** Every mock of the step was used; the next step serves its own (the file reads of two steps answer alike). */
function endOfStep(): void {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
}

/** The requests the app sent to GitHub since `from`, as "METHOD path". */
function sentSince(app: TestApp, from: number): string[] {
  return app.requests.slice(from).map((r) => `${r.method} ${r.path}`);
}

let github: FakeGitHub;
let dashboard: DashboardInstance;

beforeEach(async () => {
  const database = await testDatabase();
  await emptyDashboard(database.pool);
  github = await new FakeGitHub().start();
  // what each user's own token can read of this installation (GET /user/installations/{id}/repositories)
  const scoring = { id: SCORING.id, fullName: "acme/scoring", installationId: INSTALLATION_ID };
  const research = { id: RESEARCH.id, fullName: "acme/research", installationId: INSTALLATION_ID };
  github.addUser({ id: 1, login: "alice", repositories: [scoring, research] });
  github.addUser({ id: 2, login: "bob", repositories: [scoring] });
  dashboard = await startDashboard(github, await testDatabaseUrl());
  github.callbackUrl = `${dashboard.url}/dashboard/auth/callback`;
});

afterEach(async () => {
  await dashboard.stop();
  await github.stop();
});

/** The sign-in as a browser does it: the dashboard sends it to GitHub, the user clicks "Authorize", GitHub sends it back. */
async function signInThroughGitHub(login: string): Promise<Client> {
  const browser = new Client(dashboard.url);
  const { authorize } = await browser.startSignIn();
  const page = await fetch(authorize);
  expect(page.status).toBe(200);
  const link = new RegExp(`<a href="([^"]+)">Authorize modelgate as ${login}</a>`).exec(await page.text());
  expect(link, `the authorize page offers ${login}`).not.toBeNull();
  const callback = new URL(link![1]!.replace(/&amp;/g, "&"));
  const answer = await browser.get(`${callback.pathname}${callback.search}`);
  expect(answer.status).toBe(303);
  expect(answer.headers.get("location")).toBe("/dashboard");
  return browser;
}

/** The model names a models page (or CSV, JSON) links or lists. */
function modelLinks(html: string): string[] {
  return [...html.matchAll(/href="\/dashboard\/repositories\/(\d+)\/models\/([^"]+)"/g)].map(
    ([, id, name]) => `${id}/${name}`,
  );
}

/** The table row of one model on a models page. */
function modelRow(html: string, repositoryId: number, name: string): string | undefined {
  return html
    .split("<tr>")
    .find((row) => row.includes(`href="/dashboard/repositories/${repositoryId}/models/${name}"`))
    ?.split("</tr>")[0];
}

interface PackedRepository {
  repository: { name: string };
  findings: Array<{ id: string }>;
  unmanaged: unknown[];
}

/** The JSON API as a script calls it: the user's own GitHub token as a bearer. */
async function api(login: string, path: string): Promise<{ status: number; json: any; text: string }> {
  const answer = await new Client(dashboard.url).get(path, { authorization: `Bearer ${github.tokenFor(login)}` });
  return { status: answer.status, json: JSON.parse(answer.text), text: answer.text };
}

function csvLines(text: string): string[] {
  return text.trimEnd().split("\r\n");
}

describe("the organisation view, from installation to export, with two users and a private repository", () => {
  test("install, sweep, push, sign in, filter, export; bob never sees the private repository; a removed repository leaves, and a missed uninstallation is caught up with", async () => {
    const store = postgresInventoryStore((await testDatabase()).pool);
    const jobs = recordingJobs();
    const app = await createTestApp({ jobs: jobs.queue, inventory: store });

    // 1. the App is installed on acme with both repositories: the installation is swept at once
    await app.receive(
      installationEvent("created", INSTALLATION_ID, [
        { id: SCORING.id, fullName: "acme/scoring", private: false },
        { id: RESEARCH.id, fullName: "acme/research", private: true },
      ]),
    );
    expect(jobs.enqueued).toEqual([{ name: INVENTORY_INSTALLATION_JOB, data: { installationId: INSTALLATION_ID } }]);
    serveInstallationToken();
    serveInstallationRepositories([SCORING, RESEARCH]);
    serveInventoryRepository(SCORING);
    serveInventoryRepository(RESEARCH);
    serveOrganisationPolicy("acme");
    await runEnqueued(app, jobs);
    expect(sentSince(app, 0)).toEqual([
      `POST /app/installations/${INSTALLATION_ID}/access_tokens`,
      "GET /installation/repositories?per_page=100",
      "GET /repos/acme/scoring/git/trees/main?recursive=true",
      "POST /graphql",
      "GET /repos/acme/research/git/trees/main?recursive=true",
      "GET /repos/acme/.github/contents/.github%2Fmodelgate.yml",
      "POST /graphql",
    ]);
    endOfStep();
    // what alice's script sees now: the model at 1.0.0, evaluated
    const swept = await api("alice", "/api/v1/models");
    expect(swept.json.models.map((m: { fullName: string; version: string }) => [m.fullName, m.version])).toEqual([
      ["acme/scoring", "1.0.0"],
    ]);
    expect((await api("alice", "/api/v1/models?filter=not-evaluated")).json.models).toEqual([]);
    expect((await api("alice", "/api/v1/unmanaged")).json.files.map((f: { path: string }) => f.path)).toEqual([
      "weights/model.safetensors",
    ]);

    // 2. a push to scoring's default branch bumps the model (retrained, not re-evaluated): the refresh follows it
    const push = pushEvent(
      { ref: "refs/heads/main", before: SCORING.head, after: SCORING_PUSHED.head },
      INSTALLATION_ID,
    );
    push.payload.repository = {
      ...push.payload.repository,
      id: SCORING.id,
      name: "scoring",
      full_name: "acme/scoring",
      private: false,
      default_branch: "main",
    };
    // the push's own workflow looks for decommissioned models (none here)
    servePolicy("acme", "scoring", "main", POLICY);
    new FakeRepository({
      owner: "acme",
      repo: "scoring",
      commits: [
        { sha: SCORING.head, files: SCORING.files },
        { sha: SCORING_PUSHED.head, files: SCORING_PUSHED.files },
      ],
    })
      .serveTree(SCORING.head)
      .serveTree(SCORING_PUSHED.head)
      .serveContents();
    let sent = app.requests.length;
    await app.receive(push);
    expect(sentSince(app, sent)).toEqual([
      "GET /repos/acme/scoring/contents/.github%2Fmodelgate.yml?ref=main",
      `GET /repos/acme/scoring/git/trees/${SCORING.head}?recursive=true`,
      `GET /repos/acme/scoring/git/trees/${SCORING_PUSHED.head}?recursive=true`,
      "POST /graphql",
    ]);
    expect(jobs.enqueued.map((job) => job.name)).toEqual([INVENTORY_REFRESH_JOB]);
    endOfStep();
    serveInventoryRepository(SCORING_PUSHED);
    sent = app.requests.length;
    await runEnqueued(app, jobs);
    expect(sentSince(app, sent)).toEqual(["GET /repos/acme/scoring/git/trees/main?recursive=true", "POST /graphql"]);
    endOfStep();

    // 3. alice and bob sign in with GitHub
    const alice = await signInThroughGitHub("alice");
    const bob = await signInThroughGitHub("bob");
    expect((await alice.get("/dashboard")).text).toContain("Signed in as <strong>alice</strong>");
    expect((await bob.get("/dashboard")).text).toContain("Signed in as <strong>bob</strong>");

    // 4. alice: the bumped model is not evaluated, the private repository's weights are unmanaged, and she exports
    const all = await alice.get("/dashboard");
    expect(modelLinks(all.text)).toEqual(["201/scorer"]);
    expect(modelRow(all.text, 201, "scorer")).toContain("<td>1.1.0</td>");
    expect(modelRow(all.text, 201, "scorer")).toContain('<span class="badge badge-bad">not evaluated</span>');
    expect(modelLinks((await alice.get("/dashboard?filter=not-evaluated")).text)).toEqual(["201/scorer"]);
    const timeline = await alice.get("/dashboard/repositories/201/models/scorer");
    expect(timeline.text).toContain("Version 1.1.0");
    expect(timeline.text).toContain("Version 1.0.0");

    const repositories = await alice.get("/dashboard/repositories");
    const researchRow = repositories.text.split("<tr>").find((row) => row.includes(">acme/research</label>"));
    expect(researchRow).toContain('<span class="badge badge-muted">private</span>');
    expect(researchRow).toContain("no policy");
    expect(researchRow).toContain('<a href="/dashboard/unmanaged#repository-202">1 file</a>');

    const unmanaged = await alice.get("/dashboard/unmanaged");
    expect(unmanaged.text).toContain("acme/research");
    expect(unmanaged.text).toContain("<code>weights/model.safetensors</code>");

    const csrf = await alice.csrfToken();
    const csv = await alice.post("/dashboard/export/inventory.csv", { csrf, filter: "not-evaluated" });
    expect(csv.status).toBe(200);
    const lines = csvLines(csv.text);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^"acme\/scoring","scorer","1\.1\.0",/);

    const pack = await alice.post("/dashboard/export/audit.json", { csrf, all: "1" });
    expect(pack.status).toBe(200);
    const packed = JSON.parse(pack.text);
    expect(packed.format).toBe("modelgate-organisation-audit/1");
    expect(
      packed.repositories.map((r: PackedRepository) => [r.repository.name, r.findings.map((f) => f.id), r.unmanaged]),
    ).toEqual([
      [
        "acme/research",
        ["F-unmanaged-weights_model.safetensors~5dd0bac8"],
        [
          {
            path: "weights/model.safetensors",
            kind: "artifact",
            reason: "a model file (it matches an artefact glob) that no manifest declares",
          },
        ],
      ],
      ["acme/scoring", ["F-unevaluated-scorer"], []],
    ]);

    // bob: the public model, and nothing of acme/research in any view, export or API answer
    const bobModels = await bob.get("/dashboard");
    expect(modelLinks(bobModels.text)).toEqual(["201/scorer"]);
    const bobCsrf = await bob.csrfToken();
    const bobCsv = await bob.post("/dashboard/export/inventory.csv", { csrf: bobCsrf });
    expect(
      csvLines(bobCsv.text)
        .slice(1)
        .map((line) => line.split(",")[0]),
    ).toEqual(['"acme/scoring"']);
    const bobPack = await bob.post("/dashboard/export/audit.json", { csrf: bobCsrf, all: "1" });
    expect(JSON.parse(bobPack.text).repositories.map((r: PackedRepository) => r.repository.name)).toEqual([
      "acme/scoring",
    ]);
    const bobUnmanaged = await bob.get("/dashboard/unmanaged");
    expect(bobUnmanaged.text).toContain("No unmanaged model file in the repositories you can read.");
    const bobPages = [
      bobModels,
      await bob.get("/dashboard?filter=not-evaluated"),
      await bob.get("/dashboard/repositories"),
      bobUnmanaged,
      await bob.get("/dashboard/provisions"),
      bobCsv,
      bobPack,
    ];
    for (const answer of bobPages) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain("research");
      expect(answer.text).not.toContain("weights/model.safetensors");
    }
    const bobApi = [
      await api("bob", "/api/v1/repositories"),
      await api("bob", "/api/v1/models"),
      await api("bob", "/api/v1/unmanaged"),
      await api("bob", `/api/v1/models?repository=${RESEARCH.id}`),
    ];
    expect(bobApi.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    for (const answer of bobApi) expect(answer.text).not.toContain("research");
    expect(bobApi[0]!.json.repositories.map((r: { fullName: string }) => r.fullName)).toEqual(["acme/scoring"]);
    expect(bobApi[2]!.json.files).toEqual([]);
    expect(bobApi[3]!.json.models).toEqual([]);
    // guessing the private repository's id in the addresses that take one
    const guessed = await bob.get(`/dashboard?repository=${RESEARCH.id}`);
    expect(guessed.text).toContain("No model matches");
    expect(guessed.text).not.toContain("research");
    const guesses = [
      await bob.get(`/dashboard/repositories/${RESEARCH.id}/models/scorer`),
      await bob.post("/dashboard/export/audit.json", { csrf: bobCsrf, repository: String(RESEARCH.id) }),
      await new Client(dashboard.url).get(`/api/v1/repositories/${RESEARCH.id}/models/scorer`, {
        authorization: `Bearer ${github.tokenFor("bob")}`,
      }),
    ];
    expect(guesses.map((answer) => answer.status)).toEqual([404, 404, 404]);
    for (const answer of guesses) expect(answer.text).not.toContain("research");

    // 5. acme/research is removed from the installation: GitHub stops listing it to alice's token too, but the
    // dashboard trusts her earlier answer for 60 s: within it, only the inventory forgetting it hides it
    github.users.get("alice")!.repositories = github.users
      .get("alice")!
      .repositories.filter((r) => r.id !== RESEARCH.id);
    sent = app.requests.length;
    await app.receive(
      installationRepositoriesEvent("removed", INSTALLATION_ID, [
        { id: RESEARCH.id, fullName: "acme/research", private: true },
      ]),
    );
    expect(sentSince(app, sent)).toEqual([]);
    const after = [
      await alice.get("/dashboard"),
      await alice.get("/dashboard/repositories"),
      await alice.get("/dashboard/unmanaged"),
      await alice.post("/dashboard/export/audit.json", { csrf, all: "1" }),
    ];
    for (const answer of after) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain("research");
    }
    expect(after[2]!.text).toContain("No unmanaged model file in the repositories you can read.");
    expect(JSON.parse(after[3]!.text).repositories.map((r: PackedRepository) => r.repository.name)).toEqual([
      "acme/scoring",
    ]);
    expect((await alice.post("/dashboard/export/audit.json", { csrf, repository: String(RESEARCH.id) })).status).toBe(
      404,
    );
    expect((await api("alice", "/api/v1/unmanaged")).json.files).toEqual([]);

    // 6. the App is uninstalled while the server is down: the `installation.deleted` delivery is lost. The daily
    // sweep catches up with what was missed: GitHub lists no installation, so nothing of acme is kept
    // (docs/inventory.md, "How long it is kept": uninstalled means deleted)
    nock(GITHUB_API).get("/app/installations").query({ per_page: "100" }).reply(200, []);
    const daily = jobs.crons.find((cron) => cron.name === INVENTORY_DAILY_JOB)!;
    sent = app.requests.length;
    await daily.run({}, { probot: app.probot, log: pino({ level: "silent" }), jobId: "2", retryCount: 0 });
    expect(sentSince(app, sent)).toEqual(["GET /app/installations?per_page=100"]);
    expect(jobs.enqueued).toEqual([]);
    expect(await store.repositoryIdsOf(INSTALLATION_ID)).toEqual([]);
  });
});
