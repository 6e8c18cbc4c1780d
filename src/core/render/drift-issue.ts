import { POLICY_PATH } from "../policy/load-policy.js";
import type { Policy } from "../policy/schema.js";
import type { MonitoringFinding, MonitoringStatus } from "../monitoring/judge.js";
import { driftMarker, type DriftRef } from "../monitoring/marker.js";
import { code, holderMentions, inlineText } from "./markdown.js";
import { ISSUE_BODY_MAX_CHARS } from "./sign-off-issue.js";
import { truncateChars } from "./truncate.js";

/** The label of "Drift detected" issues (docs/monitoring.md). */
export const DRIFT_LABEL = "model-monitoring";

export function driftIssueTitle(model: string, version: string): string {
  return `Drift detected: ${model} ${version}`;
}

/** One finding as a table row: what, metric, value, limit, report. Text from reports (dates, reasons that quote them) is in code spans: no mention, no markup. */
function findingRow(finding: MonitoringFinding, policy: Policy): string {
  const cell = (text: string) => code(text, true);
  const lock = (security: boolean) => (security ? " 🔒 security" : "");
  switch (finding.kind) {
    case "above":
      return `| ❌ above its maximum${lock(finding.security)} | ${cell(finding.metric)} | ${finding.value} | ≤ ${finding.limit} | ${cell(finding.report)} |`;
    case "below":
      return `| ❌ below its minimum${lock(finding.security)} | ${cell(finding.metric)} | ${finding.value} | ≥ ${finding.limit} | ${cell(finding.report)} |`;
    case "not-a-number":
      return `| ❌ not a number${lock(finding.security)} | ${cell(finding.metric)} | — | | ${cell(finding.report)} |`;
    case "missing":
      return `| ❌ not reported${lock(finding.security)} | ${cell(finding.metric)} | — | | no current report has it |`;
    case "no-report":
      return `| ❌ no report | | | | none found for this version |`;
    case "stale":
      return `| ❌ too old | | dated ${cell(finding.at.slice(0, 60))} | newer than ${policy.monitoring?.max_report_age_days ?? 0} days | ${cell(finding.report)} |`;
    case "refused":
      return `| ❌ report refused | | ${cell(finding.reason.slice(0, 200))} | | ${cell(finding.report)} |`;
  }
}

export interface DriftIssueInput {
  status: MonitoringStatus;
  repo: string;
  org: string;
  policy: Policy;
  markerKey: string;
}

export function driftRef(repo: string, status: MonitoringStatus): DriftRef {
  return { repo, model: status.name, version: status.version, digest: status.digest };
}

/**
 * The body of a "Drift detected" issue: the signed marker, the findings, the reports read, who runs the model and
 * what to do. It depends only on the findings and reports (no "days ago"), so the daily run edits it only when
 * they change.
 */
export function renderDriftIssueBody(input: DriftIssueInput): string {
  const { status, policy } = input;
  const operators = Object.hasOwn(policy.roles, "system_operator")
    ? holderMentions(policy.roles.system_operator!, input.org)
    : [];
  const security = status.findings.some((f) => "security" in f && f.security && f.kind !== "missing");
  const lines = [
    driftMarker(driftRef(input.repo, status), input.markerKey),
    `## Drift detected: ${inlineText(status.name, 120)} ${inlineText(status.version, 60)}`,
    "",
    `Production monitoring of this model version does not meet \`monitoring\` in ${code(POLICY_PATH)} (EN 304 223 5.4.2-2, 5.4.2-4). Digest ${code(status.digest)}.`,
    ...(security
      ? [
          "",
          "🔒 A **security** threshold is crossed: the model's re-evaluation is due now (a `Re-evaluation due` issue says so).",
        ]
      : []),
    "",
    ...findingLines(status, policy),
    "",
    ...reportLines(status),
    "",
    operators.length > 0
      ? `${operators.map((m) => inlineText(m, 140)).join(" ")}: please look at the model in production.`
      : "No system operator holders are declared: declare them in the policy so that someone is told.",
    "",
    "modelgate checks again every day: it updates this issue while the findings change and closes it once the newest reports are current and within every threshold.",
  ];
  return truncateChars(lines.join("\n"), ISSUE_BODY_MAX_CHARS, "\n… truncated");
}

function findingLines(status: MonitoringStatus, policy: Policy): string[] {
  // the body an issue is closed with: the same findings coming back later differ from it (the issue reopens)
  if (status.findings.length === 0)
    return ["✅ **Cleared:** the newest reports are current and within every threshold."];
  return [
    "| finding | metric | value | threshold | report |",
    "|---|---|---|---|---|",
    ...status.findings.map((finding) => findingRow(finding, policy)),
  ];
}

function reportLines(status: MonitoringStatus): string[] {
  if (status.reports.length === 0) return ["No report was found."];
  const use = { counted: "read", "other-version": "another version's", refused: "refused" } as const;
  return [
    "<details><summary>Reports looked at</summary>",
    "",
    "| report | format | dated | used |",
    "|---|---|---|---|",
    ...status.reports.map(
      (r) =>
        `| ${code(r.source, true)} | ${r.format ?? "?"} | ${r.at ? code(r.at.slice(0, 60), true) : "—"} | ${use[r.use]} |`,
    ),
    "",
    "</details>",
  ];
}

/** The comment a drift issue is closed with. */
export function renderDriftClearedComment(status: MonitoringStatus): string {
  return `The newest monitoring report (${code(status.newest?.source ?? "")}, dated ${code((status.newest?.at ?? "").slice(0, 60))}) is current and within every threshold. Closing.`;
}

export function renderDriftNotInUseComment(): string {
  return "This version is no longer on the default branch nor in the latest release. Closing.";
}
