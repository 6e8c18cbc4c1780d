import { describe, expect, it } from "vitest";
import { renderSummary } from "../../../src/core/render/check-run-summary.js";
import { modelFiles, signOffKeyOf, testPolicy, type ModelFixture } from "../../fixtures/manifests.js";
import { approvedByReviews, comment, fraud, retrain, scenario } from "./scenario.js";

const DATASET = { name: "holdout-2026q3", sha256: "a".repeat(64) };
const baseDigest = modelFiles(fraud).digest;

function policy(extra: Record<string, unknown> = {}) {
  return testPolicy({
    regression: {
      metrics: [
        { name: "accuracy", direction: "higher", max_drop: 0.02, min: 0.8 },
        { name: "attack_success_rate", direction: "lower", max_relative_drop: 0.25, security: true },
      ],
      accept_role: "security",
      ...extra,
    },
  });
}

/** A retrain whose base measured accuracy 0.9 and attack success 0.1, and whose head measured `head`. */
function retrainMeasured(head: Record<string, number>, options: Parameters<typeof scenario>[0] = {}) {
  return scenario({
    policy: policy(),
    base: { evaluation: { metrics: { accuracy: 0.9, attack_success_rate: 0.1 }, dataset: DATASET } },
    head: { evaluation: { metrics: head, dataset: DATASET } },
    ...options,
  });
}

function acceptedBy(login: string, body: string, target: (head: ModelFixture) => string = signOffKeyOf) {
  return (head: ModelFixture) => ({
    ...approvedByReviews,
    signOffs: { [target(head)]: [comment(login, body)] },
  });
}

describe("the regression gate in evaluateGate (docs/regression.md)", () => {
  it("a retrain that holds its metrics passes, one requirement per rule", () => {
    const s = retrainMeasured({ accuracy: 0.89, attack_success_rate: 0.11 });
    expect(s.ids("regression:")).toEqual(["regression:accuracy", "regression:attack_success_rate"]);
    expect(s.req("regression:accuracy")).toMatchObject({ status: "met", provision: "5.2.5-1" });
    expect(s.req("regression:accuracy").message).toBe(
      "accuracy 0.9 → 0.89 against 1.0.0 (the base): within the rule (higher is better, drop ≤ 0.02, min 0.8)",
    );
    expect(s.model.verdict).toBe("success");
    expect(s.model.regression?.baseline).toMatchObject({ version: "1.0.0", digest: baseDigest, date: "2026-11-20" });
  });

  it("a retrain that loses accuracy fails", () => {
    const s = retrainMeasured({ accuracy: 0.85, attack_success_rate: 0.1 });
    expect(s.req("regression:accuracy")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("fell by 0.05, more than 0.02"),
    });
    expect(s.model.verdict).toBe("failure");
  });

  it("a retrain that doubles its attack success rate fails on the security metric", () => {
    const s = retrainMeasured({ accuracy: 0.95, attack_success_rate: 0.2 });
    expect(s.req("regression:accuracy").status).toBe("met");
    expect(s.req("regression:attack_success_rate")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("rose by 100 %, more than 25 % of the baseline"),
    });
  });

  it("a new model has no baseline: the bounds apply, the drops pass", () => {
    const s = scenario({
      policy: policy(),
      base: null,
      head: { evaluation: { metrics: { accuracy: 0.7, attack_success_rate: 0.5 }, dataset: DATASET } },
    });
    expect(s.req("regression:accuracy")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("below the minimum 0.8"),
    });
    expect(s.req("regression:attack_success_rate")).toMatchObject({
      status: "met",
      message: expect.stringContaining("no baseline: first version"),
    });
    expect(s.model.regression?.baseline).toBeUndefined();
  });

  it("no regression rule: no requirement and no table", () => {
    const s = scenario({ head: { evaluation: { metrics: { accuracy: 0.1 } } } });
    expect(s.ids("regression:")).toEqual([]);
    expect(s.model.regression).toBeUndefined();
  });

  it("a change without an evaluation (metadata) is not compared", () => {
    const s = scenario({ policy: policy(), head: { ...fraud, version: "1.0.0", description: "now documented" } });
    expect(s.model.kinds).toEqual(["metadata"]);
    expect(s.ids("regression:")).toEqual([]);
  });

  it("attack: the pull request lowers the baseline's metrics in its own copy of the manifest", () => {
    const head = modelFiles({ ...fraud, ...retrain });
    const s = scenario({
      policy: policy(),
      base: { evaluation: { metrics: { accuracy: 0.9, attack_success_rate: 0.1 }, dataset: DATASET } },
      head: {
        evaluations: [
          {
            version: "1.0.0",
            model_digest: baseDigest,
            date: "2026-11-25",
            evaluator: "evaluator",
            result: "pass",
            metrics: { accuracy: 0.6, attack_success_rate: 0.8 },
            dataset: DATASET,
          },
          {
            version: "1.1.0",
            model_digest: head.digest,
            date: "2026-11-25",
            evaluator: "evaluator",
            result: "pass",
            threats: head.manifest.evaluations
              ? (head.manifest.evaluations as Array<{ threats: unknown }>)[0]!.threats
              : {},
            metrics: { accuracy: 0.6, attack_success_rate: 0.8 },
            dataset: DATASET,
          },
        ],
      },
    });
    expect(s.req("evaluation.bound").status).toBe("met");
    expect(s.model.regression?.rows.map((r) => [r.metric, r.baseline, r.candidate, r.status])).toEqual([
      ["accuracy", 0.9, 0.6, "failed"],
      ["attack_success_rate", 0.1, 0.8, "failed"],
    ]);
  });
});

