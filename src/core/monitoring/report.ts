/** The formats modelgate reads (docs/monitoring.md). */
export type ReportFormat = "modelgate" | "evidently" | "sagemaker";

/** Largest report read; a larger one is refused (it is production output, not a data set). */
export const MAX_REPORT_BYTES = 1024 * 1024;
/** Deepest nesting of arrays and objects in a report; deeper is refused before it is parsed. */
export const MAX_REPORT_DEPTH = 64;
/** Most metrics taken from one report; the rest are ignored (a report is not a database). */
export const MAX_METRICS_PER_REPORT = 1000;

/** One report, read: the metrics it gives (name → value; a value that is not a finite number is `null`). */
export interface MonitoringReport {
  format: ReportFormat;
  /** Where it was read: the path in the repository or in the artefact. */
  source: string;
  /** The model and version the report names itself, when its format names them (modelgate's own). */
  model?: string;
  version?: string;
  digest?: string;
  /** When the report was made, by its own account (ISO 8601), when its format says. */
  generatedAt?: string;
  metrics: Record<string, number | null>;
  /** Short lines for the issue (SageMaker's violations, Evidently's drifted columns), at most a few. */
  notes: string[];
}

export type ReadReport = { ok: true; report: MonitoringReport } | { ok: false; source: string; reason: string };

/**
 * Parses untrusted JSON within bounds: at most MAX_REPORT_BYTES and MAX_REPORT_DEPTH levels, and Python's
 * `NaN`, `Infinity` and `-Infinity` (which Evidently's and SageMaker's Python writers emit) read as `null`, so a
 * metric that is not a number is seen as such, never as a passing value.
 */
export function parseBoundedJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (Buffer.byteLength(text, "utf8") > MAX_REPORT_BYTES)
    return { ok: false, reason: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB` };
  let depth = 0;
  let inString = false;
  let out = "";
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      depth++;
      if (depth > MAX_REPORT_DEPTH) return { ok: false, reason: `nested deeper than ${MAX_REPORT_DEPTH} levels` };
    } else if (char === "}" || char === "]") depth--;
    else if (char === "N" || char === "I" || char === "-") {
      const token = /^(?:NaN|-?Infinity)/.exec(text.slice(i, i + 9))?.[0];
      if (token) {
        out += `${text.slice(copiedTo, i)}null`;
        copiedTo = i + token.length;
        i += token.length - 1;
      }
    }
  }
  out += text.slice(copiedTo);
  try {
    return { ok: true, value: JSON.parse(out) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message.slice(0, 100)})` };
  }
}

/** A metric value as modelgate keeps it: a finite number, a boolean as 1 or 0, anything else `null`. */
export function metricValue(value: unknown): number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
