import { beforeEach, describe, expect, test } from "vitest";
import type { GateDecisionInput, RepositorySnapshot } from "../../src/core/inventory/types.js";
import { postgresInventoryStore, type InventoryStore } from "../../src/store/inventory-store.js";
import { testDatabase } from "../helpers/database.js";
import { emptyInventory } from "../helpers/inventory.js";

const SWEPT = new Date("2026-12-01T06:00:00Z");
const NOW = new Date("2026-12-07T12:00:00Z");
const DIGEST_1 = `sha256:${"1".repeat(64)}`;
const DIGEST_2 = `sha256:${"2".repeat(64)}`;

let store: InventoryStore;
beforeEach(async () => {
  const database = await testDatabase();
  await emptyInventory(database.pool);
  store = postgresInventoryStore(database.pool);
});

function snapshot(
  repositoryId: number,
  fullName: string,
  models: RepositorySnapshot["models"] = [],
): RepositorySnapshot {
  return {
    repository: {
      installationId: 7,
      repositoryId,
      fullName,
      private: true,
      defaultBranch: "main",
      headSha: "a".repeat(40),
      hasPolicy: true,
      policyProblem: null,
      manifestProblems: [],
    },
    models,
    unmanaged: [],
  };
}

function model(
  name: string,
  digest: string,
  evaluatedOn: string | null,
  version = "1.0.0",
): RepositorySnapshot["models"][number] {
  return {
    name,
    version,
    digest,
    status: "active",
    manifestPath: `models/${name}/model.yaml`,
    standing: {
      evaluation:
        evaluatedOn === null
          ? null
          : {
              result: "pass",
              date: evaluatedOn,
              expiresAt: new Date(Date.parse(evaluatedOn) + 90 * 86_400_000).toISOString(),
            },
      endOfLife: null,
    },
  };
}

function deployment(
  repositoryId: number,
  name: string,
  digest: string,
  answer: "approved" | "rejected",
  at: string,
): GateDecisionInput {
  return {
    repositoryId,
    model: name,
    digest,
    version: "1.0.0",
    signOffs: [{ role: "security", login: "sam", at }],
    awaitingRoles: [],
    gate: "deployment",
    decision: {
      environment: "Production",
      answer,
      url: `https://github.com/acme/x/runs/${at.length}`,
      sha: "b".repeat(40),
      decidedAt: at,
    },
  };
}

