import { formatChange, valueText, type RegressionComparison } from "../evaluate/regression-requirements.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import { compareCodeUnits } from "../compare-code-units.js";
import { shortDigest } from "../render/markdown.js";
import { escapeHtml as e, safeHref } from "./html-escape.js";
import type { AcceptedRegressionEvidence } from "./types.js";

/**
 * The metrics of an evaluation record as the audit shows them in a version's evidence
 * (docs/audit.md): one row per metric, with the regression gate's baseline, change and verdict
 * where a rule compares it (the counting record's `regression`), security metrics marked, and
 * the dataset they were measured on. "" when the record has no metrics and no rule asks for any.
 */
export function metricsTableHtml(record: EvaluationRecord, regression: RegressionComparison | undefined): string {
  const measured = record.metrics ?? {};
  const rows = regression?.rows ?? [];
  const names = [
    ...rows.map((row) => row.metric),
    ...Object.keys(measured)
      .filter((name) => !rows.some((row) => row.metric === name))
      .sort(compareCodeUnits),
  ];
  if (names.length === 0) return "";
  const body = names.map((name) => {
    const row = rows.find((r) => r.metric === name);
    const value = Object.hasOwn(measured, name) ? measured[name] : undefined;
    if (!row) return `<tr><td><code>${e(name)}</code><td>${e(valueText(value))}<td colspan="3" class="muted">no rule`;
    const label = row.security
      ? `<code>${e(name)}</code> <span class="muted">security</span>`
      : `<code>${e(name)}</code>`;
    const verdict = row.accepted
      ? `<span class="overridden">accepted by @${e(row.accepted.by)}: ${e(row.accepted.reason)}</span> (${e(row.verdict)})`
      : `<span class="${row.status === "met" ? "passed" : row.status}">${e(row.verdict)}</span>`;
    return `<tr><td>${label}<td>${e(valueText(value))}<td>${e(valueText(row.baseline))}<td>${e(formatChange(row.change))}<td>${verdict}`;
  });
  let against = "";
  if (regression?.baseline) against = `baseline ${e(regression.baseline.version)} (${e(regression.baseline.where)})`;
  else if (regression) against = "no baseline: first version";
  const dataset = record.dataset
    ? `measured on <code>${e(record.dataset.name)}</code> (<code>sha256:${e(record.dataset.sha256.slice(0, 12))}</code>)`
    : "no evaluation dataset named";
  const caption = [dataset, against].filter(Boolean).join("; ");
  return `<table class="mt"><caption class="d">${caption}</caption><thead><tr><th>Metric<th>Value<th>Baseline<th>Change<th>Regression rule</thead><tbody>${body.join("")}</tbody></table>`;
}

/** Regressions accepted on the version's sign-off issue: metric, baseline, who and why, linked to the comment. */
export function acceptedRegressionsHtml(accepted: ReadonlyArray<AcceptedRegressionEvidence> | undefined): string {
  if (!accepted || accepted.length === 0) return "";
  return accepted
    .map((a) => {
      const against = a.baseline === "none" ? "no baseline" : e(shortDigest(a.baseline));
      const by = safeHref(a.url) ? `<a href="${e(a.url)}">@${e(a.by)}</a>` : `@${e(a.by)}`;
      return `<br><span class="overridden">⚑ regression of <code>${e(a.metric)}</code> against <code>${against}</code> accepted by ${by} ${e(a.at.slice(0, 10))}: ${e(a.reason)}</span>`;
    })
    .join("");
}
