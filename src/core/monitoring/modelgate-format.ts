import { z } from "zod";
import { isSemver } from "../manifest/semver.js";
import { digestSchema, modelNameSchema } from "../manifest/schema.js";
import { MAX_METRICS_PER_REPORT, type ReadReport } from "./report.js";

export const MODELGATE_REPORT_FORMAT = "modelgate-monitoring/1";

const isoDateTime = z.iso.datetime({ offset: true, message: "an ISO 8601 date-time, e.g. 2026-12-06T06:00:00Z" });

/** modelgate's own monitoring report (docs/monitoring.md; published as schemas/monitoring-report.schema.json). */
export const modelgateReportSchema = z.strictObject({
  format: z.literal(MODELGATE_REPORT_FORMAT),
  model: modelNameSchema,
  version: z.string().refine(isSemver, "must be a semantic version, e.g. 2.1.0"),
  // optional: binds the report to the exact artefacts when the serving side knows them
  digest: digestSchema.optional(),
  generated_at: isoDateTime,
  window: z.strictObject({ from: isoDateTime, to: isoDateTime }).optional(),
  // null: measured but not a number (e.g. no traffic in the window); a threshold on it is breached
  metrics: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/), z.number().finite().nullable())
    .refine(
      (metrics) => Object.keys(metrics).length <= MAX_METRICS_PER_REPORT,
      `at most ${MAX_METRICS_PER_REPORT} metrics`,
    ),
});

export function isModelgateReport(value: Record<string, unknown>): boolean {
  return value.format === MODELGATE_REPORT_FORMAT;
}

export function readModelgateReport(value: unknown, source: string): ReadReport {
  const parsed = modelgateReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      source,
      reason: `not a valid modelgate report: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    };
  }
  const report = parsed.data;
  return {
    ok: true,
    report: {
      format: "modelgate",
      source,
      model: report.model,
      version: report.version,
      ...(report.digest ? { digest: report.digest } : {}),
      generatedAt: report.generated_at,
      metrics: { ...report.metrics },
      notes: [],
    },
  };
}