describe("the inventory store", () => {
  test("a swept repository's models are listed with their evaluation; only the repositories asked for are read", async () => {
    await store.replaceRepository(snapshot(1, "acme/fraud", [model("fraud", DIGEST_1, "2026-11-01")]), SWEPT);
    await store.replaceRepository(snapshot(2, "acme/secret", [model("secret", DIGEST_2, "2026-11-01")]), SWEPT);

    const models = await store.listModels({ repositoryIds: [1], now: NOW });

    expect(models.map((m) => [m.fullName, m.name, m.version, m.digest])).toEqual([
      ["acme/fraud", "fraud", "1.0.0", DIGEST_1],
    ]);
    expect(models[0]!.standing.evaluation).toEqual({
      result: "pass",
      date: "2026-11-01",
      expiresAt: "2027-01-30T00:00:00.000Z",
    });
    expect(await store.listModels({ repositoryIds: [], now: NOW })).toEqual([]);
    expect((await store.listRepositories([2, 3])).map((r) => [r.fullName, r.sweptAt])).toEqual([
      ["acme/secret", SWEPT.toISOString()],
    ]);
  });

  test("a replace is whole: the models a sweep no longer sees leave the list, and a failed replace changes nothing", async () => {
    await store.replaceRepository(
      snapshot(1, "acme/fraud", [model("fraud", DIGEST_1, null), model("churn", DIGEST_2, null)]),
      SWEPT,
    );
    await store.replaceRepository(snapshot(1, "acme/fraud", [model("fraud", DIGEST_1, null)]), SWEPT);
    expect((await store.listModels({ repositoryIds: [1] })).map((m) => m.name)).toEqual(["fraud"]);

    // two models of one name: the database refuses the second, and the first snapshot stays
    const broken = snapshot(1, "acme/renamed", [model("a", DIGEST_1, null), model("a", DIGEST_2, null)]);
    await expect(store.replaceRepository(broken, NOW)).rejects.toThrow();
    expect((await store.listModels({ repositoryIds: [1] })).map((m) => [m.fullName, m.name])).toEqual([
      ["acme/fraud", "fraud"],
    ]);
  });

  test("filters: not evaluated, expiring within N days, awaiting sign-off, failing, in production", async () => {
    await store.replaceRepository(
      snapshot(1, "acme/models", [
        model("fresh", DIGEST_1, "2026-12-01"),
        model("old", DIGEST_1, "2026-09-20"),
        model("never", DIGEST_2, null),
      ]),
      SWEPT,
    );
    await store.recordDecision({ ...deployment(1, "fresh", DIGEST_1, "approved", "2026-12-02T10:00:00Z") });
    await store.recordDecision({
      ...deployment(1, "old", DIGEST_1, "rejected", "2026-12-02T10:00:00Z"),
      awaitingRoles: ["security"],
      signOffs: [],
    });
    const names = async (filter: Parameters<InventoryStore["listModels"]>[0]) =>
      (await store.listModels(filter)).map((m) => m.name);

    expect(await names({ repositoryIds: [1], notEvaluated: true, now: NOW })).toEqual(["never"]);
    // "old" expires on 2026-12-19: within 14 days of the 7th, not within 7
    expect(await names({ repositoryIds: [1], evaluationExpiringWithinDays: 14, now: NOW })).toEqual(["old"]);
    expect(await names({ repositoryIds: [1], evaluationExpiringWithinDays: 7, now: NOW })).toEqual([]);
    expect(await names({ repositoryIds: [1], awaitingSignOff: true, now: NOW })).toEqual(["old"]);
    expect(await names({ repositoryIds: [1], failing: true, now: NOW })).toEqual(["old"]);
    // environments are named as GitHub names them: without case
    expect(await names({ repositoryIds: [1], inProduction: "production", now: NOW })).toEqual(["fresh"]);
  });

  test("an older decision arriving late does not replace a newer one; each release and environment is kept", async () => {
    await store.replaceRepository(snapshot(1, "acme/models", [model("fraud", DIGEST_1, "2026-12-01")]), SWEPT);
    await store.recordDecision(deployment(1, "fraud", DIGEST_1, "rejected", "2026-12-03T10:00:00Z"));
    await store.recordDecision(deployment(1, "fraud", DIGEST_1, "approved", "2026-12-02T10:00:00Z"));
    await store.recordDecision({
      repositoryId: 1,
      model: "fraud",
      digest: DIGEST_1,
      version: "1.0.0",
      signOffs: [],
      awaitingRoles: [],
      gate: "release",
      decision: {
        tag: "v1",
        conclusion: "success",
        url: "https://github.com/acme/models/runs/9",
        decidedAt: "2026-12-01T10:00:00Z",
      },
    });

    const [fraud] = await store.listModels({ repositoryIds: [1] });

    expect(fraud!.standing.deployments.map((d) => [d.environment, d.answer])).toEqual([["Production", "rejected"]]);
    expect(fraud!.standing.releases.map((r) => [r.tag, r.conclusion])).toEqual([["v1", "success"]]);
    // the people facts of the newest decision stand
    expect(fraud!.standing.signOffs).toEqual([{ role: "security", login: "sam", at: "2026-12-03T10:00:00Z" }]);
  });

  test("a model's timeline: every version seen or decided on, newest first, with its evidence", async () => {
    await store.replaceRepository(snapshot(1, "acme/models", [model("fraud", DIGEST_1, "2026-11-01", "1.0.0")]), SWEPT);
    await store.replaceRepository(snapshot(1, "acme/models", [model("fraud", DIGEST_2, "2026-12-05", "1.1.0")]), NOW);
    await store.recordDecision({
      repositoryId: 1,
      model: "fraud",
      digest: `sha256:${"3".repeat(64)}`,
      version: "1.2.0",
      signOffs: [],
      awaitingRoles: ["security"],
      gate: "pull_request",
      decision: {
        conclusion: "action_required",
        url: "https://github.com/acme/models/runs/3",
        headSha: "c".repeat(40),
        number: 12,
        decidedAt: "2026-12-07T13:00:00Z",
      },
    });

    const timeline = await store.modelTimeline(1, "fraud");

    expect(timeline?.versions.map((v) => [v.version, v.firstSeenAt, v.pullRequest?.number ?? null])).toEqual([
      ["1.2.0", null, 12],
      ["1.1.0", NOW.toISOString(), null],
      ["1.0.0", SWEPT.toISOString(), null],
    ]);
    expect(timeline?.current?.version).toBe("1.1.0");
    expect(await store.modelTimeline(1, "absent")).toBeUndefined();
  });

  test("a removed repository leaves at once, decisions and history included; prune keeps what is still at a default branch", async () => {
    await store.replaceRepository(snapshot(1, "acme/models", [model("fraud", DIGEST_1, null)]), SWEPT);
    await store.recordDecision(deployment(1, "fraud", DIGEST_1, "approved", "2026-01-01T00:00:00Z"));
    await store.replaceRepository(
      snapshot(2, "acme/other", [model("old", DIGEST_1, null)]),
      new Date("2025-01-01T00:00:00Z"),
    );
    await store.replaceRepository(snapshot(2, "acme/other", []), SWEPT);

    expect(await store.prune(new Date("2026-06-01T00:00:00Z"))).toEqual({ versions: 1, decisions: 0 });
    await store.removeRepository(1);

    expect(await store.listRepositories([1, 2])).toHaveLength(1);
    expect(await store.modelTimeline(1, "fraud")).toBeUndefined();
    expect(await store.modelTimeline(2, "old")).toBeUndefined();
    expect(await store.removeInstallation(7)).toBe(1);
    expect(await store.repositoryIdsOf(7)).toEqual([]);
  });

  test("the installations it holds repositories of, each once (the daily sweep forgets those GitHub no longer lists)", async () => {
    expect(await store.installationIds()).toEqual([]);
    await store.replaceRepository(snapshot(1, "acme/models", []), SWEPT);
    await store.replaceRepository(snapshot(2, "acme/other", []), SWEPT);

    expect(await store.installationIds()).toEqual([7]);
    await store.removeInstallation(7);
    expect(await store.installationIds()).toEqual([]);
  });

  test("prune keeps an old version a gate decided on recently (a rollback deployed last week), and its sign-offs", async () => {
    await store.replaceRepository(
      snapshot(1, "acme/models", [model("fraud", DIGEST_1, null)]),
      new Date("2025-01-01T00:00:00Z"),
    );
    await store.replaceRepository(snapshot(1, "acme/models", [model("fraud", DIGEST_2, null, "2.0.0")]), SWEPT);
    await store.recordDecision(deployment(1, "fraud", DIGEST_1, "approved", "2026-12-01T00:00:00Z"));

    expect(await store.prune(new Date("2026-06-01T00:00:00Z"))).toEqual({ versions: 0, decisions: 0 });
    const rolledBack = (await store.modelTimeline(1, "fraud"))?.versions.find((v) => v.digest === DIGEST_1);
    expect(rolledBack?.signOffs).toEqual([{ role: "security", login: "sam", at: "2026-12-01T00:00:00Z" }]);
  });
});
