import { z } from "zod";
import { DECISION_RECORD_FORMAT } from "../render/decision-record.js";
import type { CheckRunEvidence } from "./types.js";

/** The name of the pull-request gate's check run (the release gate's is RELEASE_CHECK_NAME). */
export const PULL_REQUEST_CHECK_NAME = "modelgate";

const recordSchema = z.object({
  format: z.literal(DECISION_RECORD_FORMAT),
  models: z.array(
    z.object({
      name: z.string().max(200),
      digest: z.string().max(100),
      verdict: z.enum(["success", "action_required", "failure"]),
      override: z.object({ by: z.string().max(100), reason: z.string().max(5000) }).optional(),
    }),
  ),
});

/**
 * The models of the decision record a modelgate check run carries in its text (a ```json fence
 * after the legend, see render/check-run.ts), or undefined when the text holds none that validates.
 */
export function parseDecisionRecord(text: string | null | undefined): CheckRunEvidence["models"] | undefined {
  if (!text) return undefined;
  const start = text.indexOf("```json\n");
  if (start < 0) return undefined;
  const end = text.indexOf("\n```", start + 8);
  if (end < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start + 8, end));
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return parsed.data.models.map((m) => ({
    name: m.name,
    digest: m.digest,
    verdict: m.verdict,
    ...(m.override ? { override: { by: m.override.by, reason: m.override.reason } } : {}),
  }));
}
