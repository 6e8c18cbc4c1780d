import { describe, expect, test } from "vitest";
import { parsePolicy, type PolicyResult } from "../../../src/core/policy/load-policy.js";
import { inventoryReads, repositoryEntry, type RepositoryFacts } from "../../../src/core/inventory/repository-entry.js";
import { CHECKLIST_END, CHECKLIST_START } from "../../../src/core/end-of-life/checklist.js";
import { modelMatches } from "../../../src/core/inventory/filters.js";
import type { InventoryModel, VersionStanding } from "../../../src/core/inventory/types.js";
import {
  lfsPointer,
  modelFiles,
  snapshot,
  testPolicy,
  withoutContents,
  type FileSpec,
} from "../../fixtures/manifests.js";

const REPOSITORY = {
  installationId: 7,
  repositoryId: 42,
  fullName: "acme/models",
  private: true,
  defaultBranch: "main",
};
const NO_POLICY: RepositoryFacts["policy"] = { source: "none", result: parsePolicy(undefined) };

function facts(files: Record<string, FileSpec>, policy: RepositoryFacts["policy"] = NO_POLICY): RepositoryFacts {
  return { repository: REPOSITORY, snapshot: snapshot(files, "c".repeat(40)), policy, endOfLifeIssues: [] };
}

describe("a repository's inventory entry", () => {
  test("models at the default branch: name, version, digest, status, manifest path, and the evaluation that counts with its expiry", () => {
    const fraud = modelFiles({ dir: "models/fraud", version: "2.1.0" });
    const churn = modelFiles({ dir: "models/churn", evaluation: false, status: "deprecated" });
    const policy: RepositoryFacts["policy"] = { source: "repository", result: { ok: true, policy: testPolicy() } };

    const entry = repositoryEntry(facts({ ...fraud.files, ...churn.files }, policy));

    expect(entry.repository).toMatchObject({
      headSha: "c".repeat(40),
      hasPolicy: true,
      policyProblem: null,
      manifestProblems: [],
    });
    expect(entry.models).toEqual([
      {
        name: "churn",
        version: "1.0.0",
        digest: churn.digest,
        status: "deprecated",
        manifestPath: "models/churn/model.yaml",
        standing: { evaluation: null, endOfLife: null },
      },
      {
        name: "fraud",
        version: "2.1.0",
        digest: fraud.digest,
        status: "active",
        manifestPath: "models/fraud/model.yaml",
        // the default policy's evaluation.max_age_days (180) after 2026-11-20
        standing: {
          evaluation: { result: "pass", date: "2026-11-20", expiresAt: "2027-05-19T00:00:00.000Z" },
          endOfLife: null,
        },
      },
    ]);
    // the declared weights are no shadow AI
    expect(entry.unmanaged).toEqual([]);
  });

  test("the newest record of the version and digest counts, as at the gates: a later failed one outweighs a pass", () => {
    const base = modelFiles({ dir: "m" });
    const record = (date: string, result: string) => ({
      ...(base.manifest.evaluations as Array<Record<string, unknown>>)[0],
      date,
      result,
    });
    const model = modelFiles({ dir: "m", evaluations: [record("2026-11-20", "pass"), record("2026-11-25", "fail")] });

    const [found] = repositoryEntry(facts(model.files)).models;

    expect(found?.standing.evaluation).toMatchObject({ result: "fail", date: "2026-11-25" });
  });

  test("a repository with no policy: its .pt, .safetensors, LFS pointer, DVC output, MLflow model and model card are listed with their evidence", () => {
    const files: Record<string, FileSpec> = {
      "train/checkpoint.pt": { binary: "weights", read: false },
      "serve/model.safetensors": lfsPointer("real weights"),
      "data/model.pkl.dvc": "outs:\n  - md5: 0123456789abcdef0123456789abcdef\n    path: model.pkl\n",
      "mlruns/1/abc/artifacts/model/MLmodel": "flavors: {}\n",
      "hub/README.md": "---\nlibrary_name: transformers\npipeline_tag: text-classification\n---\n# A model\n",
      "README.md": "# Just a project\n",
    };

    const entry = repositoryEntry(facts(files));

    expect(entry.repository.hasPolicy).toBe(false);
    expect(entry.unmanaged.map(({ path, kind, evidence }) => ({ path, kind, evidence }))).toEqual([
      { path: "data/model.pkl", kind: "dvc", evidence: { kind: "dvc", file: "data/model.pkl.dvc" } },
      { path: "hub/README.md", kind: "hf-card", evidence: { kind: "hf-card", file: "hub/README.md" } },
      {
        path: "mlruns/1/abc/artifacts/model",
        kind: "mlflow",
        evidence: { kind: "mlflow", file: "mlruns/1/abc/artifacts/model/MLmodel" },
      },
      {
        path: "serve/model.safetensors",
        kind: "lfs",
        evidence: { kind: "lfs", oid: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown as string },
      },
      { path: "train/checkpoint.pt", kind: "artifact", evidence: { kind: "artifact", glob: "**/*.pt" } },
    ]);
    for (const file of entry.unmanaged) expect(file.reason).toMatch(/no manifest declares/);
  });

  test("attack: a policy that turns the unmanaged gate off cannot hide shadow AI from the inventory", () => {
    const policy: PolicyResult = { ok: true, policy: testPolicy({ unmanaged_artifacts: "off" }) };

    const entry = repositoryEntry(facts({ "x/model.onnx": { binary: "w" } }, { source: "repository", result: policy }));

    expect(entry.unmanaged.map((file) => file.path)).toEqual(["x/model.onnx"]);
  });

  test("an invalid policy and an invalid manifest are problems shown with file and line; the defaults read the rest", () => {
    const invalid = parsePolicy("roles: 3\n", ".github/modelgate.yml");
    const good = modelFiles({ dir: "good" });

    const entry = repositoryEntry(
      facts({ ...good.files, "bad/model.yaml": "name: [unclosed\n" }, { source: "repository", result: invalid }),
    );

    expect(entry.repository.policyProblem).toMatch(/^\.github\/modelgate\.yml:1: /);
    expect(entry.repository.manifestProblems.map((problem) => problem.path)).toEqual(["bad/model.yaml"]);
    expect(entry.models.map((model) => model.name)).toEqual(["good"]);
  });

  test("an empty repository has no head, no models and no unmanaged files", () => {
    const entry = repositoryEntry({ repository: REPOSITORY, snapshot: null, policy: NO_POLICY, endOfLifeIssues: [] });

    expect(entry).toMatchObject({ repository: { headSha: null }, models: [], unmanaged: [] });
  });

  test("a decommissioned version's end-of-life progress: its own issue's ticked items of the policy's checklist", () => {
    const old = modelFiles({ dir: "old", status: "decommissioned" });
    const policy = testPolicy();
    const items = policy.end_of_life.checklist;
    const ticks = items.map((item, index) => `- [${index === 0 ? "x" : " "}] ${item}`);
    // only the lines between the checklist's markers count (core/end-of-life/checklist.ts)
    const body = [CHECKLIST_START, ...ticks, CHECKLIST_END, "- [x] not an item"].join("\n");
    const other = { model: "old", digest: `sha256:${"0".repeat(64)}` };

    const entry = repositoryEntry({
      ...facts(old.files, { source: "repository", result: { ok: true, policy } }),
      endOfLifeIssues: [
        { ref: other, url: "https://github.com/acme/models/issues/1", state: "closed", body },
        {
          ref: { model: "old", digest: old.digest },
          url: "https://github.com/acme/models/issues/2",
          state: "open",
          body,
        },
      ],
    });

    expect(entry.models[0]?.standing.endOfLife).toEqual({
      url: "https://github.com/acme/models/issues/2",
      state: "open",
      itemsDone: 1,
      itemsTotal: items.length,
    });
  });

  test("what the sweep reads: every manifest and what discovery must see, nothing else", () => {
    const fraud = modelFiles({ dir: "models/fraud" });
    const tree = snapshot({
      ...fraud.files,
      "small/model.bin": { text: "tiny", read: false },
      "big/model.bin": { unread: "big", size: 10_000_000 },
      "docs/README.md": "# docs\n",
      "src/app.ts": "export {};\n",
    });

    const reads = inventoryReads(testPolicy(), withoutContents(tree).entries);

    expect(reads).toEqual([
      "docs/README.md",
      "models/fraud/model.yaml",
      "models/fraud/weights/model.safetensors",
      "small/model.bin",
    ]);
  });
});

