import type { ModelChange } from "../detect/types.js";
import type { CountingEvaluation } from "../evidence/evaluation.js";
import type { ModelsAt } from "../evidence/model-evidence.js";
import { regressionBaseline, type RegressionBaseline } from "../evidence/regression-baseline.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import type { Policy } from "../policy/schema.js";
import type { RegressionRule } from "../policy/regression-schema.js";
import { NO_BASELINE, type RegressionAcceptance } from "../sign-off/accept-regression.js";
import type { Requirement, RequirementStatus } from "./types.js";

/** What the regression gate compared for one model version: the check run's table, the audit's and the BOM's. */
export interface RegressionComparison {
  /** The version compared with; absent for a first version (no baseline). */
  baseline?: { version: string; digest: string; where: string; date?: string; dataset?: DatasetRef };
  candidate: { date?: string; dataset?: DatasetRef };
  rows: RegressionRow[];
  /** The role that may accept a regression (regression.accept_role); absent: nobody can. */
  acceptRole?: string;
}

export interface DatasetRef {
  name: string;
  sha256: string;
}

/** One metric: both values, the change, the rule and its verdict. */
export interface RegressionRow {
  metric: string;
  /** A security metric (attack success rate, robustness), shown beside accuracy. */
  security: boolean;
  direction: RegressionRule["direction"];
  baseline?: number;
  candidate?: number;
  /** candidate − baseline, when both are known. */
  change?: number;
  /** The rule in words: "higher is better, drop ≤ 0.02, min 0.8". */
  rule: string;
  status: RequirementStatus;
  /** Why: "within the rule", "dropped 0.03, more than 0.02", "not comparable: …". */
  verdict: string;
  /** The acceptance that turned a failing or pending comparison into met. */
  accepted?: Omit<RegressionAcceptance, "metric" | "baseline">;
}

// regression:<name> evidences the evaluation before release (5.2.5-1); 5.4.2-4 (performance over time) is
// organisational in the audit's matrix until the monitoring work makes it partly evidenced
export const REGRESSION_PROVISION = "5.2.5-1";

/**
 * Below this share of the values compared, a difference is floating-point rounding, not a drop:
 * 0.9 − 0.88 is 0.020000000000000018 in binary, and a drop of 0.02 is allowed by max_drop 0.02.
 */
const ROUNDING = 1e-12;

export interface RegressionInput {
  policy: Policy;
  change: Pick<ModelChange, "base" | "head" | "manifestPath">;
  /** Whether the change's gates ask for an evaluation: only then is there a record to compare. */
  evaluated: boolean;
  /** The candidate's counting evaluation (modelVersionEvidence). */
  candidate: CountingEvaluation | undefined;
  /** Every place besides the judged commit, the base first (placesSeen). */
  places: ReadonlyArray<ModelsAt>;
  /** Standing acceptances of this digest's sign-off issue. */
  acceptances: ReadonlyArray<RegressionAcceptance> | undefined;
}

/**
 * The regression gate (docs/regression.md): one requirement `regression:<name>` per rule of
 * `regression.metrics`, comparing the candidate's counting record with the baseline's
 * (regressionBaseline). `undefined` when there is nothing to compare: no rule, no evaluation asked,
 * or a model being retired.
 */
export function regressionRequirements(
  input: RegressionInput,
): { requirements: Requirement[]; comparison: RegressionComparison } | undefined {
  const { policy, change } = input;
  const rules = policy.regression.metrics;
  if (rules.length === 0 || !input.evaluated || !change.head || change.head.manifest.status === "decommissioned")
    return undefined;
  const baseline = regressionBaseline(change.base, input.places);
  const candidate = input.candidate?.record;
  const rows = rules.map((rule) =>
    withAcceptance(compareMetric(rule, policy.regression.missing, candidate, baseline), baseline, input.acceptances),
  );
  const line = change.head.lineOf(["evaluations"]);
  const requirements = rows.map((row): Requirement => ({
    id: `regression:${row.metric}`,
    status: row.status,
    message: requirementMessage(row, baseline),
    provision: REGRESSION_PROVISION,
    path: change.manifestPath,
    line,
  }));
  const comparison = comparisonOf(candidate, baseline, rows);
  const acceptRole = policy.regression.accept_role;
  return { requirements, comparison: acceptRole !== undefined ? { ...comparison, acceptRole } : comparison };
}

