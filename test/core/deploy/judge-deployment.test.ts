import { describe, expect, it } from "vitest";
import {
  DEPLOYMENT_COMMENT_MAX_CHARS,
  deploymentAnswer,
  environmentKey,
  isGatedEnvironment,
  sameEnvironment,
  type DeploymentBaseline,
} from "../../../src/core/deploy/judge-deployment.js";
import type { Decision, ModelVerdict } from "../../../src/core/evaluate/types.js";
import { testPolicy } from "../../fixtures/manifests.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const model = (name: string, verdict: ModelVerdict["verdict"], failed: string[] = []): ModelVerdict => ({
  name,
  manifestPath: `models/${name}/model.yaml`,
  kinds: ["retrain"],
  to: "1.0.0",
  digest: `sha256:${"a".repeat(64)}`,
  verdict,
  requirements: failed.map((id) => ({ id, status: "failed", message: "", provision: "5.2.5-1" })),
});
const decision = (models: ModelVerdict[], extra: Partial<Decision> = {}): Decision => ({
  verdict: models.some((m) => m.verdict !== "success") ? "failure" : "success",
  models,
  unmanaged: [],
  errors: [],
  ...extra,
});

describe("deploymentAnswer", () => {
  it("approves only a decision that was made and passed", () => {
    expect(
      deploymentAnswer({ environment: "production", commit: COMMIT, decision: decision([model("fraud", "success")]) })
        .state,
    ).toBe("approved");
    expect(
      deploymentAnswer({
        environment: "production",
        commit: COMMIT,
        decision: decision([model("fraud", "failure", ["evaluation.current"])]),
      }).state,
    ).toBe("rejected");
    // a decision that could not be made never approves, even if its verdict field said success
    expect(
      deploymentAnswer({
        environment: "production",
        commit: COMMIT,
        decision: decision([], { verdict: "success", couldNotEvaluate: "GitHub answered 502" }),
      }).state,
    ).toBe("rejected");
    expect(
      deploymentAnswer({
        environment: "production",
        commit: COMMIT,
        decision: decision([], { verdict: "success", couldNotEvaluate: "GitHub answered 502" }),
        retry: { attempt: 1, maxAttempts: 5, inMinutes: 1 },
      }).state,
    ).toBe("pending");
  });

  it("fits any number of models into 1,024 characters, keeping the report link", () => {
    const models = Array.from({ length: 200 }, (_, i) =>
      model(`model-${i}-${"x".repeat(80)}`, "failure", ["evaluation.bound", "hash:weights/model.safetensors"]),
    );
    const answer = deploymentAnswer({
      environment: "e".repeat(500),
      commit: COMMIT,
      decision: decision(models),
      reportUrl: "https://github.com/acme/models/runs/1",
    });
    expect(answer.comment.length).toBeLessThanOrEqual(DEPLOYMENT_COMMENT_MAX_CHARS);
    expect(answer.comment.endsWith("\nFull report: https://github.com/acme/models/runs/1")).toBe(true);
    expect(answer.comment).toMatch(/\n… \d+ more \(see the report\)\n/);
  });

  it("names the environment without letting it overflow the comment", () => {
    const answer = deploymentAnswer({
      environment: "p".repeat(2000),
      commit: COMMIT,
      decision: decision([model("fraud", "success")]),
    });
    expect(answer.comment.startsWith(`modelgate approved ${"p".repeat(99)}… at 0123456:`)).toBe(true);
  });
});

describe("isGatedEnvironment", () => {
  it.each([
    [["production"], "production", true],
    [["production"], "Production", true],
    [["production"], "PRODUCTION", true],
    [["Production"], "production", true],
    [["prod-*"], "PROD-EU", true],
    [["PROD-*"], "prod-eu", true],
    [["production"], "production-eu", false],
    [["production"], "staging", false],
    [["prod-*"], "prod-eu", true],
    [["prod-*"], "prod-eu/canary", false],
    [["prod-*/**"], "prod-eu/canary", true],
    [[], "production", false],
  ])("%j gates %s: %s", (environments, name, expected) => {
    expect(isGatedEnvironment(testPolicy({ deployments: { environments } }), name)).toBe(expected);
  });
});

describe("environment names are compared as GitHub compares them (without case)", () => {
  it.each([
    ["production", "production", true],
    ["production", "Production", true],
    ["production", "PRODUCTION", true],
    ["prod-eu", "PROD-EU", true],
    ["production", "staging", false],
  ])("%s and %s are the same environment: %s", (a, b, expected) => {
    expect(sameEnvironment(a, b)).toBe(expected);
    expect(environmentKey(a) === environmentKey(b)).toBe(expected);
  });
});

describe("the answer names what the deployment was compared with", () => {
  const baselines: Array<[DeploymentBaseline, string]> = [
    [
      { kind: "deployment", commit: COMMIT, environment: "production" },
      "Compared with 0123456, the latest earlier deployment to production that modelgate approved.",
    ],
    [
      { kind: "release", tag: "v2.0.0", commit: COMMIT },
      "Compared with release v2.0.0, the latest release that passed its gate (no deployment was approved before).",
    ],
    [
      { kind: "merge", commit: COMMIT, pullRequest: 7 },
      "Compared with 0123456, the base of pull request #7, which merged this commit after its modelgate check passed (no deployment was approved and no release passed before).",
    ],
    [
      { kind: "none" },
      "Compared with nothing: no deployment was approved, no release passed and no gated pull request merged this commit, so every model is judged as new.",
    ],
  ];
  it.each(baselines)("%j", (baseline, sentence) => {
    for (const verdict of ["success", "failure"] as const) {
      const answer = deploymentAnswer({
        environment: "production",
        commit: COMMIT,
        decision: decision([model("fraud", verdict, verdict === "failure" ? ["hash:weights"] : [])]),
        baseline,
      });
      expect(answer.comment.split("\n")[1]).toBe(sentence);
    }
  });
});