describe("accepting a regression (/accept-regression)", () => {
  const failing = { accuracy: 0.85, attack_success_rate: 0.1 };
  const accept = `/accept-regression accuracy ${baseDigest} new fraud pattern; accuracy recovers in 1.2`;

  it("a holder of regression.accept_role accepts one metric against one baseline", () => {
    const s = retrainMeasured(failing, { facts: acceptedBy("sec1", accept) });
    expect(s.req("regression:accuracy")).toMatchObject({
      status: "met",
      message: expect.stringContaining(
        "fell by 0.05, more than 0.02; accepted by @sec1: new fraud pattern; accuracy recovers in 1.2",
      ),
    });
    expect(s.model.regression?.rows[0]?.accepted).toMatchObject({
      by: "sec1",
      reason: "new fraud pattern; accuracy recovers in 1.2",
    });
    expect(s.model.verdict).toBe("success");
  });

  it("attack: the pull request's author accepts their own regression", () => {
    const s = retrainMeasured(failing, {
      facts: (head) => ({ ...acceptedBy("sec1", accept)(head), authors: ["sec1"] }),
    });
    expect(s.req("regression:accuracy").status).toBe("failed");
    expect(s.model.verdict).toBe("failure");
  });

  it("attack: an acceptance of digest A is reused after a retrain to digest B", () => {
    const digestA = modelFiles({ ...fraud, ...retrain }).digest;
    const s = retrainMeasured(failing, {
      head: {
        components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v3" } },
        evaluation: { metrics: failing, dataset: DATASET },
      },
      facts: acceptedBy("sec1", accept, () => digestA),
    });
    expect(s.head.digest).not.toBe(digestA);
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("attack: an acceptance of another metric does not accept this one", () => {
    const s = retrainMeasured(failing, {
      facts: acceptedBy("sec1", `/accept-regression attack_success_rate ${baseDigest} fine`),
    });
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("attack: an acceptance against another baseline does not count against this one", () => {
    const s = retrainMeasured(failing, {
      facts: acceptedBy("sec1", `/accept-regression accuracy sha256:${"d".repeat(64)} judged against an older release`),
    });
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("attack: someone without the accepting role", () => {
    const s = retrainMeasured(failing, { facts: acceptedBy("dev1", accept) });
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("attack: an edited acceptance never counts", () => {
    const s = retrainMeasured(failing, {
      facts: (head) => ({
        ...approvedByReviews,
        signOffs: { [signOffKeyOf(head)]: [comment("sec1", accept, { edited: true })] },
      }),
    });
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("without regression.accept_role nobody can accept", () => {
    const s = scenario({
      policy: testPolicy({ regression: { metrics: [{ name: "accuracy", direction: "higher", max_drop: 0.02 }] } }),
      base: { evaluation: { metrics: { accuracy: 0.9 }, dataset: DATASET } },
      head: { evaluation: { metrics: { accuracy: 0.85 }, dataset: DATASET } },
      facts: acceptedBy("sec1", accept),
    });
    expect(s.req("regression:accuracy").status).toBe("failed");
  });

  it("a first version's broken bound is accepted against `none`", () => {
    const s = scenario({
      policy: policy(),
      base: null,
      head: { evaluation: { metrics: { accuracy: 0.7, attack_success_rate: 0.1 }, dataset: DATASET } },
      facts: acceptedBy("sec1", "/accept-regression accuracy none pilot only"),
    });
    expect(s.req("regression:accuracy")).toMatchObject({
      status: "met",
      message: expect.stringContaining("accepted by @sec1: pilot only"),
    });
  });
});

describe("the check run's regression table", () => {
  it("shows metric, baseline, candidate, change, rule and verdict, security metrics marked, and how to accept", () => {
    const s = retrainMeasured({ accuracy: 0.85, attack_success_rate: 0.12 });
    const summary = renderSummary(s.decision, "1 failed", { checkName: "modelgate" });
    const table = summary.slice(summary.indexOf("**Regression**"), summary.indexOf("\n---\n"));
    expect(table).toBe(
      [
        `**Regression** against 1.0.0 (the base, digest \`${baseDigest.slice(0, 19)}\`; its evaluation of 2026-11-20), both measured on \`holdout-2026q3\` (\`sha256:aaaaaaaaaaaa\`).`,
        "",
        "| Metric | Baseline | Candidate | Change | Rule | Verdict |",
        "|---|---|---|---|---|---|",
        "| `accuracy` | 0.9 | 0.85 | −0.05 (−5.55556 %) | higher is better, drop ≤ 0.02, min 0.8 | ❌ fell by 0.05, more than 0.02 |",
        "| `attack_success_rate` 🛡️ security | 0.1 | 0.12 | +0.02 (+20 %) | lower is better, ≤ 25 % of the baseline | ✅ within the rule |",
        "",
        `To accept a regression, a holder of **security** who is not an author of this change comments on the sign-off issue of this digest: \`/accept-regression accuracy ${baseDigest} <reason>\`. An acceptance counts for this digest, this metric and this baseline only.`,
        "",
      ].join("\n"),
    );
  });
});
