import type { Policy } from "../policy/schema.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import type { Requirement } from "./types.js";
import {
  countingEvaluation,
  evaluationTime,
  foundElsewhere,
  isDateOnly,
  type EvidenceCopy,
} from "../evidence/evaluation.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A date without time is "today" somewhere on Earth until UTC+14 has passed it. */
const LATEST_TIME_ZONE_MS = 14 * 60 * 60 * 1000;

/**
 * Provisions (docs/provisions.md) 5.2.5-1, 5.2.5-2, 5.2.5-2.1, 5.1.3-1: a passing, current, independent security
 * evaluation bound to this version AND these artefacts (the model digest), addressing every
 * threat of the policy. Each is its own requirement, so the fix is named precisely. `authors`
 * is undefined when they cannot be known (offline): independence is then pending, never met.
 * `copies` are every copy of the manifest the gate can see, the judged one first
 * (modelVersionEvidence): the record that counts is countingEvaluation's.
 */
export function evaluationRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  digest: string,
  authors: ReadonlyArray<string> | undefined,
  now: Date,
  copies: ReadonlyArray<EvidenceCopy> = [{ where: "this commit", loaded }],
): Requirement[] {
  const { manifest, path } = loaded;
  const version = manifest.version;
  // the one answer to "which record counts" (core/evidence): the newest for these artefacts in any copy the gate sees
  const chosen = countingEvaluation({ version, digest }, copies);

  if (!chosen) {
    const other = manifest.evaluations.findLastIndex((record) => record.version === version);
    if (other >= 0) {
      return [
        {
          id: "evaluation.bound",
          status: "failed",
          message: `evaluation is for digest ${manifest.evaluations[other]!.model_digest}, the artefacts are ${digest}: evaluate these artefacts and record it with model_digest: ${digest}`,
          provision: "5.2.5-1",
          path,
          line: loaded.lineOf(["evaluations", other, "model_digest"]),
        },
      ];
    }
    return [
      {
        id: "evaluation.bound",
        status: "failed",
        message: `no security evaluation of version ${version}: add a record to evaluations with version: ${version} and model_digest: ${digest}`,
        provision: "5.2.5-1",
        path,
        line: loaded.lineOf(manifest.evaluations.length > 0 ? ["evaluations"] : ["version"]),
      },
    ];
  }

  const { record, index } = chosen;
  const where = foundElsewhere(chosen, loaded);
  // a record of another copy is annotated at the version of the manifest under judgement
  const at = (field: string): { path: string; line: number } => ({
    path,
    line: where === "" ? loaded.lineOf(["evaluations", index, field]) : loaded.lineOf(["version"]),
  });
  const requirements: Requirement[] = [
    {
      id: "evaluation.bound",
      status: "met",
      message: `evaluation of ${record.date} by @${record.evaluator}${where} names version ${version} and digest ${digest}`,
      provision: "5.2.5-1",
      ...at("model_digest"),
    },
    record.result === "pass"
      ? {
          id: "evaluation.result",
          status: "met",
          message: `result: pass${record.report ? ` (report: ${record.report})` : ""}`,
          provision: "5.2.5-1",
          ...at("result"),
        }
      : {
          id: "evaluation.result",
          status: "failed",
          message: `the evaluation of ${record.date}${where} failed (result: fail): fix the findings, re-evaluate and record a passing result`,
          provision: "5.2.5-1",
          ...at("result"),
        },
    currency(policy, record, now, at("date")),
  ];
  if (policy.evaluation.independent) {
    const evaluator = record.evaluator.toLowerCase();
    // offline (the CLI) the authors are unknown: independence is not checked, so it is not met
    if (authors === undefined)
      requirements.push({
        id: "evaluation.independent",
        status: "pending",
        message: `not checked offline: the authors of the change are read from GitHub, where modelgate checks that evaluator @${record.evaluator} is not one of them`,
        provision: "5.2.5-2.1",
        ...at("evaluator"),
      });
    else if (authors.some((a) => a.toLowerCase() === evaluator))
      requirements.push({
        id: "evaluation.independent",
        status: "failed",
        message: `evaluator @${record.evaluator} is an author of this change: the evaluation must be done by someone else`,
        provision: "5.2.5-2.1",
        ...at("evaluator"),
      });
    else
      requirements.push({
        id: "evaluation.independent",
        status: "met",
        message: `evaluator @${record.evaluator} is not an author of this change`,
        provision: "5.2.5-2.1",
        ...at("evaluator"),
      });
  }
  const threats = policy.evaluation.threats;
  if (threats.length > 0) {
    const missing = threats.filter(
      (threat) => !(Object.hasOwn(record.threats, threat) && (record.threats[threat] ?? "").trim() !== ""),
    );
    requirements.push(
      missing.length > 0
        ? {
            id: "evaluation.threats",
            status: "failed",
            message: `the evaluation does not address ${missing.join(", ")}: say under threats how each was tested or mitigated`,
            provision: "5.1.3-1",
            ...at("threats"),
          }
        : {
            id: "evaluation.threats",
            status: "met",
            message: `addresses ${threats.join(", ")}`,
            provision: "5.1.3-1",
            ...at("threats"),
          },
    );
  }
  return requirements;
}

function currency(
  policy: Policy,
  record: EvaluationRecord,
  now: Date,
  at: { path: string; line: number },
): Requirement {
  const dateOnly = isDateOnly(record.date);
  const time = evaluationTime(record.date);
  const maxAge = policy.evaluation.max_age_days;
  // one literal, not { ...base, status, message }: V8 gives every object spread and then extended its own hidden class
  const requirement = (status: Requirement["status"], message: string): Requirement => ({
    id: "evaluation.current",
    provision: "5.2.5-2",
    ...at,
    status,
    message,
  });
  if (Number.isNaN(time)) return requirement("failed", `the evaluation date ${record.date} is not a valid date`);
  const latestAllowed = now.getTime() + (dateOnly ? LATEST_TIME_ZONE_MS : 0);
  if (time > latestAllowed)
    return requirement("failed", `the evaluation is dated ${record.date}, in the future: record the date it was done`);
  const ageDays = Math.floor((now.getTime() - time) / DAY_MS);
  if (now.getTime() - time > maxAge * DAY_MS) {
    return requirement(
      "failed",
      `the evaluation of ${record.date} is ${days(ageDays)} old, older than ${days(maxAge)} (evaluation.max_age_days): re-evaluate`,
    );
  }
  return requirement("met", `evaluated ${record.date}, ${days(Math.max(ageDays, 0))} ago (at most ${days(maxAge)})`);
}

function days(count: number): string {
  return count === 1 ? "1 day" : `${count} days`;
}
