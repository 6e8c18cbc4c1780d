import { describe, expect, it } from "vitest";
import {
  applyKnownGood,
  isRollbackCandidate,
  knownGoodMessage,
  modelsToLookUp,
  type KnownGoodEvidence,
} from "../../../src/core/deploy/known-good.js";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { evaluateGate, placesSeen } from "../../../src/core/evaluate/evaluate-gate.js";
import { TEST_NOW as NOW } from "../../fixtures/clock.js";
import { approvalFacts, modelFiles, snapshot, testPolicy, type ModelSpec } from "../../fixtures/manifests.js";

const fraud: ModelSpec = {
  dir: "models/fraud",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
  version: "2.0.0",
};
const restored: ModelSpec = {
  ...fraud,
  version: "1.9.0",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v1.9" } },
};

function judge(
  baseSpec: ModelSpec,
  headSpec: ModelSpec,
  evidence: (digest: string) => KnownGoodEvidence[],
  policy = testPolicy(),
) {
  const base = snapshot(modelFiles(baseSpec).files, "base");
  const headFiles = modelFiles(headSpec);
  const head = snapshot(headFiles.files, "head");
  const detected = detectChanges(policy, base, head);
  const decision = evaluateGate({ policy, base, head, facts: approvalFacts(), now: NOW, detected });
  return {
    before: decision,
    after: applyKnownGood(decision, detected, policy, NOW, evidence(headFiles.digest), placesSeen({}, detected)),
    detected,
    policy,
  };
}

/** The default passing record of a spec's own version and digest. */
function baseRecord(spec: ModelSpec): Record<string, unknown> {
  const files = modelFiles(spec);
  return { version: spec.version, model_digest: files.digest, date: "2026-11-20", evaluator: "eve", result: "pass" };
}

const releasedAs = (digest: string, version = "1.9.0"): KnownGoodEvidence[] => [
  { name: "fraud", version, digest, release: "v1.9.0", signOffIssue: "https://github.com/acme/models/issues/12" },
];

