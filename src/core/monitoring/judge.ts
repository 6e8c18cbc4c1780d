import type { MonitoringPolicy, MonitoringThreshold } from "../policy/monitoring-schema.js";
import type { MonitoringReport, ReadReport, ReportFormat } from "./report.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A report may be dated this far ahead of the clock (clock skew); later is refused as dated in the future. */
export const FUTURE_TOLERANCE_MS = 60 * 60 * 1000;

/** A report as found: what was read, and the time its source vouches for (the commit or the artefact). */
export interface FoundReport {
  read: ReadReport;
  /** The commit date of the file, or the artefact's creation time (ISO 8601); used when the report has no date. */
  sourceTime?: string;
}

/** One model version the daily run monitors. */
export interface MonitoredVersion {
  name: string;
  version: string;
  digest: string;
}

export type MonitoringFinding =
  | { kind: "above" | "below"; metric: string; value: number; limit: number; security: boolean; report: string }
  | { kind: "not-a-number"; metric: string; security: boolean; report: string }
  | { kind: "missing"; metric: string; security: boolean }
  | { kind: "no-report" }
  | { kind: "stale"; report: string; at: string; ageDays: number }
  | { kind: "refused"; report: string; reason: string };

/** A report the judgement looked at, for the issue and the audit. */
export interface JudgedReport {
  source: string;
  format?: ReportFormat;
  at?: string;
  /** counted: it speaks for this version; other-version: it names another version or digest; refused: see reason. */
  use: "counted" | "other-version" | "refused";
  reason?: string;
}

export interface MonitoringStatus extends MonitoredVersion {
  findings: MonitoringFinding[];
  reports: JudgedReport[];
  /** The newest counted report, when there is one. */
  newest?: { source: string; at: string };
  /** Values of the thresholds' metrics, as judged (metric → value, null when not a number). */
  values: Record<string, number | null>;
  /** A threshold marked `security: true` is breached: the time of the report that shows it (docs/re-evaluation.md). */
  securityBreach?: { at: string; metrics: string[] };
}

/**
 * docs/monitoring.md: judges one model version's reports. Counted are the readable reports that are dated (their
 * own date, else their source's), not in the future, and name no other model (refused) nor another version or
 * digest (left to that version). Findings: no counted report; the newest older than `max_report_age_days`; each
 * threshold's metric, from the newest counted report that has it, above `max`, below `min`, not a number or
 * missing; every refused report. No finding: the issue stays closed or closes.
 */
export function judgeMonitoring(
  policy: MonitoringPolicy,
  version: MonitoredVersion,
  found: ReadonlyArray<FoundReport>,
  now: Date,
): MonitoringStatus {
  const findings: MonitoringFinding[] = [];
  const reports: JudgedReport[] = [];
  const counted: Array<{ report: MonitoringReport; time: number; at: string }> = [];
  for (const { read, sourceTime } of found) {
    if (!read.ok) {
      reports.push({ source: read.source, use: "refused", reason: read.reason });
      findings.push({ kind: "refused", report: read.source, reason: read.reason });
      continue;
    }
    const report = read.report;
    const at = report.generatedAt ?? sourceTime;
    const refuse = (reason: string) => {
      reports.push({ source: report.source, format: report.format, ...(at ? { at } : {}), use: "refused", reason });
      findings.push({ kind: "refused", report: report.source, reason });
    };
    const time = at === undefined ? Number.NaN : reportTime(at);
    if (Number.isNaN(time)) {
      refuse("it has no readable date");
      continue;
    }
    if (time > now.getTime() + FUTURE_TOLERANCE_MS) {
      refuse(`it is dated in the future (${at})`);
      continue;
    }
    if (report.model !== undefined && report.model !== version.name) {
      refuse(`it is a report of another model (${report.model})`);
      continue;
    }
    if (
      (report.version !== undefined && report.version !== version.version) ||
      (report.digest !== undefined && report.digest !== version.digest)
    ) {
      reports.push({ source: report.source, format: report.format, at: at!, use: "other-version" });
      continue;
    }
    reports.push({ source: report.source, format: report.format, at: at!, use: "counted" });
    counted.push({ report, time, at: at! });
  }
  // newest first; one instant: the source order, so the answer never depends on the listing
  counted.sort((a, b) => b.time - a.time || (a.report.source < b.report.source ? -1 : 1));
  const newest = counted[0];
  if (!newest) findings.push({ kind: "no-report" });
  else {
    const ageDays = Math.floor((now.getTime() - newest.time) / DAY_MS);
    if (now.getTime() - newest.time > policy.max_report_age_days * DAY_MS)
      findings.push({ kind: "stale", report: newest.report.source, at: newest.at, ageDays });
  }
  const values: Record<string, number | null> = {};
  const security = { time: -Infinity, at: "", metrics: [] as string[] };
  for (const threshold of policy.thresholds) {
    if (threshold.models && !threshold.models.includes(version.name)) continue;
    const holder = counted.find((entry) => Object.hasOwn(entry.report.metrics, threshold.metric));
    if (!holder) {
      findings.push({ kind: "missing", metric: threshold.metric, security: threshold.security });
      continue;
    }
    const value = holder.report.metrics[threshold.metric] ?? null;
    values[threshold.metric] = value;
    const finding = thresholdFinding(threshold, value, holder.report.source);
    if (!finding) continue;
    findings.push(finding);
    if (threshold.security) {
      security.metrics.push(threshold.metric);
      if (holder.time > security.time) Object.assign(security, { time: holder.time, at: holder.at });
    }
  }
  return {
    ...version,
    findings,
    reports,
    ...(newest ? { newest: { source: newest.report.source, at: newest.at } } : {}),
    values,
    ...(security.metrics.length > 0 ? { securityBreach: { at: security.at, metrics: security.metrics } } : {}),
  };
}

/** A report's time: a date-time without an offset (Evidently writes Python's naive `datetime`) is read as UTC. */
export function reportTime(at: string): number {
  return Date.parse(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(at) ? `${at}Z` : at);
}

function thresholdFinding(
  threshold: MonitoringThreshold,
  value: number | null,
  report: string,
): MonitoringFinding | undefined {
  const base = { metric: threshold.metric, security: threshold.security, report };
  // not a number is never within bounds: fail closed
  if (value === null) return { kind: "not-a-number", ...base };
  if (threshold.max !== undefined && value > threshold.max)
    return { kind: "above", ...base, value, limit: threshold.max };
  if (threshold.min !== undefined && value < threshold.min)
    return { kind: "below", ...base, value, limit: threshold.min };
  return undefined;
}

/** The folder of a model version's reports: the policy's path with `{model}` and `{version}` filled in. */
export function reportFolder(template: string, version: Pick<MonitoredVersion, "name" | "version">): string {
  return template.replaceAll("{model}", version.name).replaceAll("{version}", version.version);
}

/** The report files of a folder: its own `.json` files (not those of sub-folders), at most MAX_REPORTS_PER_VERSION. */
export const MAX_REPORTS_PER_VERSION = 20;
export function reportFilesIn(folder: string, paths: Iterable<string>): string[] {
  const prefix = `${folder}/`;
  return [...paths]
    .filter(
      (path) =>
        path.startsWith(prefix) && !path.slice(prefix.length).includes("/") && path.toLowerCase().endsWith(".json"),
    )
    .sort()
    .slice(-MAX_REPORTS_PER_VERSION);
}
