import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { EvaluationRecord } from "../manifest/schema.js";

/**
 * One copy of a model's manifest that a gate can see: the commit under judgement, the base it is
 * compared with, the default branch, a release. Evaluation records of one digest may sit in
 * several copies: a re-evaluation lands on the default branch while the release keeps the old one.
 */
export interface EvidenceCopy {
  /** Where the copy was read, as the user knows it ("the default branch", "release v3"). */
  where: string;
  loaded: LoadedManifest;
}

/** The evaluation record that counts for a model version, and where it was found. */
export interface CountingEvaluation {
  record: EvaluationRecord;
  /** Its index in `copy.loaded.manifest.evaluations` (for line annotations). */
  index: number;
  copy: EvidenceCopy;
  /** Records of the same version and digest in other copies that do not count, and why. */
  passedOver: PassedOverRecord[];
}

export interface PassedOverRecord {
  where: string;
  record: EvaluationRecord;
  reason: string;
}

/**
 * The time an evaluation date names: a date alone is its UTC midnight, a timestamp its instant;
 * NaN when it is not a date. The one date reading of every gate, the daily run and the audit.
 */
export function evaluationTime(date: string): number {
  return Date.parse(isDateOnly(date) ? `${date}T00:00:00Z` : date);
}

/** `YYYY-MM-DD` without a time. */
export function isDateOnly(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date);
}

/**
 * "Which evaluation counts for this model version?" — the one answer (docs/re-evaluation.md,
 * docs/architecture.md "Where each rule lives"). Candidates are the records naming `version` and
 * `digest` in every copy the gate can see. Within a copy records are listed newest last, so its
 * last bound record is its word. Across copies the newest by date counts: a re-evaluation that
 * failed on the default branch outweighs the pass a release still carries. Fail closed on doubt:
 * a date that is no date counts (it then fails as invalid), and of two records of the same day a
 * failed one counts. `copies` lists the copy under judgement first: on a full tie it is the one
 * shown. `undefined` when no copy holds a record of this version and digest.
 */
export function countingEvaluation(
  model: { version: string; digest: string },
  copies: ReadonlyArray<EvidenceCopy>,
): CountingEvaluation | undefined {
  const candidates: Array<Omit<CountingEvaluation, "passedOver">> = [];
  for (const copy of copies) {
    const { evaluations } = copy.loaded.manifest;
    for (let index = evaluations.length - 1; index >= 0; index--) {
      const record = evaluations[index]!;
      if (record.version === model.version && record.model_digest === model.digest) {
        candidates.push({ record, index, copy });
        break;
      }
    }
  }
  let chosen = candidates[0];
  for (const candidate of candidates.slice(1)) if (outranks(candidate.record, chosen!.record)) chosen = candidate;
  if (!chosen) return undefined;
  const passedOver = candidates
    .filter((c) => c !== chosen && !sameRecord(c.record, chosen.record))
    .map((c) => ({ where: c.copy.where, record: c.record, reason: passedOverReason(c.record, chosen) }));
  return { ...chosen, passedOver };
}

/** Whether `a` counts instead of `b`: newer, or the same time and failed, or an unreadable date. */
function outranks(a: EvaluationRecord, b: EvaluationRecord): boolean {
  const at = evaluationTime(a.date);
  const bt = evaluationTime(b.date);
  if (Number.isNaN(bt)) return false;
  if (Number.isNaN(at)) return true;
  if (at !== bt) return at > bt;
  return a.result === "fail" && b.result === "pass";
}

function sameRecord(a: EvaluationRecord, b: EvaluationRecord): boolean {
  return a.date === b.date && a.result === b.result && a.evaluator === b.evaluator;
}

function passedOverReason(record: EvaluationRecord, chosen: Omit<CountingEvaluation, "passedOver">): string {
  const newer = `the evaluation of ${chosen.record.date} in ${chosen.copy.where} is newer`;
  if (evaluationTime(record.date) === evaluationTime(chosen.record.date))
    return `the evaluation of the same day in ${chosen.copy.where} failed`;
  return newer;
}

/** Where a counting record was found, for messages: "" when it is the copy under judgement. */
export function foundElsewhere(evaluation: CountingEvaluation, judged: LoadedManifest): string {
  return evaluation.copy.loaded === judged ? "" : ` (recorded in ${evaluation.copy.where})`;
}
