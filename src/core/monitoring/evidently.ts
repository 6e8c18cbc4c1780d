import { isRecord, MAX_METRICS_PER_REPORT, metricValue, type ReadReport } from "./report.js";

/**
 * Names every dashboard and threshold may use for the dataset drift summary, whichever Evidently API wrote it:
 * the legacy `DatasetDriftMetric` / `DataDriftTable` results and the newer `DriftedColumnsCount` value.
 */
const LEGACY_DRIFT_SUMMARY = ["DatasetDriftMetric", "DataDriftTable"];
const LEGACY_SUMMARY_FIELDS = [
  "drift_share",
  "number_of_columns",
  "number_of_drifted_columns",
  "share_of_drifted_columns",
  "dataset_drift",
];

/** An Evidently report: `metrics` is a list, of legacy `{metric, result}` or newer `{metric_id | id, value}` entries. */
export function isEvidentlyReport(value: Record<string, unknown>): boolean {
  return (
    Array.isArray(value.metrics) &&
    value.metrics.some(
      (entry) =>
        isRecord(entry) &&
        (typeof entry.metric === "string" || typeof entry.metric_id === "string" || typeof entry.id === "string"),
    )
  );
}

/**
 * docs/monitoring.md, "Evidently": the legacy Report's `as_dict()` / `json()` (`{metric, result}`: every numeric or
 * boolean field of `result` as `<metric>.<field>`, and `(<column>)` after the metric when it is about one column)
 * and the newer snapshot (`{metric_id, value}`: a number as `<metric_id>`, an object's numbers as
 * `<metric_id>.<key>`). The dataset drift summary is also given its plain names (`share_of_drifted_columns`,
 * `number_of_drifted_columns`, `dataset_drift`, `drift_share`).
 */
export function readEvidentlyReport(value: Record<string, unknown>, source: string): ReadReport {
  const metrics: Record<string, number | null> = {};
  const notes: string[] = [];
  const put = (name: string, raw: unknown) => {
    if (Object.keys(metrics).length >= MAX_METRICS_PER_REPORT || name.length > 200) return;
    metrics[name] = metricValue(raw);
  };
  for (const entry of value.metrics as unknown[]) {
    if (!isRecord(entry)) continue;
    if (typeof entry.metric === "string" && isRecord(entry.result)) {
      const result = entry.result;
      const column = typeof result.column_name === "string" ? `(${result.column_name})` : "";
      for (const [field, raw] of Object.entries(result))
        if (typeof raw === "number" || typeof raw === "boolean" || raw === null)
          put(`${entry.metric}${column}.${field}`, raw);
      if (LEGACY_DRIFT_SUMMARY.includes(entry.metric))
        for (const field of LEGACY_SUMMARY_FIELDS) if (field in result) put(field, result[field]);
      if (entry.metric === "DatasetDriftMetric" && result.dataset_drift === true)
        notes.push(
          `Evidently: dataset drift detected (${String(result.number_of_drifted_columns)} of ${String(result.number_of_columns)} columns)`,
        );
      continue;
    }
    const name = typeof entry.metric_id === "string" ? entry.metric_id : entry.id;
    if (typeof name !== "string") continue;
    if (isRecord(entry.value)) {
      for (const [key, raw] of Object.entries(entry.value)) put(`${name}.${key}`, raw);
      if (name.startsWith("DriftedColumnsCount")) {
        put("number_of_drifted_columns", entry.value.count);
        put("share_of_drifted_columns", entry.value.share);
      }
    } else put(name, entry.value);
  }
  if (Object.keys(metrics).length === 0)
    return { ok: false, source, reason: "an Evidently report with no metric modelgate can read" };
  const timestamp = typeof value.timestamp === "string" ? value.timestamp : undefined;
  return {
    ok: true,
    report: {
      format: "evidently",
      source,
      ...(timestamp ? { generatedAt: timestamp } : {}),
      metrics,
      notes: notes.slice(0, 5),
    },
  };
}
