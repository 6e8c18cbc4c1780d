import { createHash } from "node:crypto";
import nock from "nock";
import { describe, expect, test, vi } from "vitest";
import { validateBom } from "../../src/core/bom/build-bom.js";
import { REEVALUATE_ACTION } from "../../src/core/render/check-run.js";
import { annotationsFingerprint } from "../../src/github/check-runs.js";
import { BOM_ASSET_NAME, RELEASE_CHECK_NAME } from "../../src/handlers/release.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud, RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { serveNoPolicy, servePolicy, type CheckRunBody } from "../helpers/serve-github.js";
import {
  serveBranchHead,
  serveReleaseCheckOf,
  serveReleases,
  serveSignOffIssueList,
  serveTag,
  type SignOffIssueFixture,
} from "../helpers/serve-releases.js";
import { APP_ID, createTestApp, INSTALLATION_ID, serveInstallationToken, type TestApp } from "../helpers/test-app.js";
import { checkRunEvent, OWNER, REPO } from "../fixtures/payloads/index.js";
import { postgresInventoryStore } from "../../src/store/inventory-store.js";
import type { Jobs } from "../../src/queue/job-queue.js";
import { testDatabase } from "../helpers/database.js";
import { emptyInventory } from "../helpers/inventory.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { releaseEvent, releaseResource, REPOSITORY_URL, type ReleaseFixture } from "../fixtures/payloads/lifecycle.js";

// the BOM validator is the real one, except where a test injects a failure it cannot cause with real manifests
vi.mock("../../src/core/bom/validate-bom.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/core/bom/validate-bom.js")>();
  return { ...real, validateBom: vi.fn(real.validateBom) };
});

const PREVIOUS_COMMIT = commitSha("v2.0.0");
const TAGGED_COMMIT = commitSha("v2.1.0");
const API = `/repos/${OWNER}/${REPO}`;
const CHECK_RUN_ID = 8101;
const CHECK_URL = `${REPOSITORY_URL}/runs/${CHECK_RUN_ID}`;
const UPLOADS = "https://uploads.github.com";
/** When the sign-off comments were posted (none edited). */
const COMMENTED_AT = "2026-11-28T10:00:00Z";

const SCORER = repositoryModelFiles({
  dir: "models/scorer",
  name: "risk-scorer",
  version: "1.0.0",
  weights: "scorer weights",
  prompt: "You score risk.\n",
  evaluation: { evaluator: "eve", date: "2026-11-20" },
});

const PREVIOUS: ReleaseFixture = {
  id: 100,
  tag: "v2.0.0",
  publishedAt: "2026-10-01T10:00:00Z",
  createdAt: "2026-10-01T09:00:00Z",
};
const CURRENT: ReleaseFixture = { id: 101, tag: "v2.1.0", body: "## What's changed\n\n- Retrained fraud detector" };

interface Scenario {
  current?: ReleaseFixture;
  /** Every release of the repository besides the current one. */
  others?: ReleaseFixture[];
  /** Files of the previous release's commit; omitted for a first release. */
  previousFiles?: Record<string, FileFixture>;
  files: Record<string, FileFixture>;
  /** Sign-off issues (number -> digest + comments); `read: false` for one the release must not read (another subject). */
  signOffs?: Array<{
    number: number;
    digest: string;
    version: string;
    intent?: "decommission";
    comments: Array<{ id: number; login: string; body: string }>;
    pullAuthors?: string[];
    read?: boolean;
  }>;
  members?: Record<string, string[]>;
  policy?: string;
  existingRun?: { id: number; externalId: string };
  /** Earlier releases walked before the baseline (newest first): their tagged commit and the conclusion of its release check run. */
  failedBefore?: Array<{ release: ReleaseFixture; commit: string; conclusion: "failure" | null | "none" }>;
  /** The release compared with (whose commit holds previousFiles); v2.0.0 at PREVIOUS_COMMIT unless given. */
  baseline?: ReleaseFixture;
  /** The baseline's own release check: passed (default), or none at all (a release from before the installation). */
  baselineRun?: "success" | "none";
  /** When the App was installed (`GET /repos/{o}/{r}/installation`), for a scenario that asks. */
  installedAt?: string;
}

/** The App's installation on the repository, created at `createdAt` (asked with the App's JWT). */
function serveInstallation(createdAt: string): void {
  nock(GITHUB_API)
    .get(`${API}/installation`)
    .matchHeader("authorization", /^bearer /i)
    .reply(200, {
      id: INSTALLATION_ID,
      app_id: APP_ID,
      account: { login: OWNER },
      repository_selection: "all",
      created_at: createdAt,
      updated_at: createdAt,
    });
}

/** The model version an issue of the scenario signs off. */
function refOf(s: { version: string; digest: string; intent?: "decommission" }): {
  model: string;
  version: string;
  digest: string;
  intent?: "decommission";
} {
  return { model: "fraud-detector", version: s.version, digest: s.digest, ...(s.intent ? { intent: s.intent } : {}) };
}

/** Everything a release evaluation reads, with the writes it is expected to make left to each test. */
/** What every evaluation of a release reads first: the release, the commit its tag names (TAGGED_COMMIT), the policy on main (built-in unless given). */
function serveReleaseAtTag(current: ReleaseFixture = CURRENT, policy?: string): void {
  serveInstallationToken();
  nock(GITHUB_API).get(`${API}/releases/${current.id}`).reply(200, releaseResource(current));
  serveTag(OWNER, REPO, current.tag, TAGGED_COMMIT);
  if (policy !== undefined) servePolicy(OWNER, REPO, "main", policy);
  else serveNoPolicy(OWNER, REPO, "main");
}

/** The release check run on the tagged commit: looked up, then updated in place when `existing` is there, else created. */
function serveReleaseRunWrite(existing?: { id: number; externalId: string }): void {
  const api = nock(GITHUB_API);
  api
    .get(`${API}/commits/${TAGGED_COMMIT}/check-runs`)
    .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID), per_page: "100" })
    .reply(200, {
      total_count: existing ? 1 : 0,
      check_runs: existing
        ? [
            {
              id: existing.id,
              name: RELEASE_CHECK_NAME,
              head_sha: TAGGED_COMMIT,
              status: "completed",
              external_id: existing.externalId,
              app: { id: APP_ID },
              output: { annotations_count: 0 },
            },
          ]
        : [],
    });
  if (existing) api.patch(`${API}/check-runs/${existing.id}`).reply(200, { id: existing.id });
  else api.post(`${API}/check-runs`).reply(201, { id: CHECK_RUN_ID });
}

/** The current release published when a read fails (served by the test): the run is still written, and the body says why; returns the run. */
async function publishUnreadable(app: TestApp): Promise<CheckRunBody> {
  serveReleaseRunWrite();
  serveReleaseUpdate();
  await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));
  return createdCheckRun(app);
}

