import { describe, expect, it } from "vitest";
import { evaluateGate, versionEnds } from "../../../src/core/evaluate/evaluate-gate.js";
import {
  approvalFacts,
  modelFiles,
  snapshot,
  testPolicy,
  type FileSpec,
  signOffKeyOf,
} from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { approvedByReviews, fraud, retrain, review } from "./scenario.js";

const v1 = modelFiles(fraud);
const v2 = modelFiles({ ...fraud, ...retrain });
const zebra = modelFiles({ dir: "models/zebra" });
const alpha = modelFiles({ dir: "models/alpha" });

function decide(
  base: Record<string, FileSpec>,
  head: Record<string, FileSpec>,
  options: { policy?: ReturnType<typeof testPolicy> } = {},
) {
  return evaluateGate({
    policy: options.policy ?? testPolicy(),
    base: snapshot(base, "base"),
    head: snapshot(head, "head"),
    facts: approvalFacts({ reviews: [...approvedByReviews.reviews!, review("custodian1")] }),
    now: TEST_NOW,
  });
}

describe("evaluateGate: the decision", () => {
  it("no model change is a success with nothing to show", () => {
    expect(decide(v1.files, { ...v1.files, "README.md": "docs" })).toEqual({
      verdict: "success",
      models: [],
      unmanaged: [],
      errors: [],
    });
  });

  it("models are sorted by name", () => {
    const decision = decide({}, { ...zebra.files, ...alpha.files, ...v1.files });
    expect(decision.models.map((m) => m.name)).toEqual(["alpha", "fraud", "zebra"]);
    expect(decision.verdict).toBe("success");
  });

  it("an invalid manifest fails the decision with its file and line", () => {
    const decision = decide(v1.files, { ...v1.files, "models/other/model.yaml": "name: other\nversion: 1.0\n" });
    expect(decision.verdict).toBe("failure");
    expect(decision.errors).toEqual([
      { path: "models/other/model.yaml", line: 2, message: expect.stringContaining("version") },
    ]);
  });

  it("one failing model fails the decision; pending approvals alone ask for action", () => {
    const failing = decide(v1.files, modelFiles({ ...fraud, ...retrain, evaluation: false }).files);
    expect(failing.models[0]?.verdict).toBe("failure");
    expect(failing.verdict).toBe("failure");
    const pending = evaluateGate({
      policy: testPolicy(),
      base: snapshot(v1.files),
      head: snapshot(v2.files),
      facts: approvalFacts(),
      now: TEST_NOW,
    });
    expect(pending.models[0]?.verdict).toBe("action_required");
    expect(pending.verdict).toBe("action_required");
  });

  it("a version rule broken is a failed requirement of the model", () => {
    const decision = decide(v1.files, modelFiles({ ...fraud, ...retrain, version: "1.0.0" }).files);
    expect(decision.models[0]?.requirements[0]).toMatchObject({
      id: "version.raised",
      status: "failed",
      provision: "5.4.1-2",
      path: "models/fraud/model.yaml",
      line: 2,
    });
    expect(decision.verdict).toBe("failure");
  });

  it("deleting an active model's manifest fails; its gate is the decommission gate", () => {
    const decision = decide(v1.files, {});
    const [model] = decision.models;
    expect(model).toMatchObject({
      name: "fraud",
      kinds: ["decommission"],
      from: "1.0.0",
      digest: v1.digest,
      verdict: "failure",
    });
    expect(model?.requirements.map((r) => [r.id, r.status])).toEqual([
      ["manifest.deleted_without_decommission", "failed"],
      ["approval:system_operator", "met"],
      ["approval:data_custodian", "met"],
    ]);
  });

  describe("a decommission keeps the digest, not its sign-offs", () => {
    const retired = modelFiles({ ...fraud, status: "decommissioned" });
    const signed = (login: string, role: string, id: number) => ({
      id,
      login,
      body: `/approve ${role}`,
      createdAt: `2026-11-30T10:0${id}:00Z`,
      edited: false,
    });
    const approvals = [signed("ops1", "system_operator", 1), signed("custodian1", "data_custodian", 2)];
    const judge = (signOffs: Record<string, ReturnType<typeof signed>[]>) =>
      evaluateGate({
        policy: testPolicy(),
        base: snapshot(v1.files, "base"),
        head: snapshot(retired.files, "head"),
        facts: approvalFacts({ signOffs }),
        now: TEST_NOW,
      }).models[0];

    it("the sign-offs that shipped the digest do not approve its retirement", () => {
      expect(retired.digest).toBe(v1.digest);
      const model = judge({ [signOffKeyOf(v1)]: approvals });
      expect(model).toMatchObject({ kinds: ["decommission"], verdict: "action_required" });
      expect(model?.requirements.map((r) => [r.id, r.status])).toEqual([
        ["approval:system_operator", "pending"],
        ["approval:data_custodian", "pending"],
      ]);
    });

    it("the sign-offs of its decommission do", () => {
      const model = judge({ [signOffKeyOf(v1)]: [], [signOffKeyOf(v1, "decommission")]: approvals });
      expect(model?.verdict).toBe("success");
      expect(model?.signOffs).toMatchObject({
        system_operator: { state: "approved", by: "ops1" },
        data_custodian: { state: "approved", by: "custodian1" },
      });
    });
  });

  describe("unmanaged models (shadow AI)", () => {
    const shadow = { "scratch/model.pt": { binary: "\u0000torch weights" } } as Record<string, FileSpec>;

    it("fails the decision when the policy says fail", () => {
      const decision = decide(v1.files, { ...v1.files, ...shadow });
      expect(decision.unmanaged).toEqual([
        { path: "scratch/model.pt", source: "artifact", change: "added", level: "failure" },
      ]);
      expect(decision.verdict).toBe("failure");
    });

    it("warns without failing when the policy says warn", () => {
      const decision = decide(
        v1.files,
        { ...v1.files, ...shadow },
        { policy: testPolicy({ unmanaged_artifacts: "warn" }) },
      );
      expect(decision.unmanaged).toEqual([
        { path: "scratch/model.pt", source: "artifact", change: "added", level: "warning" },
      ]);
      expect(decision.verdict).toBe("success");
    });

    it("drops them when the policy says off", () => {
      expect(
        decide(v1.files, { ...v1.files, ...shadow }, { policy: testPolicy({ unmanaged_artifacts: "off" }) }).unmanaged,
      ).toEqual([]);
    });

    it("files declared by a manifest at base or head are not unmanaged", () => {
      const decision = decide(v1.files, v2.files);
      expect(decision.unmanaged).toEqual([]);
      // weights deleted together with their model's manifest were declared at base
      const deleted = decide({ ...v1.files, "models/fraud/weights/extra.pt": { binary: "x" } }, {});
      expect(deleted.unmanaged.map((u) => u.path)).toEqual(["models/fraud/weights/extra.pt"]);
    });
  });
});

describe("versionEnds: the versions a model moves between, as verdicts and decision records show them", () => {
  it.each<[string, string | undefined, string | undefined, { from?: string; to?: string }]>([
    ["a change of version", "2.0.0", "2.1.0", { from: "2.0.0", to: "2.1.0" }],
    ["a new model has no from", undefined, "1.0.0", { to: "1.0.0" }],
    ["a deleted manifest has no to", "2.0.0", undefined, { from: "2.0.0" }],
    ["neither", undefined, undefined, {}],
    ["an empty string is a version all the same", "", "", { from: "", to: "" }],
  ])("%s", (_case, from, to, ends) => {
    expect(versionEnds(from, to)).toStrictEqual(ends);
  });
});
