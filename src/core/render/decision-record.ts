import { versionEnds } from "../evaluate/evaluate-gate.js";
import type { Decision, ModelVerdict, RequirementStatus } from "../evaluate/types.js";
import { byVerdict } from "./requirement-kinds.js";
import { truncateChars, utf8Bytes } from "./truncate.js";

export const DECISION_RECORD_FORMAT = "modelgate-decision/1";

/** The machine-readable decision, as written into a check run's text (field names as `modelgate check --json`). */
export interface DecisionRecord {
  format: typeof DECISION_RECORD_FORMAT;
  verdict: Decision["verdict"];
  couldNotEvaluate?: string;
  models: ModelRecord[];
  unmanaged: Decision["unmanaged"];
  errors: Decision["errors"];
  /** Present when the record was cut to fit. */
  truncated?: {
    requirementDetail: "full" | "ids" | "counts";
    modelsNotShown: number;
    unmanagedNotShown: number;
    errorsNotShown: number;
  };
}

interface ModelRecord {
  name: string;
  manifest: string;
  changes: ModelVerdict["kinds"];
  from?: string;
  to?: string;
  digest: string;
  verdict: ModelVerdict["verdict"];
  override?: ModelVerdict["override"];
  requirements?: Array<{
    id: string;
    status: RequirementStatus;
    message?: string;
    provision?: string;
    path?: string;
    line?: number;
  }>;
  requirementCounts?: Record<RequirementStatus, number>;
}

type Detail = "full" | "ids" | "counts";

export interface FittedRecord {
  json: string;
  record: DecisionRecord;
  modelsNotShown: number;
}

/**
 * Serialises the decision as JSON of at most `maxBytes` UTF-8 bytes, always valid JSON:
 * pretty, then compact, then requirement detail reduced to ids, then to counts, then
 * models, unmanaged files and errors dropped from the end (noted in `truncated`).
 * Backticks are written as \u0060 so the JSON can sit in a markdown code fence.
 */
export function fitDecisionRecord(decision: Decision, maxBytes: number): FittedRecord {
  const models = byVerdict(decision.models);
  const attempt = (
    detail: Detail,
    modelCount: number,
    unmanagedCount: number,
    errorCount: number,
    pretty: boolean,
  ): FittedRecord => {
    const record: DecisionRecord = {
      format: DECISION_RECORD_FORMAT,
      verdict: decision.verdict,
      ...(decision.couldNotEvaluate !== undefined
        ? { couldNotEvaluate: truncateChars(decision.couldNotEvaluate, 2000, "…") }
        : {}),
      models: models.slice(0, modelCount).map((model) => modelRecord(model, detail)),
      unmanaged: decision.unmanaged.slice(0, unmanagedCount),
      errors: decision.errors.slice(0, errorCount),
    };
    const cut =
      detail !== "full" ||
      modelCount < models.length ||
      unmanagedCount < decision.unmanaged.length ||
      errorCount < decision.errors.length;
    if (cut) {
      record.truncated = {
        requirementDetail: detail,
        modelsNotShown: models.length - modelCount,
        unmanagedNotShown: decision.unmanaged.length - unmanagedCount,
        errorsNotShown: decision.errors.length - errorCount,
      };
    }
    const json = JSON.stringify(record, null, pretty ? 2 : undefined).replace(/`/g, "\\u0060");
    return { json, record, modelsNotShown: models.length - modelCount };
  };
  const fits = (fitted: FittedRecord) => utf8Bytes(fitted.json) <= maxBytes;

  const all = [models.length, decision.unmanaged.length, decision.errors.length] as const;
  for (const [detail, pretty] of [
    ["full", true],
    ["full", false],
    ["ids", false],
    ["counts", false],
  ] as const) {
    const fitted = attempt(detail, ...all, pretty);
    if (fits(fitted)) return fitted;
  }
  // still too large: keep as many models as fit, then unmanaged files, then errors
  const modelCount = largestFitting(models.length, (n) => fits(attempt("counts", n, 0, 0, false)));
  const unmanagedCount =
    modelCount < models.length
      ? 0
      : largestFitting(decision.unmanaged.length, (n) => fits(attempt("counts", modelCount, n, 0, false)));
  const errorCount =
    unmanagedCount < decision.unmanaged.length
      ? 0
      : largestFitting(decision.errors.length, (n) => fits(attempt("counts", modelCount, unmanagedCount, n, false)));
  return attempt("counts", modelCount, unmanagedCount, errorCount, false);
}

function modelRecord(model: ModelVerdict, detail: Detail): ModelRecord {
  const record: ModelRecord = {
    name: model.name,
    manifest: model.manifestPath,
    changes: model.kinds,
    ...versionEnds(model.from, model.to),
    digest: model.digest,
    verdict: model.verdict,
    ...(model.override ? { override: model.override } : {}),
  };
  if (detail === "full") {
    record.requirements = model.requirements.map(({ id, status, message, provision, path, line }) => ({
      id,
      status,
      message,
      provision,
      ...(path !== undefined ? { path } : {}),
      ...(line !== undefined ? { line } : {}),
    }));
  } else if (detail === "ids") {
    record.requirements = model.requirements.map(({ id, status }) => ({ id, status }));
  } else {
    const counts: Record<RequirementStatus, number> = { met: 0, pending: 0, failed: 0 };
    for (const requirement of model.requirements) counts[requirement.status] += 1;
    record.requirementCounts = counts;
  }
  return record;
}

/** Largest n in [0, max] with fits(n), assuming fits is monotone (true up to some n). */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
