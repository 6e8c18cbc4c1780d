import type { PolicyDifference } from "./compare-policies.js";
import type { MonitoringPolicy, MonitoringThreshold } from "./monitoring-schema.js";

/**
 * What a proposed `monitoring` section changes (docs/monitoring.md), for the `modelgate / policy` check: dropping
 * monitoring, a threshold, or allowing older reports weakens it; a changed threshold is a removed one and an added
 * one (weakens: a reviewer looks at it); a new source changes it.
 */
export function compareMonitoring(
  current: MonitoringPolicy | undefined,
  proposed: MonitoringPolicy | undefined,
): PolicyDifference[] {
  if (!current && !proposed) return [];
  if (!current || !proposed)
    return [
      {
        setting: "monitoring",
        from: current ? "configured" : "(none)",
        to: proposed ? "configured" : "(none)",
        effect: proposed ? "strengthens" : "weakens",
      },
    ];
  const differences: PolicyDifference[] = [];
  const source = (m: MonitoringPolicy) =>
    m.reports.workflow
      ? `workflow ${m.reports.workflow}, artefact ${m.reports.artifact}, ${m.reports.path}`
      : m.reports.path;
  if (source(current) !== source(proposed))
    differences.push({ setting: "monitoring.reports", from: source(current), to: source(proposed), effect: "changes" });
  if (current.max_report_age_days !== proposed.max_report_age_days)
    differences.push({
      setting: "monitoring.max_report_age_days",
      from: String(current.max_report_age_days),
      to: String(proposed.max_report_age_days),
      effect: proposed.max_report_age_days < current.max_report_age_days ? "strengthens" : "weakens",
    });
  const from = current.thresholds.map(thresholdText);
  const to = proposed.thresholds.map(thresholdText);
  const removed = from.filter((t) => !to.includes(t));
  const added = to.filter((t) => !from.includes(t));
  if (removed.length > 0 || added.length > 0)
    differences.push({
      setting: "monitoring.thresholds",
      from: from.join("; ") || "(none)",
      to: to.join("; ") || "(none)",
      effect: removed.length > 0 ? "weakens" : "strengthens",
    });
  return differences;
}

function thresholdText(t: MonitoringThreshold): string {
  const bounds = [t.min !== undefined ? `≥ ${t.min}` : "", t.max !== undefined ? `≤ ${t.max}` : ""].filter(Boolean);
  return `${t.metric} ${bounds.join(" ")}${t.security ? " (security)" : ""}${t.models ? ` for ${t.models.join(", ")}` : ""}`;
}