function serveRelease(scenario: Scenario): { current: ReleaseFixture; repository: FakeRepository } {
  const current = scenario.current ?? CURRENT;
  serveReleaseAtTag(current, scenario.policy);
  const baseline = scenario.baseline ?? PREVIOUS;
  const failedBefore = scenario.failedBefore ?? [];
  const others = scenario.others ?? [
    ...failedBefore.map((f) => f.release),
    ...(scenario.previousFiles ? [baseline] : []),
  ];
  serveReleases(OWNER, REPO, [current, ...others]);
  for (const failed of failedBefore) {
    serveTag(OWNER, REPO, failed.release.tag, failed.commit);
    serveReleaseCheckOf(OWNER, REPO, failed.commit, failed.conclusion);
  }
  if (scenario.previousFiles) {
    serveTag(OWNER, REPO, baseline.tag, PREVIOUS_COMMIT);
    serveReleaseCheckOf(OWNER, REPO, PREVIOUS_COMMIT, scenario.baselineRun ?? "success");
  }
  if (scenario.installedAt) serveInstallation(scenario.installedAt);
  const commits = [
    { sha: TAGGED_COMMIT, files: scenario.files },
    ...(scenario.previousFiles ? [{ sha: PREVIOUS_COMMIT, files: scenario.previousFiles }] : []),
  ];
  const repository = new FakeRepository({ owner: OWNER, repo: REPO, commits });
  if (scenario.previousFiles) repository.serveTree(PREVIOUS_COMMIT);
  repository.serveTree(TAGGED_COMMIT).serveContents();
  // the default branch is at the tagged commit: its records are the commit's own
  serveBranchHead(OWNER, REPO, "main", TAGGED_COMMIT);
  if (scenario.signOffs) {
    const signOffs = scenario.signOffs.map((s): SignOffIssueFixture => ({
      number: s.number,
      ref: refOf(s),
      tracking: {
        manifestPath: "models/fraud/model.yaml",
        kinds: [s.intent ?? "retrain"],
        pulls: (s.pullAuthors ?? []).map((author, i) => ({
          number: 7 + i,
          author,
          roles: ["developer", "system_operator"],
        })),
      },
      comments: s.comments,
      read: s.read,
    }));
    serveSignOffIssueList(OWNER, REPO, signOffs, scenario.members ?? {}, COMMENTED_AT);
  }
  serveReleaseRunWrite(scenario.existingRun);
  return { current, repository };
}

/** The current release published and judged: everything it reads (serveRelease), its body updated, its ML-BOM uploaded; returns the run it created. */
async function publish(app: TestApp, scenario: Scenario): Promise<CheckRunBody> {
  serveRelease(scenario);
  serveReleaseUpdate();
  serveUpload();
  await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));
  return createdCheckRun(app);
}

function serveReleaseUpdate(id = CURRENT.id): void {
  nock(GITHUB_API).patch(`${API}/releases/${id}`).reply(200, {});
}

/** The asset upload, matched only with the CycloneDX media type. */
function serveUpload(id = CURRENT.id): void {
  nock(UPLOADS)
    .post(`${API}/releases/${id}/assets`)
    .query({ name: BOM_ASSET_NAME })
    .matchHeader("content-type", "application/vnd.cyclonedx+json")
    .reply(201, { id: 9001, name: BOM_ASSET_NAME });
}

const SIGNED_RETRAIN = [
  {
    number: 41,
    digest: RETRAINED.digest,
    version: "2.1.0",
    comments: [
      { id: 1, login: "alice", body: "/approve developer" },
      { id: 2, login: "bob", body: "/approve system_operator" },
    ],
  },
];
const MEMBERS = { "ml-engineers": ["alice"], "platform-ops": ["bob"], "data-governance": ["carol"] };

/** The body the current release is updated with: its notes, then modelgate's section holding `section` (one line each). */
function releaseBody(...section: string[]): string {
  return [
    "## What's changed",
    "",
    "- Retrained fraud detector",
    "",
    "<!-- modelgate:release:start -->",
    "## Model versions in this release",
    "",
    ...section,
    "<!-- modelgate:release:end -->",
  ].join("\n");
}

function createdCheckRun(app: TestApp): CheckRunBody {
  const creates = app.requestsTo("POST", `${API}/check-runs`);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as CheckRunBody;
}

/** The trees the evaluation read, in order (which commits it compared). */
function treesRead(app: TestApp): string[] {
  return app.requestsTo("GET", new RegExp(`^${API}/git/trees/`)).map((r) => r.path);
}

function releaseUpdate(app: TestApp): { body: string; draft?: boolean } {
  const updates = app.requestsTo("PATCH", `${API}/releases/${CURRENT.id}`);
  expect(updates).toHaveLength(1);
  return updates[0]!.body as { body: string; draft?: boolean };
}

function uploadedBom(app: TestApp): Record<string, any> {
  const uploads = app.requestsTo("POST", new RegExp(`^${API}/releases/${CURRENT.id}/assets\\?name=`));
  expect(uploads).toHaveLength(1);
  return uploads[0]!.body as Record<string, any>;
}

