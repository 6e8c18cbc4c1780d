import { afterEach, describe, expect, it } from "vitest";
import { TestRepo, runModelgate } from "./git-repo.js";
import { lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";
import type { CheckJson } from "../../src/cli/check-json.js";

const HOLDOUT = { name: "holdout", sha256: "a".repeat(64) };
const POLICY = [
  "regression:",
  "  metrics:",
  "    - { name: accuracy, direction: higher, max_drop: 0.02 }",
  "    - { name: attack_success_rate, direction: lower, max: 0.2, security: true }",
  "",
].join("\n");

const V1: ModelSpec = {
  dir: "models/fraud",
  name: "fraud-detector",
  version: "1.0.0",
  components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v1") }],
  metrics: { accuracy: 0.9, attack_success_rate: 0.1 },
  dataset: HOLDOUT,
};

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

/** main with the regression policy and fraud-detector 1.0.0, then a branch that retrains it with these metrics. */
async function retrainMeasured(metrics: Record<string, number>): Promise<{ code: number; json: CheckJson }> {
  const repo = TestRepo.create();
  repos.push(repo);
  repo.write({ ".github/modelgate.yml": POLICY, ...modelFiles(V1) }).commit("fraud-detector 1.0.0");
  repo.branch("retrain");
  repo
    .write(
      modelFiles({
        ...V1,
        version: "1.1.0",
        components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v2") }],
        metrics,
      }),
    )
    .commit("fraud-detector 1.1.0");
  const run = await runModelgate(["check", "--json", "--base", "main"], repo.dir);
  return { code: run.code, json: JSON.parse(run.stdout) as CheckJson };
}

describe("modelgate check: the regression gate, offline (docs/regression.md)", () => {
  it("a retrain that loses accuracy fails with regression:accuracy, exit 1", async () => {
    const { code, json } = await retrainMeasured({ accuracy: 0.85, attack_success_rate: 0.1 });
    expect(code).toBe(1);
    expect(json.verdict).toBe("failure");
    const regression = json.models[0]!.requirements.filter((r) => r.id.startsWith("regression:"));
    expect(regression).toEqual([
      {
        id: "regression:accuracy",
        status: "failed",
        message:
          "accuracy 0.9 → 0.85 against 1.0.0 (the base): fell by 0.05, more than 0.02 (higher is better, drop ≤ 0.02)",
        provision: "5.2.5-1",
        path: "models/fraud/model.yaml",
        line: expect.any(Number),
      },
      {
        id: "regression:attack_success_rate",
        status: "met",
        message: "attack_success_rate 0.1 → 0.1 against 1.0.0 (the base): within the rule (lower is better, max 0.2)",
        provision: "5.2.5-1",
        path: "models/fraud/model.yaml",
        line: expect.any(Number),
      },
    ]);
  });

  it("a retrain that holds its metrics: only the approvals are pending, exit 0", async () => {
    const { code, json } = await retrainMeasured({ accuracy: 0.89, attack_success_rate: 0.12 });
    expect(code).toBe(0);
    expect(json.verdict).toBe("action_required");
    expect(json.models[0]!.requirements.filter((r) => r.id.startsWith("regression:")).map((r) => r.status)).toEqual([
      "met",
      "met",
    ]);
  });
});