describe("applyKnownGood", () => {
  it("restores a rollback that shipped in a passing release: no version rule, no sign-off, its evaluation still needed", () => {
    const { before, after } = judge(fraud, restored, (digest) => releasedAs(digest));
    expect(before.verdict).toBe("failure");
    expect(after.verdict).toBe("success");
    expect(after.models[0]?.requirements.map((r) => [r.id, r.status])).toEqual([
      ["known_good", "met"],
      ["evaluation.bound", "met"],
      ["evaluation.result", "met"],
      ["evaluation.current", "met"],
      ["hash:weights/model.safetensors", "met"],
      ["data:transactions-2026q3", "met"],
    ]);
    expect(after.models[0]?.requirements[0]).toMatchObject({
      message: "known good: fraud 1.9.0, released in v1.9.0, signed off in #12",
      provision: "5.2.1-3.1",
    });
  });

  it("a restored version is not compared with the newer one it replaces: no regression requirement, no table", () => {
    const policy = testPolicy({
      regression: { metrics: [{ name: "accuracy", direction: "higher", max_drop: 0.01 }] },
    });
    const measured = (spec: ModelSpec, accuracy: number): ModelSpec => ({
      ...spec,
      evaluation: { metrics: { accuracy } },
    });
    const { before, after } = judge(
      measured(fraud, 0.95),
      measured(restored, 0.9),
      (digest) => releasedAs(digest),
      policy,
    );
    expect(before.models[0]?.requirements.find((r) => r.id === "regression:accuracy")?.status).toBe("failed");
    expect(after.verdict).toBe("success");
    expect(after.models[0]?.requirements.map((r) => r.id)).not.toContain("regression:accuracy");
    expect(after.models[0]).not.toHaveProperty("regression");
  });

  it.each([
    ["another digest", (digest: string) => releasedAs(digest.replace(/.$/, (c) => (c === "0" ? "1" : "0")))],
    ["another version", (digest: string) => releasedAs(digest, "1.8.0")],
    ["no evidence", () => []],
  ])("leaves the gate as it is with %s", (_label, evidence) => {
    const { before, after } = judge(fraud, restored, evidence);
    expect(after).toEqual(before);
  });

  it("attack: a newer failed evaluation of the restored digest in the base ends known good: the ordinary gate stands", () => {
    const digest = modelFiles(restored).digest;
    // the base (2.0.0) keeps a record of 1.9.0's re-evaluation: the same artefacts failed later
    const failedLater = {
      version: "1.9.0",
      model_digest: digest,
      date: "2026-11-25",
      evaluator: "eve",
      result: "fail",
    };
    const base: ModelSpec = { ...fraud, evaluations: [baseRecord(fraud), failedLater] };
    const { before, after } = judge(base, restored, (d) => releasedAs(d));
    expect(before.verdict).toBe("failure");
    expect(after.verdict).toBe("failure");
    expect(after.models[0]?.requirements[0]).toMatchObject({ id: "known_good", status: "failed" });
    expect(after.models[0]?.requirements).toContainEqual(
      expect.objectContaining({
        id: "evaluation.result",
        status: "failed",
        message: expect.stringContaining("the evaluation of 2026-11-25 (recorded in the base) failed"),
      }),
    );
  });

  it("an expired evaluation is not restored: the ordinary gate stands, with a note saying why", () => {
    const { after } = judge(fraud, { ...restored, evaluation: { date: "2026-01-02" } }, (digest) => releasedAs(digest));
    expect(after.verdict).toBe("failure");
    expect(after.models[0]?.requirements[0]).toMatchObject({
      id: "known_good",
      status: "failed",
      message: expect.stringContaining("but its evaluation no longer counts"),
    });
    expect(after.models[0]?.requirements.map((r) => r.id)).toContain("version.not_lowered");
  });

  it("a hash that no longer matches keeps the rollback failing", () => {
    const { after } = judge(
      fraud,
      {
        ...restored,
        components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v1.9", sha256: "a".repeat(64) } },
      },
      (digest) => releasedAs(digest),
    );
    expect(after.models[0]?.requirements.find((r) => r.id === "hash:weights/model.safetensors")?.status).toBe("failed");
    expect(after.verdict).toBe("failure");
  });

  it("rollback: off turns it off", () => {
    const { before, after } = judge(fraud, restored, (digest) => releasedAs(digest), testPolicy({ rollback: "off" }));
    expect(after).toEqual(before);
  });
});

describe("isRollbackCandidate and modelsToLookUp: only what may be a rollback costs reads", () => {
  it.each([
    ["a lowered version", fraud, restored, true],
    ["a raised version (an ordinary retrain)", restored, fraud, false],
    ["a decommissioned model made active again", { ...restored, status: "decommissioned" as const }, restored, true],
    ["a model being decommissioned", restored, { ...restored, status: "decommissioned" as const }, false],
  ])("%s: %s", (_label, baseSpec, headSpec, expected) => {
    const { detected, before, policy } = judge(baseSpec, headSpec, () => []);
    expect(isRollbackCandidate(detected.changes[0]!)).toBe(expected);
    expect(modelsToLookUp(before, detected, policy).length > 0).toBe(expected && before.verdict !== "success");
  });

  it("a new model is not looked up", () => {
    const policy = testPolicy();
    const head = snapshot(modelFiles(restored).files, "head");
    const detected = detectChanges(policy, snapshot({}, "base"), head);
    expect(isRollbackCandidate(detected.changes[0]!)).toBe(false);
  });

  it("cites the release and, when known, the sign-off issue", () => {
    expect(knownGoodMessage({ name: "fraud", version: "1.0.0", digest: "sha256:x", release: "v3" })).toBe(
      "known good: fraud 1.0.0, released in v3",
    );
  });
});