describe("the models view's filters", () => {
  const standing = (overrides: Partial<VersionStanding>): VersionStanding => ({
    model: "m",
    version: "1.0.0",
    digest: "sha256:0",
    pullRequest: null,
    releases: [],
    deployments: [],
    signOffs: [],
    awaitingRoles: [],
    evaluation: null,
    endOfLife: null,
    firstSeenAt: null,
    lastSeenAt: null,
    ...overrides,
  });
  const model = (overrides: Partial<VersionStanding>, status: InventoryModel["status"] = "active"): InventoryModel => ({
    repositoryId: 1,
    fullName: "acme/m",
    name: "m",
    version: "1.0.0",
    digest: "sha256:0",
    status,
    manifestPath: "m/model.yaml",
    standing: standing(overrides),
  });
  const now = new Date("2026-12-07T00:00:00Z");
  const evaluation = (expiresAt: string | null, result: "pass" | "fail" = "pass") => ({
    result,
    date: "2026-10-01",
    expiresAt,
  });
  const deployment = (environment: string, answer: "approved" | "rejected") => ({
    environment,
    answer,
    url: "u",
    sha: "s",
    decidedAt: "2026-12-01T00:00:00Z",
  });
  const eol = (state: "open" | "closed", itemsDone: number) => ({ url: "u", state, itemsDone, itemsTotal: 3 });

  test.each([
    ["no evaluation is not evaluated", model({}), { notEvaluated: true }, true],
    [
      "an evaluation is evaluated",
      model({ evaluation: evaluation("2027-01-01T00:00:00Z") }),
      { notEvaluated: true },
      false,
    ],
    [
      "expiring in 6 days is within 7",
      model({ evaluation: evaluation("2026-12-13T00:00:00Z") }),
      { evaluationExpiringWithinDays: 7 },
      true,
    ],
    [
      "expiring in 8 days is not within 7",
      model({ evaluation: evaluation("2026-12-15T00:00:00Z") }),
      { evaluationExpiringWithinDays: 7 },
      false,
    ],
    [
      "expired is expiring",
      model({ evaluation: evaluation("2026-11-01T00:00:00Z") }),
      { evaluationExpiringWithinDays: 7 },
      true,
    ],
    [
      "an unreadable date is expiring",
      model({ evaluation: evaluation(null) }),
      { evaluationExpiringWithinDays: 7 },
      true,
    ],
    ["a role awaited", model({ awaitingRoles: ["security"] }), { awaitingSignOff: true }, true],
    ["no role awaited", model({}), { awaitingSignOff: true }, false],
    [
      "a failed evaluation is failing",
      model({ evaluation: evaluation("2027-01-01T00:00:00Z", "fail") }),
      { failing: true },
      true,
    ],
    [
      "a rejected deployment is failing",
      model({ deployments: [deployment("prod", "rejected")] }),
      { failing: true },
      true,
    ],
    [
      "approved to Production is in production",
      model({ deployments: [deployment("Production", "approved")] }),
      { inProduction: "production" },
      true,
    ],
    [
      "approved to staging is not in production",
      model({ deployments: [deployment("staging", "approved")] }),
      { inProduction: "production" },
      false,
    ],
    [
      "decommissioned with no issue: disposal open",
      model({}, "decommissioned"),
      { decommissionedDisposalOpen: true },
      true,
    ],
    [
      "decommissioned, issue closed with items left: open",
      model({ endOfLife: eol("closed", 2) }, "decommissioned"),
      { decommissionedDisposalOpen: true },
      true,
    ],
    [
      "decommissioned, issue closed and complete: done",
      model({ endOfLife: eol("closed", 3) }, "decommissioned"),
      { decommissionedDisposalOpen: true },
      false,
    ],
    ["active is not decommissioned", model({}), { decommissionedDisposalOpen: true }, false],
  ] as const)("%s", (_name, candidate, filter, expected) => {
    expect(modelMatches(candidate, filter, now)).toBe(expected);
  });
});
