import { isEvidentlyReport, readEvidentlyReport } from "./evidently.js";
import { isModelgateReport, readModelgateReport } from "./modelgate-format.js";
import { isRecord, parseBoundedJson, type ReadReport } from "./report.js";
import { isSageMakerViolations, readSageMakerViolations } from "./sagemaker.js";

/** Reads one report file of any of the three formats (docs/monitoring.md); told apart by their own fields. */
export function readReport(text: string, source: string): ReadReport {
  const parsed = parseBoundedJson(text);
  if (!parsed.ok) return { ok: false, source, reason: parsed.reason };
  const value = parsed.value;
  if (!isRecord(value)) return { ok: false, source, reason: "not a JSON object" };
  if (isModelgateReport(value)) return readModelgateReport(value, source);
  if (isSageMakerViolations(value)) return readSageMakerViolations(value, source);
  if (isEvidentlyReport(value)) return readEvidentlyReport(value, source);
  return {
    ok: false,
    source,
    reason:
      "not a report modelgate reads (modelgate's own, Evidently's JSON, or SageMaker's constraint_violations.json)",
  };
}