/** One rule against the two records, before any acceptance. */
export function compareMetric(
  rule: RegressionRule,
  missing: Policy["regression"]["missing"],
  candidate: EvaluationRecord | undefined,
  baseline: RegressionBaseline | undefined,
): RegressionRow {
  const failures: string[] = [];
  const pending: string[] = [];
  const absent = (why: string) => (missing === "pending" ? pending : failures).push(why);
  const candidateValue = metricOf(candidate, rule.name);
  const baselineRecord = baseline?.evaluation?.record;
  const baselineValue = metricOf(baselineRecord, rule.name);
  const row: RegressionRow = {
    metric: rule.name,
    security: rule.security,
    direction: rule.direction,
    ...(baselineValue !== undefined ? { baseline: baselineValue } : {}),
    ...(candidateValue !== undefined ? { candidate: candidateValue } : {}),
    ...(baselineValue !== undefined && candidateValue !== undefined ? { change: candidateValue - baselineValue } : {}),
    rule: ruleText(rule),
    status: "met",
    verdict: "",
  };

  if (!candidate) absent("this version has no evaluation record to compare");
  else if (candidateValue === undefined) absent("missing from this version's evaluation record");
  if (candidateValue !== undefined) {
    if (rule.min !== undefined && candidateValue < rule.min) failures.push(`below the minimum ${rule.min}`);
    if (rule.max !== undefined && candidateValue > rule.max) failures.push(`above the maximum ${rule.max}`);
  }
  const notes: string[] = [];
  if (rule.max_drop !== undefined || rule.max_relative_drop !== undefined) {
    if (!baseline) notes.push("no baseline: first version");
    else if (!baselineRecord) absent(`the baseline ${baseline.version} has no evaluation record of its digest`);
    else if (baselineValue === undefined) absent(`missing from the baseline ${baseline.version}'s evaluation record`);
    else if (candidate && !sameDataset(candidate.dataset, baselineRecord.dataset))
      failures.push(`not comparable: ${datasetDifference(candidate.dataset, baselineRecord.dataset)}`);
    else if (candidateValue !== undefined) failures.push(...dropFailures(rule, baselineValue, candidateValue));
  }

  if (failures.length > 0) return { ...row, status: "failed", verdict: failures.join("; ") };
  if (pending.length > 0) return { ...row, status: "pending", verdict: pending.join("; ") };
  return { ...row, verdict: notes.length > 0 ? notes.join("; ") : "within the rule" };
}

/** A metric of a record, only when the record has it as its own (a metric named `constructor` is not Object's). */
function metricOf(record: EvaluationRecord | undefined, name: string): number | undefined {
  const metrics = record?.metrics;
  if (!metrics || !Object.hasOwn(metrics, name)) return undefined;
  return metrics[name];
}

/** How far the candidate fell against each drop limit of the rule (both must hold). */
function dropFailures(rule: RegressionRule, baseline: number, candidate: number): string[] {
  const drop = rule.direction === "higher" ? baseline - candidate : candidate - baseline;
  const scale = Math.max(Math.abs(baseline), Math.abs(candidate));
  const exceeds = (limit: number) => drop - limit > ROUNDING * scale;
  const failures: string[] = [];
  const worse = rule.direction === "higher" ? "fell" : "rose";
  if (rule.max_drop !== undefined && exceeds(rule.max_drop))
    failures.push(`${worse} by ${formatNumber(drop)}, more than ${rule.max_drop}`);
  if (rule.max_relative_drop !== undefined && exceeds(rule.max_relative_drop * Math.abs(baseline)))
    failures.push(
      baseline === 0
        ? `${worse} by ${formatNumber(drop)} from a baseline of 0, where a relative limit allows no change for the worse`
        : `${worse} by ${formatPercent(drop / Math.abs(baseline))}, more than ${formatPercent(rule.max_relative_drop)} of the baseline`,
    );
  return failures;
}

