import type { RegressionComparison } from "../evaluate/regression-requirements.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import { compareCodeUnits } from "../compare-code-units.js";
import type { BomComponentData, BomModelCard, BomProperty } from "./types.js";

/**
 * The metrics of a model version's counting evaluation as CycloneDX 1.6
 * `modelCard.quantitativeAnalysis.performanceMetrics` (docs/bom.md): the metric's name is the
 * `type`, its value as recorded the `value` (a string in CycloneDX), in name order.
 */
export function performanceMetrics(record: EvaluationRecord | undefined): BomModelCard["quantitativeAnalysis"] {
  const metrics = record?.metrics;
  if (!metrics || Object.keys(metrics).length === 0) return undefined;
  const names = Object.keys(metrics).sort(compareCodeUnits);
  return { performanceMetrics: names.map((type) => ({ type, value: String(metrics[type]) })) };
}

/**
 * The set the metrics were measured on, inline under `modelCard.modelParameters.datasets` (the
 * schema: "the datasets used to train and evaluate the model"), its SHA-256 a property of its
 * contents (componentData has no `hashes`).
 */
export function evaluationDataset(record: EvaluationRecord | undefined): BomComponentData | undefined {
  const dataset = record?.dataset;
  if (!dataset) return undefined;
  return {
    type: "dataset",
    name: dataset.name,
    description: "Evaluation dataset: the performance metrics were measured on it",
    contents: { properties: [{ name: "modelgate:sha256", value: dataset.sha256 }] },
  };
}

/**
 * Accepted regressions of a model version (docs/regression.md), as modelCard properties: what
 * failed its rule, against which baseline, who accepted it and why.
 */
export function acceptedRegressionProperties(comparison: RegressionComparison | undefined): BomProperty[] {
  if (!comparison) return [];
  const against = comparison.baseline ? comparison.baseline.digest : "none (first version)";
  return comparison.rows.flatMap((row) =>
    row.accepted
      ? [
          {
            name: "modelgate:regression:accepted",
            value: `${row.metric} against ${against}: ${row.verdict}; accepted by @${row.accepted.by} at ${row.accepted.at}: ${row.accepted.reason}`,
          },
        ]
      : [],
  );
}

/** The regression comparisons of a decision by `<name>@<digest>`, for BomInput.regressions. */
export function regressionsByModel(
  models: ReadonlyArray<{ name: string; digest: string; regression?: RegressionComparison }>,
): Map<string, RegressionComparison> {
  const found = new Map<string, RegressionComparison>();
  for (const model of models) if (model.regression) found.set(`${model.name}@${model.digest}`, model.regression);
  return found;
}
