import {
  judgeMonitoring,
  type FoundReport,
  type MonitoredVersion,
  type MonitoringFinding,
} from "../monitoring/judge.js";
import type { MonitoringPolicy, MonitoringThreshold } from "../policy/monitoring-schema.js";
import { escapeHtml as e, safeHref } from "./html-escape.js";
import { format } from "./metrics-chart.js";
import type { AuditModel } from "./types.js";

/** The audit's monitoring facts (the CLI reads committed reports from git at the audited commit). */
export interface AuditMonitoringInput {
  policy: MonitoringPolicy;
  /** Each version at the head with its reports; undefined when they come from a workflow's artefacts (on GitHub). */
  versions?: Array<MonitoredVersion & { found: FoundReport[] }>;
}

/** A "Drift detected" issue, read with --github (docs/monitoring.md). */
export interface DriftIssueEvidence {
  number: number;
  url: string;
  state: "open" | "closed";
  createdAt: string;
  closedAt?: string;
  model: string;
  version: string;
  digest: string;
}

/** One report as the monitoring history shows it: what it said of the thresholds' metrics. */
export interface AuditReportRow {
  source: string;
  format?: string;
  at?: string;
  use: "counted" | "other-version" | "refused";
  reason?: string;
  values: Record<string, number | null>;
  /** Metrics of this report outside their thresholds. */
  breaches: string[];
}

export interface AuditMonitoring {
  /** Where reports come from, as the policy says. */
  source: string;
  /** Whether the audit read them (committed reports are; a workflow's artefacts are on GitHub only). */
  read: boolean;
  maxReportAgeDays: number;
  thresholds: MonitoringThreshold[];
  /** Every version at the head has a current report and no refused one: 5.4.2-2, 5.4.2-4 are evidenced. */
  current: boolean;
  versions: Array<
    MonitoredVersion & {
      findings: MonitoringFinding[];
      newest?: { source: string; at: string };
      history: AuditReportRow[];
    }
  >;
}

/** Judges each version's reports as the daily run does (judgeMonitoring), at the report's time, and each report alone for its history row. */
export function buildAuditMonitoring(input: AuditMonitoringInput, now: Date): AuditMonitoring {
  const { policy } = input;
  const source = policy.reports.workflow
    ? `the newest artefact ${policy.reports.artifact} of the workflow ${policy.reports.workflow}, at ${policy.reports.path}`
    : `committed under ${policy.reports.path}`;
  const versions = (input.versions ?? []).map(({ found, ...version }) => {
    const status = judgeMonitoring(policy, version, found, now);
    const history = found.map((one, index): AuditReportRow => {
      const alone = judgeMonitoring(policy, version, [one], now);
      const row = alone.reports[0] ?? status.reports[index]!;
      const breaches = alone.findings.flatMap((f) =>
        f.kind === "above" || f.kind === "below" || f.kind === "not-a-number" ? [f.metric] : [],
      );
      return {
        source: row.source,
        ...(row.format ? { format: row.format } : {}),
        ...(row.at ? { at: row.at } : {}),
        use: row.use,
        ...(row.reason ? { reason: row.reason } : {}),
        values: row.use === "counted" ? alone.values : {},
        breaches: row.use === "counted" ? breaches : [],
      };
    });
    history.sort((a, b) => (b.at ?? "").localeCompare(a.at ?? "") || a.source.localeCompare(b.source));
    return { ...version, findings: status.findings, ...(status.newest ? { newest: status.newest } : {}), history };
  });
  const current =
    input.versions !== undefined &&
    versions.every(
      (v) => !v.findings.some((f) => f.kind === "no-report" || f.kind === "stale" || f.kind === "refused"),
    );
  return {
    source,
    read: input.versions !== undefined,
    maxReportAgeDays: policy.max_report_age_days,
    thresholds: policy.thresholds,
    current,
    versions,
  };
}

const FINDING_TEXT: Record<MonitoringFinding["kind"], string> = {
  above: "above its maximum",
  below: "below its minimum",
  "not-a-number": "not a number",
  missing: "not reported",
  "no-report": "no report",
  stale: "the newest report is too old",
  refused: "a report was refused",
};

/** The monitoring history of a model's versions at the head (docs/audit.md): every report read, its values, its breaches. */
export function monitoringSection(
  model: AuditModel,
  monitoring: AuditMonitoring | undefined,
  issues: ReadonlyArray<DriftIssueEvidence> = [],
): string {
  if (!monitoring) return "";
  const mine = issues.filter((i) => i.model === model.name);
  const issueList =
    mine.length === 0
      ? ""
      : `<p>Drift detected issues: ${mine
          .map(
            (i) =>
              `${safeHref(i.url) ? `<a href="${e(i.url)}">#${i.number}</a>` : `#${i.number}`} (${e(i.version)}, opened ${e(i.createdAt.slice(0, 10))}, ${i.state === "open" ? "open" : `closed ${e((i.closedAt ?? "").slice(0, 10))}`})`,
          )
          .join(", ")}</p>`;
  if (!monitoring.read)
    return `<h4>Production monitoring</h4><p class="muted">Reports come from ${e(monitoring.source)}: on GitHub, not read by this audit. The daily run of the App judges them and opens "Drift detected" issues.</p>${issueList}`;
  const versions = monitoring.versions.filter((v) => v.name === model.name);
  if (versions.length === 0 && mine.length === 0) return "";
  const metrics = monitoring.thresholds.map((t) => t.metric);
  const out = ["<h4>Production monitoring</h4>", issueList];
  for (const v of versions) {
    const state =
      v.findings.length === 0
        ? `<b class="passed">✓ current and within every threshold</b>`
        : `<b class="failed">✗ ${e([...new Set(v.findings.map((f) => FINDING_TEXT[f.kind]))].join("; "))}</b>`;
    out.push(
      `<p>Version ${e(v.version)}: ${state} (reports ${e(monitoring.source.replace("committed under ", "under "))}, at most ${monitoring.maxReportAgeDays} days old)</p>`,
    );
    if (v.history.length === 0) continue;
    const head = `<th>Report<th>Format<th>Dated<th>Used${metrics.map((m) => `<th>${e(m)}`).join("")}`;
    const rows = v.history.map((r) => {
      const used = { counted: "read", "other-version": "another version's", refused: `refused: ${r.reason ?? ""}` }[
        r.use
      ];
      const cells = metrics.map((m) => {
        if (!Object.hasOwn(r.values, m)) return "<td>—";
        const value = r.values[m];
        const text = value === null || value === undefined ? "not a number" : format(value);
        return r.breaches.includes(m) ? `<td class="failed">✗ ${e(text)}` : `<td>${e(text)}`;
      });
      return `<tr><th><code>${e(r.source)}</code><td>${e(r.format ?? "?")}<td>${e((r.at ?? "—").slice(0, 16).replace("T", " "))}<td>${e(used)}${cells.join("")}</tr>`;
    });
    out.push(
      `<table class="mh"><caption>Monitoring reports of ${e(model.name)} ${e(v.version)}, newest first</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`,
    );
  }
  return out.join("");
}