function sameDataset(a: DatasetRef | undefined, b: DatasetRef | undefined): boolean {
  if (!a || !b) return a === b;
  return a.sha256 === b.sha256;
}

function datasetDifference(candidate: DatasetRef | undefined, baseline: DatasetRef | undefined): string {
  if (!candidate) return "this version names no evaluation dataset, the baseline does";
  if (!baseline) return "the baseline names no evaluation dataset, this version does";
  return "measured on another evaluation dataset (its sha256 differs)";
}

/** The acceptance of this metric against this baseline, when one stands and the comparison did not pass. */
function withAcceptance(
  row: RegressionRow,
  baseline: RegressionBaseline | undefined,
  acceptances: ReadonlyArray<RegressionAcceptance> | undefined,
): RegressionRow {
  if (row.status === "met") return row;
  const against = baseline?.digest ?? NO_BASELINE;
  const acceptance = acceptances?.find((a) => a.metric === row.metric && a.baseline === against);
  if (!acceptance) return row;
  const { by, reason, at, commentId } = acceptance;
  return { ...row, status: "met", accepted: { by, reason, at, commentId } };
}

function requirementMessage(row: RegressionRow, baseline: RegressionBaseline | undefined): string {
  const values = `${valueText(row.baseline)} → ${valueText(row.candidate)}`;
  const against = baseline ? ` against ${baseline.version} (${baseline.where})` : "";
  if (row.accepted)
    return `${row.metric} ${values}${against}: ${row.verdict}; accepted by @${row.accepted.by}: ${row.accepted.reason}`;
  return `${row.metric} ${values}${against}: ${row.verdict} (${row.rule})`;
}

function comparisonOf(
  candidate: EvaluationRecord | undefined,
  baseline: RegressionBaseline | undefined,
  rows: RegressionRow[],
): RegressionComparison {
  const baselineRecord = baseline?.evaluation?.record;
  return {
    ...(baseline
      ? {
          baseline: {
            version: baseline.version,
            digest: baseline.digest,
            where: baseline.where,
            ...(baselineRecord ? { date: baselineRecord.date } : {}),
            ...(baselineRecord?.dataset ? { dataset: baselineRecord.dataset } : {}),
          },
        }
      : {}),
    candidate: {
      ...(candidate ? { date: candidate.date } : {}),
      ...(candidate?.dataset ? { dataset: candidate.dataset } : {}),
    },
    rows,
  };
}

/** The rule in words, as the table shows it. */
export function ruleText(rule: RegressionRule): string {
  const parts = [rule.direction === "higher" ? "higher is better" : "lower is better"];
  if (rule.max_drop !== undefined) parts.push(`${rule.direction === "higher" ? "drop" : "rise"} ≤ ${rule.max_drop}`);
  if (rule.max_relative_drop !== undefined) parts.push(`≤ ${formatPercent(rule.max_relative_drop)} of the baseline`);
  if (rule.min !== undefined) parts.push(`min ${rule.min}`);
  if (rule.max !== undefined) parts.push(`max ${rule.max}`);
  return parts.join(", ");
}

/** A value as recorded, or "—" when absent. */
export function valueText(value: number | undefined): string {
  return value === undefined ? "—" : String(value);
}

/** A computed number (a change, a drop) to six significant digits, rounding noise left out. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "more than the largest number" : "less than the smallest number";
  return String(Number(value.toPrecision(6)));
}

/** A change with its sign: "+0.01", "−0.03" (a minus sign, as in the table). */
export function formatChange(value: number | undefined): string {
  if (value === undefined) return "—";
  if (value === 0) return "0";
  const text = formatNumber(Math.abs(value));
  return value > 0 ? `+${text}` : `−${text}`;
}

export function formatPercent(fraction: number): string {
  return `${formatNumber(fraction * 100)} %`;
}