describe("story 1: a release whose models all pass", () => {
  test("gets a successful check run, the model table in its body and the ML-BOM asset", async () => {
    const app = await createTestApp();
    await publish(app, {
      previousFiles: { ...RELEASED.files, "README.md": "# Models\n" },
      files: { ...RETRAINED.files, "README.md": "# Models\n" },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(createdCheckRun(app)).toEqual({
      name: RELEASE_CHECK_NAME,
      head_sha: TAGGED_COMMIT,
      status: "completed",
      conclusion: "success",
      external_id: annotationsFingerprint([]),
      details_url: `${REPOSITORY_URL}/releases/tag/v2.1.0#modelgate-release-101`,
      actions: [],
      output: {
        title: "The model change meets its gate",
        summary: expect.stringContaining("fraud-detector 2.0.0 → 2.1.0"),
        text: expect.stringContaining('"verdict": "success"'),
      },
    });
    const summary = createdCheckRun(app).output.summary;
    expect(summary).toContain("signed off by @alice on the sign-off issue");
    expect(summary).toContain("signed off by @bob on the sign-off issue");
    expect(summary).toContain(
      "ML-BOM: `modelgate-bom.cdx.json` (CycloneDX 1.6, 1 model, validated against the official schema) is attached to the release (5.2.4-1.2).",
    );

    expect(releaseUpdate(app)).toEqual({
      body: releaseBody(
        "| Model | Version | Digest | Change | Gate |",
        "|---|---|---|---|---|",
        `| fraud-detector | 2.0.0 → 2.1.0 | \`${RETRAINED.digest}\` | retrain | ✅ |`,
        "",
        `Checked by [modelgate](${CHECK_URL}).`,
      ),
    });
    const decisions = app.logs.filter((line) => line.msg === "modelgate decision");
    expect(decisions).toEqual([
      expect.objectContaining({
        release: { id: CURRENT.id, tag: "v2.1.0" },
        pull_request: null,
        head_sha: TAGGED_COMMIT,
        verdict: "success",
      }),
    ]);
  });

  test("the ML-BOM lists every model at the tag, field by field, and validates against CycloneDX 1.6", async () => {
    const app = await createTestApp();
    await publish(app, {
      previousFiles: { ...RELEASED.files, ...SCORER.files },
      files: { ...RETRAINED.files, ...SCORER.files },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    const upload = app.requestsTo("POST", new RegExp(`^${API}/releases/${CURRENT.id}/assets`))[0]!;
    expect(upload.path).toBe(`${API}/releases/${CURRENT.id}/assets?name=modelgate-bom.cdx.json`);
    const bom = uploadedBom(app);
    expect(await validateBom(bom)).toEqual({ ok: true });
    expect(bom).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      version: 1,
      serialNumber: expect.stringMatching(
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      metadata: {
        timestamp: "2026-12-01T12:00:00.000Z",
        tools: { components: [{ type: "application", name: "modelgate", version: "0.1.0" }] },
        component: {
          type: "application",
          "bom-ref": "repository:acme/models",
          name: "acme/models",
          version: "v2.1.0",
          properties: [{ name: "modelgate:commit", value: TAGGED_COMMIT }],
        },
      },
    });
    // the unchanged model is in the BOM too: it describes the release, not the change
    expect(
      bom.components.map((c: { type: string; name: string; version?: string }) => [c.type, c.name, c.version ?? null]),
    ).toEqual([
      ["machine-learning-model", "fraud-detector", "2.1.0"],
      ["machine-learning-model", "risk-scorer", "1.0.0"],
      ["data", "transactions-2026q3", null],
    ]);
    const model = bom.components[0];
    expect(model["bom-ref"]).toBe("model:fraud-detector@2.1.0");
    expect(model.properties).toEqual([
      { name: "modelgate:digest", value: RETRAINED.digest },
      { name: "modelgate:status", value: "active" },
      { name: "modelgate:manifest", value: "models/fraud/model.yaml" },
      { name: "modelgate:modalities", value: "tabular" },
    ]);
    expect(model.components).toEqual([
      {
        type: "file",
        "bom-ref": "model:fraud-detector@2.1.0/weights/model.safetensors",
        name: "models/fraud/weights/model.safetensors",
        hashes: [{ alg: "SHA-256", content: sha256("weights of 2.1.0") }],
        properties: [
          { name: "modelgate:kind", value: "weights" },
          {
            name: "modelgate:format",
            // the app reads the LFS object by range (test/helpers/serve-lfs.ts serves it): it is scanned, not presumed
            value: "met: models/fraud/weights/model.safetensors (other): no code runs when it is loaded",
          },
        ],
      },
      {
        type: "file",
        "bom-ref": "model:fraud-detector@2.1.0/prompts/system.txt",
        name: "models/fraud/prompts/system.txt",
        hashes: [{ alg: "SHA-256", content: sha256("You score card transactions.\n") }],
        properties: [
          { name: "modelgate:kind", value: "prompt" },
          {
            name: "modelgate:format",
            value: "met: models/fraud/prompts/system.txt (other): no code runs when it is loaded",
          },
        ],
      },
    ]);
    expect(model.modelCard).toEqual({
      modelParameters: { datasets: [{ ref: "data:transactions-2026q3" }], inputs: [{ format: "tabular" }] },
      properties: [
        { name: "modelgate:evaluation:result", value: "pass" },
        { name: "modelgate:evaluation:date", value: "2026-11-20" },
        { name: "modelgate:evaluation:evaluator", value: "eve" },
        {
          name: "modelgate:evaluation:threats",
          value: "data_poisoning,model_inversion,membership_inference,model_extraction,evasion",
        },
      ],
    });
    expect(bom.components[2]).toEqual({
      type: "data",
      "bom-ref": "data:transactions-2026q3",
      name: "transactions-2026q3",
      externalReferences: [{ type: "distribution", url: "https://data.example.org/transactions-2026q3" }],
      data: [
        {
          type: "dataset",
          name: "transactions-2026q3",
          contents: { url: "https://data.example.org/transactions-2026q3" },
        },
      ],
      properties: [{ name: "modelgate:acquired_at", value: "2026-10-01T00:00:00Z" }],
    });
    expect(bom.dependencies).toEqual([
      { ref: "repository:acme/models", dependsOn: ["model:fraud-detector@2.1.0", "model:risk-scorer@1.0.0"] },
      { ref: "model:fraud-detector@2.1.0", dependsOn: ["data:transactions-2026q3"] },
      { ref: "model:risk-scorer@1.0.0", dependsOn: ["data:transactions-2026q3"] },
      { ref: "data:transactions-2026q3", dependsOn: [] },
    ]);
  });
});

describe("story 2: a retrained model released without its sign-offs", () => {
  test("fails the check and says what fails in the release body (on_failure: comment)", async () => {
    const app = await createTestApp();
    const run = await publish(app, { previousFiles: RELEASED.files, files: RETRAINED.files, signOffs: [] });

    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 model: 2 sign-offs missing");
    expect(run.actions).toEqual([REEVALUATE_ACTION]);
    expect(run.output.summary).toContain("**❌ failure:** 1 model: 2 sign-offs missing");
    expect(run.output.summary).toContain(
      "comments `/approve <role>` on the sign-off issue of its digest, which only a pull request gate opens (this version has none yet: see its approval requirements for how to get one)",
    );
    // the version has no sign-off issue: each missing approval says how to get one
    expect(run.output.summary).toContain(
      "These artefacts have no sign-off issue yet, and only a pull request gate opens one",
    );
    expect(run.output.summary).toContain("press **Re-evaluate** above to judge the release again");
    // a release has no reviews to approve it, and no "Open sign-off" button
    expect(run.output.summary).not.toContain("this pull request");
    expect(run.output.summary).not.toContain("Open sign-off");
    expect(releaseUpdate(app)).toEqual({
      body: releaseBody(
        "> [!CAUTION]",
        `> **modelgate:** this release does not meet its model gates — see the [check run](${CHECK_URL}).`,
        "> - fraud-detector 2.1.0: sign-off missing: developer, system_operator",
        "",
        "| Model | Version | Digest | Change | Gate |",
        "|---|---|---|---|---|",
        `| fraud-detector | 2.0.0 → 2.1.0 | \`${RETRAINED.digest}\` | retrain | ⏳ |`,
      ),
    });
    // the BOM describes what was released, whatever the gate says
    expect(uploadedBom(app).components[0].version).toBe("2.1.0");
  });

  test("with on_failure: draft, the release also goes back to draft", async () => {
    const app = await createTestApp();
    await publish(app, {
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs: [],
      policy: "release:\n  on_failure: draft\n",
    });

    expect(createdCheckRun(app).conclusion).toBe("failure");
    const update = releaseUpdate(app);
    expect(update.draft).toBe(true);
    expect(Object.keys(update).sort()).toEqual(["body", "draft"]);
    expect(update.body).toContain("> - fraud-detector 2.1.0: sign-off missing: developer, system_operator");
  });

  test("a sign-off by someone who does not hold the role does not count", async () => {
    const app = await createTestApp();
    const signOffs = [
      {
        ...SIGNED_RETRAIN[0]!,
        comments: [
          { id: 1, login: "alice", body: "/approve developer" },
          { id: 2, login: "mallory", body: "/approve system_operator" },
        ],
      },
    ];
    const run = await publish(app, {
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 model: 1 sign-off missing");
    expect(run.output.summary).toContain("signed off by @alice on the sign-off issue");
    expect(run.output.summary).toContain(`[sign-off issue](${REPOSITORY_URL}/issues/41)`);
  });

  test("the author of the pull request that carried the digest cannot sign it off for the release either", async () => {
    const app = await createTestApp();
    const signOffs = [{ ...SIGNED_RETRAIN[0]!, pullAuthors: ["alice"] }];
    const run = await publish(app, {
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 model: 1 sign-off missing");
    expect(run.output.summary).not.toContain("signed off by @alice");
    expect(run.output.summary).toContain("signed off by @bob on the sign-off issue");
  });

  test("with approvals by review only, the sign-offs stay pending with a hint to allow sign_off", async () => {
    const app = await createTestApp();
    // the sign-off issues are still read: an /override on them counts whatever `via` says
    const run = await publish(app, {
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs: [],
      policy: "approvals:\n  via: [review]\n",
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain(
      "developer must sign off, but a release has no reviews and approvals.via in .github/modelgate.yml allows only reviews: add sign_off to approvals.via, then developer comments `/approve developer` on the sign-off issue of this digest",
    );
  });
});

describe("story 2b: a release that retires a model keeps its digest, not its sign-offs", () => {
  const DECOMMISSIONED = repositoryModelFiles(
    fraud({
      version: "2.1.0",
      weights: "weights of 2.1.0",
      evaluation: { evaluator: "eve", date: "2026-11-20" },
      status: "decommissioned",
    }),
  );
  const RETIREMENT_APPROVALS = [
    { id: 1, login: "bob", body: "/approve system_operator" },
    { id: 2, login: "carol", body: "/approve data_custodian" },
  ];
  const SHIP_ISSUE = {
    number: 41,
    digest: RETRAINED.digest,
    version: "2.1.0",
    comments: RETIREMENT_APPROVALS,
    read: false,
  };

  test("the sign-offs on the issue that shipped the digest do not count for its decommission", async () => {
    const app = await createTestApp();
    expect(DECOMMISSIONED.digest).toBe(RETRAINED.digest);
    const run = await publish(app, {
      previousFiles: RETRAINED.files,
      files: DECOMMISSIONED.files,
      signOffs: [SHIP_ISSUE],
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 model: 2 sign-offs missing");
    expect(run.output.summary).not.toContain("signed off by");
  });

  test("the sign-offs on its decommission issue do", async () => {
    const app = await createTestApp();
    const decommissionIssue = {
      number: 42,
      digest: RETRAINED.digest,
      version: "2.1.0",
      intent: "decommission" as const,
      comments: RETIREMENT_APPROVALS,
    };
    const run = await publish(app, {
      previousFiles: RETRAINED.files,
      files: DECOMMISSIONED.files,
      signOffs: [SHIP_ISSUE, decommissionIssue],
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("signed off by @bob on the sign-off issue");
    expect(run.output.summary).toContain("signed off by @carol on the sign-off issue");
  });
});

describe("story 3: the first release of a repository", () => {
  test("compares with nothing: every model is new", async () => {
    const app = await createTestApp();
    const first: ReleaseFixture = { id: 101, tag: "v1.0.0" };
    serveRelease({
      current: first,
      others: [{ id: 99, tag: "v0.9.0", draft: true }],
      files: RETRAINED.files,
      signOffs: [],
    });
    serveReleaseUpdate();
    serveUpload();

    await app.receive(releaseEvent("published", first, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.output.summary).toContain("fraud-detector new → 2.1.0");
    expect(run.output.summary).toContain("**Changes:** `new_model`");
    expect(run.output.title).toBe("1 model: 3 sign-offs missing");
    // only the tagged tree is read: there is no previous release
    expect(treesRead(app)).toEqual([`${API}/git/trees/${TAGGED_COMMIT}?recursive=true`]);
    expect(releaseUpdate(app).body).toContain(
      `| fraud-detector | new → 2.1.0 | \`${RETRAINED.digest}\` | new_model | ⏳ |`,
    );
  });
});

describe("story 4: a release that changes no model", () => {
  test("passes and says so in the body; the BOM still lists the models it ships", async () => {
    const app = await createTestApp();
    const run = await publish(app, {
      previousFiles: { ...RETRAINED.files, "src/app.py": "print(1)\n" },
      files: { ...RETRAINED.files, "src/app.py": "print(2)\n" },
    });

    expect(run.conclusion).toBe("success");
    expect(run.output.title).toBe("No model changes");
    expect(releaseUpdate(app).body).toBe(
      releaseBody("No model version changes in this release.", "", `Checked by [modelgate](${CHECK_URL}).`),
    );
    expect(uploadedBom(app).components[0].name).toBe("fraud-detector");
    // no changed model needs a sign-off: the sign-off issues are not even listed
    expect(app.requestsTo("GET", `${API}/issues`)).toEqual([]);
  });
});

describe("story 5: the release gate runs again (re-delivery, Re-evaluate)", () => {
  test("replaces the BOM asset (delete, then upload) and leaves an up-to-date body alone", async () => {
    const app = await createTestApp();
    const section = [
      "<!-- modelgate:release:start -->",
      "## Model versions in this release",
      "",
      "No model version changes in this release.",
      "",
      `Checked by [modelgate](${REPOSITORY_URL}/runs/8200).`,
      "<!-- modelgate:release:end -->",
    ].join("\n");
    const again: ReleaseFixture = {
      ...CURRENT,
      body: `Notes\n\n${section}`,
      assets: [
        { id: 55, name: BOM_ASSET_NAME },
        { id: 56, name: "model.tar.gz" },
      ],
    };
    serveRelease({
      current: again,
      previousFiles: RETRAINED.files,
      files: RETRAINED.files,
      existingRun: { id: 8200, externalId: annotationsFingerprint([]) },
    });
    nock(GITHUB_API).delete(`${API}/releases/assets/55`).reply(204);
    serveUpload();

    await app.receive(releaseEvent("published", again, INSTALLATION_ID));

    const writes = app.requests
      .filter((r) => r.method !== "GET" && !r.path.startsWith("/app/") && r.path !== "/graphql")
      .map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([
      `PATCH ${API}/check-runs/8200`,
      `DELETE ${API}/releases/assets/55`,
      `POST ${API}/releases/101/assets?name=modelgate-bom.cdx.json`,
    ]);
  });
});

describe("story 6: GitHub cannot be read", () => {
  test("the check run fails closed with the reason, and the release body says so", async () => {
    const app = await createTestApp();
    serveReleaseAtTag();
    nock(GITHUB_API).get(`${API}/releases`).query({ per_page: "100" }).reply(502, { message: "Bad Gateway" });
    const run = await publishUnreadable(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("Could not evaluate: GitHub answered 502 while reading the releases of acme/models");
    expect(run.actions).toEqual([REEVALUATE_ACTION]);
    expect(run.output.summary).toContain("ML-BOM: not attached: the release could not be evaluated.");
    expect(releaseUpdate(app).body).toContain(
      "> - could not evaluate: GitHub answered 502 while reading the releases of acme/models",
    );
    expect(app.requestsTo("POST", new RegExp("/assets"))).toEqual([]);
  });
});

describe("story 7: which release events are judged", () => {
  test("release.created of a published release is not judged twice (published judges it)", async () => {
    const app = await createTestApp();
    await app.receive(releaseEvent("created", CURRENT, INSTALLATION_ID));
    expect(app.requests).toEqual([]);
  });

  test("a draft is judged on created, at the commit its target branch names (its tag does not exist yet)", async () => {
    const app = await createTestApp();
    const draft: ReleaseFixture = { id: 101, tag: "v2.1.0", draft: true, body: null };
    serveInstallationToken();
    const api = nock(GITHUB_API);
    api.get(`${API}/releases/101`).reply(200, releaseResource(draft));
    api.get(`${API}/git/ref/tags%2Fv2.1.0`).reply(404, { message: "Not Found" });
    api
      .get(`${API}/git/ref/heads%2Fmain`)
      .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: TAGGED_COMMIT } });
    serveNoPolicy(OWNER, REPO, "main");
    serveReleases(OWNER, REPO, [draft, PREVIOUS]);
    api
      .get(`${API}/git/ref/tags%2Fv2.0.0`)
      .reply(200, { ref: "refs/tags/v2.0.0", object: { type: "tag", sha: "a".repeat(40) } });
    // v2.0.0 is an annotated tag: its tag object names the commit
    api
      .get(`${API}/git/tags/${"a".repeat(40)}`)
      .reply(200, { sha: "a".repeat(40), object: { type: "commit", sha: PREVIOUS_COMMIT } });
    serveReleaseCheckOf(OWNER, REPO, PREVIOUS_COMMIT, "success");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: PREVIOUS_COMMIT, files: RETRAINED.files },
        { sha: TAGGED_COMMIT, files: RETRAINED.files },
      ],
    })
      .serveTree(PREVIOUS_COMMIT)
      .serveTree(TAGGED_COMMIT)
      .serveContents();
    // read again for the evaluation records on the default branch (the draft's target is main)
    serveBranchHead(OWNER, REPO, "main", TAGGED_COMMIT);
    serveReleaseRunWrite();
    serveReleaseUpdate();
    serveUpload();

    await app.receive(releaseEvent("created", draft, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.head_sha).toBe(TAGGED_COMMIT);
    expect(run.conclusion).toBe("success");
    expect(run.details_url).toBe(`${REPOSITORY_URL}/releases/tag/untagged-101#modelgate-release-101`);
    expect(releaseUpdate(app)).toEqual({ body: expect.stringContaining("No model version changes in this release.") });
  });
});

describe("story 8: what cannot be written or validated is a failure, never a silent pass", () => {
  test("a BOM that does not validate against CycloneDX 1.6 fails the check and is never uploaded", async () => {
    vi.mocked(validateBom).mockResolvedValueOnce({
      ok: false,
      errors: ["/components/0: must have required property 'name'"],
    });
    const app = await createTestApp();
    serveRelease({ previousFiles: RELEASED.files, files: RETRAINED.files, signOffs: SIGNED_RETRAIN, members: MEMBERS });
    serveReleaseUpdate();

    await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("The model change meets its gate; ML-BOM invalid");
    expect(run.output.summary).toContain(
      "❌ ML-BOM: the generated BOM does not validate against CycloneDX 1.6, so it was not attached:\n\n- /components/0: must have required property 'name'",
    );
    expect(releaseUpdate(app).body).toContain(
      "> - the ML-BOM does not validate against CycloneDX 1.6 and was not attached",
    );
    expect(app.requestsTo("POST", new RegExp("/assets"))).toEqual([]);
  });

  test("a release body GitHub refuses to update turns the check run into a failure that says so", async () => {
    const app = await createTestApp();
    serveRelease({ previousFiles: RELEASED.files, files: RETRAINED.files, signOffs: SIGNED_RETRAIN, members: MEMBERS });
    nock(GITHUB_API)
      .patch(`${API}/releases/${CURRENT.id}`)
      .reply(403, { message: "Resource not accessible by integration" });
    serveUpload();
    // the second write of the run: found by name, same annotations, so updated in place
    nock(GITHUB_API)
      .get(`${API}/commits/${TAGGED_COMMIT}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            id: CHECK_RUN_ID,
            name: RELEASE_CHECK_NAME,
            external_id: annotationsFingerprint([]),
            app: { id: APP_ID },
            output: { annotations_count: 0 },
          },
        ],
      });
    nock(GITHUB_API).patch(`${API}/check-runs/${CHECK_RUN_ID}`).reply(200, { id: CHECK_RUN_ID });

    await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));

    expect(createdCheckRun(app).conclusion).toBe("success");
    const [update] = app.requestsTo("PATCH", `${API}/check-runs/${CHECK_RUN_ID}`).map((r) => r.body as CheckRunBody);
    expect(update?.conclusion).toBe("failure");
    expect(update?.output.title).toBe("The model change meets its gate; release not updated");
    expect(update?.output.summary).toContain(
      "❌ could not update release 101 of acme/models: GitHub answered 403 (modelgate needs `contents: write` to update releases).",
    );
  });
});

describe("story 9: Re-evaluate on the release check run", () => {
  /** "Re-evaluate" pressed on this app's release check run of the tagged commit, whose details link is `detailsUrl`. */
  const reevaluate = (detailsUrl: string) => {
    const event = checkRunEvent(
      "requested_action",
      { appId: APP_ID, name: RELEASE_CHECK_NAME, headSha: TAGGED_COMMIT, pullRequests: [], identifier: "reevaluate" },
      INSTALLATION_ID,
    );
    Object.assign(event.payload.check_run, { details_url: detailsUrl });
    Object.assign(event.payload.repository, { html_url: REPOSITORY_URL, default_branch: "main" });
    return event;
  };

  test("finds the release by the id its details link carries, even after its page moved", async () => {
    const app = await createTestApp();
    serveRelease({ previousFiles: RETRAINED.files, files: RETRAINED.files });
    serveReleaseUpdate();
    serveUpload();
    // the release was a draft for a while: GitHub gave it another page than the one the run links to
    await app.receive(reevaluate(`${REPOSITORY_URL}/releases/tag/untagged-5f3a9c#modelgate-release-101`));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("success");
    expect(run.details_url).toBe(`${REPOSITORY_URL}/releases/tag/v2.1.0#modelgate-release-101`);
    expect(app.requestsTo("GET", `${API}/releases/101`)).toHaveLength(1);
    // the releases are listed once, to find the baseline, not to find the release
    expect(app.requestsTo("GET", `${API}/releases`)).toHaveLength(1);
    expect(releaseUpdate(app).body).toContain("No model version changes in this release.");
  });

  test("a run written before the id was in its link: judges the release whose page it links to", async () => {
    const app = await createTestApp();
    serveRelease({ previousFiles: RELEASED.files, files: RETRAINED.files, signOffs: SIGNED_RETRAIN, members: MEMBERS });
    // the run names its release by its page: the app lists the releases to find it
    serveReleases(OWNER, REPO, [CURRENT, PREVIOUS]);
    serveReleaseUpdate();
    serveUpload();
    await app.receive(reevaluate(`${REPOSITORY_URL}/releases/tag/v2.1.0`));

    expect(createdCheckRun(app).conclusion).toBe("success");
    expect(releaseUpdate(app).body).toContain(
      `| fraud-detector | 2.0.0 → 2.1.0 | \`${RETRAINED.digest}\` | retrain | ✅ |`,
    );
  });

  test("ignores another app's run of the same name", async () => {
    const app = await createTestApp();
    const event = checkRunEvent(
      "rerequested",
      { appId: 999, name: RELEASE_CHECK_NAME, headSha: TAGGED_COMMIT, pullRequests: [] },
      INSTALLATION_ID,
    );
    await app.receive(event);
    expect(app.requests).toEqual([]);
  });
});

describe("story 10: a failing release is not the baseline of the next one", () => {
  const FAILED_COMMIT = commitSha("v2.0.1");

  test("a previous release whose check run failed is skipped: the one before it is the baseline", async () => {
    const app = await createTestApp();
    const failed: ReleaseFixture = { id: 150, tag: "v2.0.1", publishedAt: "2026-11-01T10:00:00Z" };
    // v2.0.1 already shipped the retrain, without its sign-offs: compared with it, nothing would change
    const run = await publish(app, {
      failedBefore: [{ release: failed, commit: FAILED_COMMIT, conclusion: "failure" }],
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs: [],
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 model: 2 sign-offs missing");
    expect(run.output.summary).toContain("fraud-detector 2.0.0 → 2.1.0");
    expect(treesRead(app)).toEqual([
      `${API}/git/trees/${PREVIOUS_COMMIT}?recursive=true`,
      `${API}/git/trees/${TAGGED_COMMIT}?recursive=true`,
    ]);
    // one lookup per candidate, newest first, stopping at the one that passed
    expect(
      app
        .requestsTo("GET", new RegExp(`/check-runs\\?check_name=`))
        .filter((r) => !r.path.includes("per_page"))
        .map((r) => r.path.split("/")[5]),
    ).toEqual([FAILED_COMMIT, PREVIOUS_COMMIT]);
  });

  test("a release tagging the failing release's commit is judged against the older passing release, and fails without its sign-offs", async () => {
    const app = await createTestApp();
    const failed: ReleaseFixture = { id: 101, tag: "v1.0.0", publishedAt: "2026-11-01T10:00:00Z" };
    const passed: ReleaseFixture = { id: 100, tag: "v0.9.0", publishedAt: "2026-10-01T10:00:00Z" };
    const retagged: ReleaseFixture = { id: 102, tag: "v1.0.1" };
    // v1.0.0 failed on this very commit: its run there is the one v1.0.1 rewrites
    serveRelease({
      current: retagged,
      failedBefore: [{ release: failed, commit: TAGGED_COMMIT, conclusion: "failure" }],
      baseline: passed,
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs: [],
      existingRun: { id: 8300, externalId: annotationsFingerprint([]) },
    });
    serveReleaseUpdate(retagged.id);
    serveUpload(retagged.id);

    await app.receive(releaseEvent("published", retagged, INSTALLATION_ID));

    const updates = app.requestsTo("PATCH", `${API}/check-runs/8300`).map((r) => r.body as CheckRunBody);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.conclusion).toBe("failure");
    expect(updates[0]?.output.title).toBe("1 model: 2 sign-offs missing");
    expect(updates[0]?.output.summary).toContain("fraud-detector 2.0.0 → 2.1.0");
    expect(updates[0]?.details_url).toBe(`${REPOSITORY_URL}/releases/tag/v1.0.1#modelgate-release-102`);
    expect(app.requestsTo("PATCH", `${API}/releases/102`).map((r) => (r.body as { body: string }).body)).toEqual([
      expect.stringContaining("> - fraud-detector 2.1.0: sign-off missing: developer, system_operator"),
    ]);
  });

  test("when no earlier release passed, the release compares with nothing: every model is new", async () => {
    const app = await createTestApp();
    const unjudged: ReleaseFixture = { id: 90, tag: "v1.9.0", publishedAt: "2026-09-01T10:00:00Z" };
    const run = await publish(app, {
      failedBefore: [
        { release: PREVIOUS, commit: PREVIOUS_COMMIT, conclusion: "failure" },
        // still running, or never judged: not a pass either
        { release: unjudged, commit: commitSha("v1.9.0"), conclusion: null },
      ],
      files: RETRAINED.files,
      signOffs: [],
    });

    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("fraud-detector new → 2.1.0");
    expect(run.output.summary).toContain("**Changes:** `new_model`");
    expect(treesRead(app)).toEqual([`${API}/git/trees/${TAGGED_COMMIT}?recursive=true`]);
  });

  test("at most 20 earlier releases are looked at; beyond, the release compares with nothing", async () => {
    const app = await createTestApp();
    const current: ReleaseFixture = { id: 200, tag: "v1.21.0" };
    const earlier = Array.from({ length: 21 }, (_, minor): ReleaseFixture => ({
      id: 100 + minor,
      tag: `v1.${minor}.0`,
      publishedAt: `2026-10-01T10:${String(minor).padStart(2, "0")}:00Z`,
    }));
    // the 20 newest failed; v1.0.0 (the 21st) is never looked at, so nothing serves it
    const failedBefore = earlier
      .slice(1)
      .reverse()
      .map((release) => ({ release, commit: commitSha(release.tag), conclusion: "failure" as const }));
    serveRelease({ current, others: earlier, failedBefore, files: RETRAINED.files, signOffs: [] });
    serveReleaseUpdate(current.id);
    serveUpload(current.id);

    await app.receive(releaseEvent("published", current, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.output.summary).toContain("fraud-detector new → 2.1.0");
    expect(app.requestsTo("GET", `${API}/git/ref/tags%2Fv1.0.0`)).toEqual([]);
  });

  test("a failing lookup of an earlier release's check run fails closed: Could not evaluate", async () => {
    const app = await createTestApp();
    serveReleaseAtTag();
    serveReleases(OWNER, REPO, [CURRENT, PREVIOUS]);
    serveTag(OWNER, REPO, "v2.0.0", PREVIOUS_COMMIT);
    nock(GITHUB_API)
      .get(`${API}/commits/${PREVIOUS_COMMIT}/check-runs`)
      .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID) })
      .reply(502, { message: "Bad Gateway" });
    const run = await publishUnreadable(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe(
      `Could not evaluate: GitHub answered 502 while reading the check run "modelgate / release" of the release v2.0.0 of acme/models at ${PREVIOUS_COMMIT.slice(0, 7)}`,
    );
    expect(run.actions).toEqual([REEVALUATE_ACTION]);
    expect(app.requestsTo("GET", new RegExp(`^${API}/git/trees/`))).toEqual([]);
    expect(app.requestsTo("POST", new RegExp("/assets"))).toEqual([]);
  });
});

describe("story 11: the first release after installing modelgate on a repository with releases", () => {
  const INSTALLED_AT = "2026-11-01T08:30:00Z";

  test("a release published before the App was installed is the baseline as it is: the retrain is judged as a retrain, and the check run says why", async () => {
    const app = await createTestApp();
    // v2.0.0 (2026-10-01) predates the installation: no modelgate / release run could exist on it
    const run = await publish(app, {
      previousFiles: RELEASED.files,
      baselineRun: "none",
      installedAt: INSTALLED_AT,
      files: RETRAINED.files,
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("fraud-detector 2.0.0 → 2.1.0");
    expect(run.output.summary).not.toContain("new_model");
    expect(run.output.summary).toContain(
      "Compared with `v2.0.0`, published 2026-10-01, before modelgate was installed on this repository (2026-11-01): no check could judge it, so it is taken as it is.",
    );
    expect(app.requestsTo("GET", `${API}/installation`)).toHaveLength(1);
    expect(treesRead(app)).toEqual([
      `${API}/git/trees/${PREVIOUS_COMMIT}?recursive=true`,
      `${API}/git/trees/${TAGGED_COMMIT}?recursive=true`,
    ]);
    const logged = app.logs.find((line) => line.msg === "modelgate release written");
    expect(logged?.baseline).toEqual({
      kind: "before-installation",
      tag: "v2.0.0",
      publishedAt: "2026-10-01T10:00:00Z",
      installedAt: INSTALLED_AT,
    });
  });

  test("a release published after the installation without a passing run stays excluded: every model is new", async () => {
    const app = await createTestApp();
    const unjudged: ReleaseFixture = { id: 100, tag: "v2.0.0", publishedAt: "2026-11-05T10:00:00Z" };
    const run = await publish(app, {
      failedBefore: [{ release: unjudged, commit: PREVIOUS_COMMIT, conclusion: "none" }],
      installedAt: INSTALLED_AT,
      files: RETRAINED.files,
      signOffs: [],
    });

    expect(run.output.summary).toContain("fraud-detector new → 2.1.0");
    expect(run.output.summary).toContain(
      "Compared with nothing: no earlier release (1 release looked at) passed its `modelgate / release` check or was published before modelgate was installed, so every model in it is judged as new.",
    );
  });

  test("a release from before the installation whose run failed (an earlier installation judged it) is never a baseline; an older one without a run is", async () => {
    const app = await createTestApp();
    const failed: ReleaseFixture = { id: 150, tag: "v2.0.1", publishedAt: "2026-10-15T10:00:00Z" };
    const run = await publish(app, {
      failedBefore: [{ release: failed, commit: commitSha("v2.0.1"), conclusion: "failure" }],
      previousFiles: RELEASED.files,
      baselineRun: "none",
      installedAt: INSTALLED_AT,
      files: RETRAINED.files,
      signOffs: [],
    });

    expect(run.output.summary).toContain("fraud-detector 2.0.0 → 2.1.0");
    expect(run.output.summary).toContain(
      "Compared with `v2.0.0`, published 2026-10-01, before modelgate was installed",
    );
  });

  test("a baseline that passed its own check says so, and the installation is not asked", async () => {
    const app = await createTestApp();
    await publish(app, {
      previousFiles: RELEASED.files,
      files: RETRAINED.files,
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(createdCheckRun(app).output.summary).toContain(
      "Compared with `v2.0.0`, the latest earlier release whose `modelgate / release` check passed.",
    );
    expect(app.requestsTo("GET", `${API}/installation`)).toEqual([]);
  });

  test("when GitHub does not say when the App was installed, the release fails closed: Could not evaluate", async () => {
    const app = await createTestApp();
    serveReleaseAtTag();
    serveReleases(OWNER, REPO, [CURRENT, PREVIOUS]);
    serveTag(OWNER, REPO, "v2.0.0", PREVIOUS_COMMIT);
    serveReleaseCheckOf(OWNER, REPO, PREVIOUS_COMMIT, "none");
    nock(GITHUB_API).get(`${API}/installation`).reply(500, { message: "Server Error" });
    const run = await publishUnreadable(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe(
      "Could not evaluate: GitHub answered 500 while reading the App's installation on the repository of acme/models",
    );
    expect(app.requestsTo("GET", new RegExp(`^${API}/git/trees/`))).toEqual([]);
  });
});

describe("story 9: the release gate's decision feeds the organisation's inventory", () => {
  test("each model version the release ships is recorded with the tag, the conclusion and the check run", async () => {
    const database = await testDatabase();
    await emptyInventory(database.pool);
    const inventory = postgresInventoryStore(database.pool);
    const jobs: Jobs = { defineJob: () => undefined, defineCron: () => undefined, enqueue: async () => null };
    const app = await createTestApp({ jobs, inventory });
    const repositoryId = (releaseEvent("published", CURRENT, INSTALLATION_ID).payload as { repository: { id: number } })
      .repository.id;

    await publish(app, {
      previousFiles: { ...RELEASED.files, "README.md": "# Models\n" },
      files: { ...RETRAINED.files, "README.md": "# Models\n" },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    const timeline = await inventory.modelTimeline(repositoryId, "fraud-detector");
    expect(timeline?.versions.map((v) => [v.version, v.digest, v.releases, v.awaitingRoles])).toEqual([
      [
        "2.1.0",
        RETRAINED.digest,
        [{ tag: "v2.1.0", conclusion: "success", url: CHECK_URL, decidedAt: TEST_NOW.toISOString() }],
        [],
      ],
    ]);
  });
});

describe("story: a plan with a review date gates the release (governance.documents, fail_release)", () => {
  const PLAN_PATH = "docs/plans/incident.md";
  const PLAN = "# Incident response\n\nCall the on-call engineer.\n";
  const POLICY = [
    "governance:",
    "  documents:",
    `    - { path: ${PLAN_PATH}, provision: 5.2.2-5, review_days: 90, owner_role: system_operator, fail_release: true }`,
    "",
  ].join("\n");

  /** The one history query of the documents (src/github/governance.ts): the plan last changed on `date`. */
  function servePlanHistory(date: string, defaultBranchReviews?: string, reviewsAddedBy?: number): string[] {
    const queries: string[] = [];
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: string }) => {
        if (typeof body.query !== "string" || !body.query.includes("history(first:")) return false;
        queries.push(body.query);
        return true;
      })
      .reply(200, {
        data: {
          repository: {
            commit: {
              d0: {
                nodes: [
                  {
                    oid: "a".repeat(40),
                    committedDate: `${date}T10:00:00Z`,
                    author: { user: { login: "bob" }, name: "bob" },
                    file: {
                      mode: 0o100644,
                      object: { text: PLAN, byteSize: PLAN.length, isBinary: false, isTruncated: false },
                    },
                  },
                ],
              },
              ...(reviewsAddedBy === undefined
                ? {}
                : {
                    // the one commit of governance/reviews.yaml, merged in pull request `reviewsAddedBy`
                    reviewsHistory: {
                      nodes: [
                        {
                          file: {
                            object: {
                              text: defaultBranchReviews,
                              byteSize: defaultBranchReviews?.length,
                              isBinary: false,
                              isTruncated: false,
                            },
                          },
                          associatedPullRequests: { nodes: [{ number: reviewsAddedBy, merged: true }] },
                        },
                      ],
                    },
                  }),
            },
            reviews:
              defaultBranchReviews === undefined
                ? null
                : {
                    text: defaultBranchReviews,
                    byteSize: defaultBranchReviews.length,
                    isBinary: false,
                    isTruncated: false,
                  },
          },
        },
      });
    return queries;
  }

  test("an overdue plan fails the release with document:<path>, read at the default branch in one request", async () => {
    const app = await createTestApp();
    const queries = servePlanHistory("2026-03-01");
    const run = await publish(app, {
      policy: POLICY,
      previousFiles: { ...RELEASED.files, [PLAN_PATH]: PLAN },
      files: { ...RETRAINED.files, [PLAN_PATH]: PLAN },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("failure");
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain('commit: object(expression: "HEAD")');
    const json = /```json\n([\s\S]*?)\n```/.exec(run.output.text)?.[1] ?? "{}";
    const record = JSON.parse(json) as { models: Array<{ requirements: Array<Record<string, unknown>> }> };
    expect(record.models[0]!.requirements.find((r) => r["id"] === `document:${PLAN_PATH}`)).toEqual({
      id: `document:${PLAN_PATH}`,
      status: "failed",
      message: `${PLAN_PATH} is overdue for review: reviewed 2026-03-01 (commit aaaaaaaaaaaa by bob), due 2026-05-30 (every 90 days).`,
      provision: "5.2.2-5",
      path: PLAN_PATH,
    });
  });

  const reviewRecord = `reviews:\n  - { path: ${PLAN_PATH}, date: 2026-11-20, sha256: ${createHash("sha256").update(PLAN).digest("hex")}, reviewer: bob }\n`;

  test("attack: a review record on the release's branch only never counts: records are read at the default branch", async () => {
    const app = await createTestApp();
    const queries = servePlanHistory("2026-03-01");
    const run = await publish(app, {
      policy: POLICY,
      previousFiles: { ...RELEASED.files, [PLAN_PATH]: PLAN },
      files: { ...RETRAINED.files, [PLAN_PATH]: PLAN, "governance/reviews.yaml": reviewRecord },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("failure");
    expect(queries[0]).toContain('reviews: object(expression: "HEAD:governance/reviews.yaml")');
    expect(run.output.text).toContain(
      `${PLAN_PATH} is overdue for review: reviewed 2026-03-01 (commit aaaaaaaaaaaa by bob)`,
    );
  });

  test("a review record on the default branch renews the plan and lets the release pass, naming the record", async () => {
    const app = await createTestApp();
    servePlanHistory("2026-03-01", reviewRecord);
    const run = await publish(app, {
      policy: POLICY,
      previousFiles: { ...RELEASED.files, [PLAN_PATH]: PLAN },
      files: { ...RETRAINED.files, [PLAN_PATH]: PLAN },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain(
      `${PLAN_PATH}: reviewed 2026-11-20 (record of bob in governance/reviews.yaml on the default branch), next due 2027-02-18.`,
    );
  });

  test("the record's evidence names the merged pull request that added it, when GitHub's history shows it", async () => {
    const app = await createTestApp();
    const queries = servePlanHistory("2026-03-01", reviewRecord, 31);
    const run = await publish(app, {
      policy: POLICY,
      previousFiles: { ...RELEASED.files, [PLAN_PATH]: PLAN },
      files: { ...RETRAINED.files, [PLAN_PATH]: PLAN },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("success");
    expect(queries[0]).toContain('reviewsHistory: history(first: 11, path: "governance/reviews.yaml")');
    expect(run.output.text).toContain(
      `${PLAN_PATH}: reviewed 2026-11-20 (record of bob in governance/reviews.yaml, added by pull request #31), next due 2027-02-18.`,
    );
  });

  test("a plan reviewed within its interval lets the release pass", async () => {
    const app = await createTestApp();
    servePlanHistory("2026-11-01");
    const run = await publish(app, {
      policy: POLICY,
      previousFiles: { ...RELEASED.files, [PLAN_PATH]: PLAN },
      files: { ...RETRAINED.files, [PLAN_PATH]: PLAN },
      signOffs: SIGNED_RETRAIN,
      members: MEMBERS,
    });

    expect(run.conclusion).toBe("success");
  });
});
