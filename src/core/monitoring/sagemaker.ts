import { isRecord, type ReadReport } from "./report.js";

/** SageMaker Model Monitor's documented check types (constraint_violations.json). */
export const SAGEMAKER_CHECK_TYPES = [
  "data_type_check",
  "completeness_check",
  "baseline_drift_check",
  "missing_column_check",
  "extra_column_check",
  "categorical_values_check",
] as const;

const MAX_NOTES = 10;

export function isSageMakerViolations(value: Record<string, unknown>): boolean {
  return Array.isArray(value.violations);
}

/**
 * docs/monitoring.md, "SageMaker Model Monitor": `constraint_violations.json` (`violations: [{feature_name,
 * constraint_check_type, description}]`) read as counts: `violations` (all of them) and `violations.<check type>`
 * for each documented type (0 when none), so a threshold `{ metric: violations, max: 0 }` fails on any.
 */
export function readSageMakerViolations(value: Record<string, unknown>, source: string): ReadReport {
  const violations = value.violations as unknown[];
  const metrics: Record<string, number | null> = { violations: 0 };
  for (const type of SAGEMAKER_CHECK_TYPES) metrics[`violations.${type}`] = 0;
  const notes: string[] = [];
  for (const violation of violations) {
    if (!isRecord(violation) || typeof violation.constraint_check_type !== "string")
      return { ok: false, source, reason: "a SageMaker violation without a constraint_check_type" };
    const type = violation.constraint_check_type.slice(0, 100);
    metrics.violations = (metrics.violations ?? 0) + 1;
    const key = `violations.${type}`;
    if (key in metrics || Object.keys(metrics).length < 100) metrics[key] = (metrics[key] ?? 0) + 1;
    if (notes.length < MAX_NOTES) {
      const feature = typeof violation.feature_name === "string" ? violation.feature_name.slice(0, 100) : "?";
      const description = typeof violation.description === "string" ? violation.description.slice(0, 200) : "";
      notes.push(`${type} on ${feature}${description ? `: ${description}` : ""}`);
    }
  }
  return { ok: true, report: { format: "sagemaker", source, metrics, notes } };
}
