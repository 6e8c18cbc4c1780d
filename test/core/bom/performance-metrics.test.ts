import { describe, expect, it } from "vitest";
import { buildBom, validateBom, type BomInput } from "../../../src/core/bom/build-bom.js";
import type { RegressionComparison } from "../../../src/core/evaluate/regression-requirements.js";
import { FRAUD_DETECTOR_YAML, FRAUD_DIGEST, loaded } from "./fixtures.js";

const MEASURED_YAML = `${FRAUD_DETECTOR_YAML.trimEnd()}
    metrics:
      accuracy: 0.912
      attack_success_rate: 0.04
      AUC: 0.97
    dataset:
      name: holdout-2026q3
      sha256: ${"a".repeat(64)}
`;

const input: BomInput = {
  repository: "acme/models",
  ref: "v3.0.0",
  commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
  models: [loaded("models/fraud/model.yaml", MEASURED_YAML)],
  timestamp: "2026-12-01T10:00:00Z",
  toolVersion: "0.1.0",
};

const accepted: RegressionComparison = {
  baseline: { version: "2.0.0", digest: `sha256:${"0".repeat(64)}`, where: "release v2.0.0" },
  candidate: {},
  rows: [
    {
      metric: "accuracy",
      security: false,
      direction: "higher",
      baseline: 0.95,
      candidate: 0.912,
      change: -0.038,
      rule: "higher is better, drop ≤ 0.02",
      status: "met",
      verdict: "fell by 0.038, more than 0.02",
      accepted: { by: "sec1", reason: "new fraud pattern", at: "2026-11-30T10:00:00Z", commentId: 7 },
    },
  ],
};

describe("the ML-BOM's performance metrics (docs/bom.md)", () => {
  it("lists the counting record's metrics as quantitativeAnalysis.performanceMetrics, in name order", () => {
    const model = buildBom(input).components[0]!;
    expect(model.modelCard?.quantitativeAnalysis).toEqual({
      performanceMetrics: [
        { type: "AUC", value: "0.97" },
        { type: "accuracy", value: "0.912" },
        { type: "attack_success_rate", value: "0.04" },
      ],
    });
  });

  it("names the evaluation dataset inline beside the training datasets, with its SHA-256", () => {
    const model = buildBom(input).components[0]!;
    expect(model.modelCard?.modelParameters?.datasets).toEqual([
      { ref: "data:transactions-2026q3" },
      { ref: "data:chargeback-labels" },
      {
        type: "dataset",
        name: "holdout-2026q3",
        description: "Evaluation dataset: the performance metrics were measured on it",
        contents: { properties: [{ name: "modelgate:sha256", value: "a".repeat(64) }] },
      },
    ]);
  });

  it("records an accepted regression of the version as a modelCard property", () => {
    const bom = buildBom({ ...input, regressions: new Map([[`fraud-detector@${FRAUD_DIGEST}`, accepted]]) });
    expect(bom.components[0]!.modelCard?.properties).toContainEqual({
      name: "modelgate:regression:accepted",
      value: `accuracy against sha256:${"0".repeat(64)}: fell by 0.038, more than 0.02; accepted by @sec1 at 2026-11-30T10:00:00Z: new fraud pattern`,
    });
  });

  it("a record without metrics adds no quantitativeAnalysis", () => {
    const model = buildBom({ ...input, models: [loaded("models/fraud/model.yaml", FRAUD_DETECTOR_YAML)] })
      .components[0]!;
    expect(model.modelCard).not.toHaveProperty("quantitativeAnalysis");
  });

  it("is valid CycloneDX 1.6", async () => {
    const bom = buildBom({ ...input, regressions: new Map([[`fraud-detector@${FRAUD_DIGEST}`, accepted]]) });
    expect(await validateBom(bom)).toEqual({ ok: true });
  }, 60_000);
});
