import { formatChange, valueText } from "../evaluate/regression-requirements.js";
import type { DatasetRef, RegressionComparison, RegressionRow } from "../evaluate/regression-requirements.js";
import type { ModelVerdict } from "../evaluate/types.js";
import { acceptRegressionCommand } from "../sign-off/accept-regression.js";
import { code, inlineText, shortDigest } from "./markdown.js";
import { STATUS_ICON } from "./requirement-kinds.js";

/**
 * The regression table of a model version (docs/check-run.md "Regression"): metric, baseline,
 * candidate, change, rule, verdict. Accuracy and security metrics share it, the security ones
 * marked, so a retrain that trades one for the other shows both (the "performance correlation").
 * "" when the policy compares no metric.
 */
export function regressionTable(model: Pick<ModelVerdict, "regression">): string {
  const comparison = model.regression;
  if (!comparison || comparison.rows.length === 0) return "";
  const rows = orderedRows(comparison.rows).map(
    (row) =>
      `| ${metricCell(row)} | ${valueText(row.baseline)} | ${valueText(row.candidate)} | ${changeCell(row)} | ${inlineText(row.rule)} | ${verdictCell(row)} |\n`,
  );
  return [
    "",
    `**Regression** ${againstText(comparison)}`,
    "",
    "| Metric | Baseline | Candidate | Change | Rule | Verdict |\n|---|---|---|---|---|---|\n" + rows.join(""),
    acceptHint(comparison),
  ].join("\n");
}

/** What the candidate was compared with, and on which evaluation datasets. */
export function againstText(comparison: RegressionComparison): string {
  const { baseline, candidate } = comparison;
  if (!baseline)
    return `of a first version: no baseline, so only the bounds (min, max) apply; measured on ${datasetText(candidate.dataset)}.`;
  const record =
    baseline.date !== undefined ? `its evaluation of ${inlineText(baseline.date, 40)}` : "no evaluation record";
  const where = `against ${inlineText(baseline.version, 80)} (${inlineText(baseline.where, 200)}, digest ${code(shortDigest(baseline.digest))}; ${record})`;
  if (baseline.dataset?.sha256 === candidate.dataset?.sha256)
    return `${where}, both measured on ${datasetText(candidate.dataset)}.`;
  return `${where}: the baseline was measured on ${datasetText(baseline.dataset)}, this version on ${datasetText(candidate.dataset)}.`;
}

function datasetText(dataset: DatasetRef | undefined): string {
  if (!dataset) return "no named dataset";
  return `${code(dataset.name)} (${code(`sha256:${dataset.sha256.slice(0, 12)}`)})`;
}

/** Accuracy first, then the security metrics, each in the policy's order. */
function orderedRows(rows: ReadonlyArray<RegressionRow>): RegressionRow[] {
  return [...rows.filter((row) => !row.security), ...rows.filter((row) => row.security)];
}

function metricCell(row: RegressionRow): string {
  return row.security ? `${code(row.metric, true)} 🛡️ security` : code(row.metric, true);
}

function changeCell(row: RegressionRow): string {
  const change = formatChange(row.change);
  if (row.change === undefined || row.baseline === undefined || row.baseline === 0) return change;
  return `${change} (${formatChange((row.change / Math.abs(row.baseline)) * 100)} %)`;
}

function verdictCell(row: RegressionRow): string {
  if (row.accepted)
    return `✅ accepted by @${inlineText(row.accepted.by, 60)}: ${inlineText(row.accepted.reason, 300)} (was: ${inlineText(row.verdict)})`;
  return `${STATUS_ICON[row.status]} ${inlineText(row.verdict)}`;
}

/** How a failing comparison is accepted: the exact command, bound to this metric and baseline. */
function acceptHint(comparison: RegressionComparison): string {
  const open = comparison.rows.filter((row) => row.status !== "met");
  if (open.length === 0) return "";
  if (comparison.acceptRole === undefined)
    return "A regression cannot be accepted: `regression.accept_role` is not set in the policy.\n";
  const commands = open.map((row) => code(acceptRegressionCommand(row.metric, comparison.baseline?.digest))).join(", ");
  return `To accept a regression, a holder of **${inlineText(comparison.acceptRole, 60)}** who is not an author of this change comments on the sign-off issue of this digest: ${commands}. An acceptance counts for this digest, this metric and this baseline only.\n`;
}
