import { describe, expect, test } from "vitest";
import { decisionRecords } from "../../../src/core/inventory/decisions.js";
import type { Decision, ModelVerdict } from "../../../src/core/evaluate/types.js";

const DIGEST = `sha256:${"1".repeat(64)}`;
const AT = "2026-12-07T10:00:00Z";

function verdict(overrides: Partial<ModelVerdict>): ModelVerdict {
  return {
    name: "fraud",
    manifestPath: "models/fraud/model.yaml",
    kinds: ["retrain"],
    from: "1.0.0",
    to: "1.1.0",
    digest: DIGEST,
    requirements: [],
    verdict: "success",
    ...overrides,
  };
}

function decision(models: ModelVerdict[], couldNotEvaluate?: string): Decision {
  return { verdict: "success", models, unmanaged: [], errors: [], ...(couldNotEvaluate ? { couldNotEvaluate } : {}) };
}

const PR = {
  gate: "pull_request",
  url: "https://github.com/acme/m/runs/5",
  headSha: "h".repeat(40),
  number: 3,
  decidedAt: AT,
} as const;

describe("the inventory records of a gate decision", () => {
  test("one record per model version after the change, with the standing sign-offs and the roles still awaited", () => {
    const judged = verdict({
      verdict: "action_required",
      requirements: [
        { id: "approval:developer", status: "met", message: "", provision: "" },
        { id: "approval:security", status: "pending", message: "", provision: "" },
        { id: "evaluation.current", status: "met", message: "", provision: "" },
      ],
      signOffs: {
        developer: { state: "approved", by: "dev1", at: "2026-12-06T09:00:00Z", commentId: 1 },
        security: { state: "rejected", by: "sec1", at: "2026-12-06T09:30:00Z", commentId: 2 },
      },
    });
    const deleted = verdict({ name: "gone", to: undefined, kinds: ["decommission"] });

    expect(decisionRecords(9, decision([judged, deleted]), PR)).toEqual([
      {
        repositoryId: 9,
        model: "fraud",
        digest: DIGEST,
        version: "1.1.0",
        signOffs: [{ role: "developer", login: "dev1", at: "2026-12-06T09:00:00Z" }],
        awaitingRoles: ["security"],
        gate: "pull_request",
        decision: { conclusion: "action_required", url: PR.url, headSha: PR.headSha, number: 3, decidedAt: AT },
      },
    ]);
  });

  test("attack: a decision that could not be made is recorded as a failure, never as the model verdict it had so far", () => {
    const [record] = decisionRecords(9, decision([verdict({ verdict: "success" })], "GitHub answered 502"), {
      gate: "release",
      url: "https://github.com/acme/m/runs/6",
      tag: "v1.1.0",
      decidedAt: AT,
    });

    expect(record).toMatchObject({ gate: "release", decision: { tag: "v1.1.0", conclusion: "failure" } });
  });

  test("a deployment's record carries the environment, the commit and the answer GitHub was given", () => {
    const [record] = decisionRecords(9, decision([verdict({})]), {
      gate: "deployment",
      url: "https://github.com/acme/m/runs/7",
      environment: "Production",
      sha: "d".repeat(40),
      answer: "approved",
      decidedAt: AT,
    });

    expect(record?.decision).toEqual({
      environment: "Production",
      answer: "approved",
      url: "https://github.com/acme/m/runs/7",
      sha: "d".repeat(40),
      decidedAt: AT,
    });
  });
});
