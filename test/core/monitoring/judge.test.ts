import { describe, expect, test } from "vitest";
import {
  judgeMonitoring,
  reportFilesIn,
  reportFolder,
  reportTime,
  type FoundReport,
} from "../../../src/core/monitoring/judge.js";
import type { MonitoringReport } from "../../../src/core/monitoring/report.js";
import { policySchema } from "../../../src/core/policy/schema.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const VERSION = { name: "fraud-detector", version: "2.0.0", digest: `sha256:${"a".repeat(64)}` };
const monitoring = (thresholds: unknown[] = [], extra: Record<string, unknown> = {}) =>
  policySchema.parse({ monitoring: { reports: {}, thresholds, ...extra } }).monitoring!;

function report(
  fields: Partial<MonitoringReport> & { metrics?: MonitoringReport["metrics"] },
  sourceTime?: string,
): FoundReport {
  return {
    read: {
      ok: true,
      report: {
        format: "modelgate",
        source: "r.json",
        model: "fraud-detector",
        version: "2.0.0",
        generatedAt: "2026-11-27T06:00:00Z",
        metrics: {},
        notes: [],
        ...fields,
      },
    },
    ...(sourceTime ? { sourceTime } : {}),
  };
}

describe("thresholds", () => {
  const rules = [
    { metric: "attack_success_rate", max: 0.05, security: true },
    { metric: "accuracy", min: 0.9 },
  ];
  test.each([
    ["within both", { attack_success_rate: 0.03, accuracy: 0.91 }, []],
    ["at the limits exactly", { attack_success_rate: 0.05, accuracy: 0.9 }, []],
    ["above a maximum", { attack_success_rate: 0.12, accuracy: 0.91 }, ["above attack_success_rate"]],
    ["below a minimum", { attack_success_rate: 0.03, accuracy: 0.85 }, ["below accuracy"]],
    ["not a number", { attack_success_rate: null, accuracy: 0.91 }, ["not-a-number attack_success_rate"]],
    ["missing", { accuracy: 0.91 }, ["missing attack_success_rate"]],
  ])("%s", (_name, metrics, expected) => {
    const status = judgeMonitoring(monitoring(rules), VERSION, [report({ metrics })], NOW);
    expect(status.findings.map((f) => `${f.kind} ${"metric" in f ? f.metric : ""}`)).toEqual(expected);
  });

  test("a security metric crossed is a security breach, dated by its report; an accuracy one is not", () => {
    const breach = judgeMonitoring(
      monitoring(rules),
      VERSION,
      [report({ metrics: { attack_success_rate: 0.2, accuracy: 0.5 } })],
      NOW,
    );
    expect(breach.securityBreach).toEqual({ at: "2026-11-27T06:00:00Z", metrics: ["attack_success_rate"] });
    const accuracy = judgeMonitoring(
      monitoring(rules),
      VERSION,
      [report({ metrics: { attack_success_rate: 0.01, accuracy: 0.5 } })],
      NOW,
    );
    expect(accuracy.securityBreach).toBeUndefined();
  });

  test("each metric is taken from the newest report that has it", () => {
    const older = report({
      source: "old.json",
      generatedAt: "2026-11-20T00:00:00Z",
      metrics: { accuracy: 0.5, attack_success_rate: 0.01 },
    });
    const newer = report({ source: "new.json", generatedAt: "2026-11-27T00:00:00Z", metrics: { accuracy: 0.95 } });
    const status = judgeMonitoring(monitoring(rules), VERSION, [older, newer], NOW);
    expect(status.findings).toEqual([]);
    expect(status.values).toEqual({ attack_success_rate: 0.01, accuracy: 0.95 });
    expect(status.newest).toEqual({ source: "new.json", at: "2026-11-27T00:00:00Z" });
  });
});

describe("threshold scope and report dates", () => {
  test("a threshold naming models applies to those models only", () => {
    const rules = [{ metric: "share_of_drifted_columns", max: 0.3, models: ["credit-scorer"] }];
    expect(judgeMonitoring(monitoring(rules), VERSION, [report({ metrics: {} })], NOW).findings).toEqual([]);
    const scorer = { ...VERSION, name: "credit-scorer" };
    expect(
      judgeMonitoring(monitoring(rules), scorer, [report({ model: "credit-scorer", metrics: {} })], NOW).findings,
    ).toEqual([{ kind: "missing", metric: "share_of_drifted_columns", security: false }]);
  });

  test("a date-time without an offset (Evidently's naive timestamp) is UTC, wherever modelgate runs", () => {
    const status = judgeMonitoring(monitoring(), VERSION, [report({ generatedAt: "2026-11-28T12:30:00.123456" })], NOW);
    // 30 minutes ahead of the clock: within the tolerance, counted
    expect(status.findings).toEqual([]);
    expect(reportTime("2026-11-28T12:30:00.123456")).toBe(Date.parse("2026-11-28T12:30:00.123Z"));
  });
});

describe("report age", () => {
  test.each([
    ["a day old", "2026-11-27T12:00:00Z", []],
    ["exactly 7 days old", "2026-11-21T12:00:00Z", []],
    ["8 days old", "2026-11-20T11:00:00Z", ["stale"]],
  ])("%s (max_report_age_days 7)", (_name, at, expected) => {
    const status = judgeMonitoring(monitoring(), VERSION, [report({ generatedAt: at })], NOW);
    expect(status.findings.map((f) => f.kind)).toEqual(expected);
  });

  test("no report at all", () => {
    expect(judgeMonitoring(monitoring(), VERSION, [], NOW).findings).toEqual([{ kind: "no-report" }]);
  });

  test("a report without a date of its own is dated by its source (commit or artefact)", () => {
    const found = report(
      { format: "sagemaker", model: undefined, version: undefined, generatedAt: undefined },
      "2026-11-10T00:00:00Z",
    );
    expect(judgeMonitoring(monitoring(), VERSION, [found], NOW).findings.map((f) => f.kind)).toEqual(["stale"]);
  });
});

describe("which reports count", () => {
  test("attack: a report for another model is refused and does not make the monitoring current", () => {
    const status = judgeMonitoring(monitoring(), VERSION, [report({ model: "other-model" })], NOW);
    expect(status.findings).toEqual([
      { kind: "refused", report: "r.json", reason: "it is a report of another model (other-model)" },
      { kind: "no-report" },
    ]);
  });

  test("attack: a clean report of another version or digest does not speak for this one", () => {
    const other = judgeMonitoring(monitoring(), VERSION, [report({ version: "1.9.0" })], NOW);
    expect(other.findings).toEqual([{ kind: "no-report" }]);
    expect(other.reports).toEqual([
      { source: "r.json", format: "modelgate", at: "2026-11-27T06:00:00Z", use: "other-version" },
    ]);
    const digest = judgeMonitoring(monitoring(), VERSION, [report({ digest: `sha256:${"b".repeat(64)}` })], NOW);
    expect(digest.findings).toEqual([{ kind: "no-report" }]);
  });

  test("attack: a report dated in the future is refused (it would stay current forever)", () => {
    const status = judgeMonitoring(monitoring(), VERSION, [report({ generatedAt: "2030-01-01T00:00:00Z" })], NOW);
    expect(status.findings).toEqual([
      { kind: "refused", report: "r.json", reason: "it is dated in the future (2030-01-01T00:00:00Z)" },
      { kind: "no-report" },
    ]);
  });

  test("an unreadable report is a finding", () => {
    const status = judgeMonitoring(
      monitoring(),
      VERSION,
      [{ read: { ok: false, source: "x.json", reason: "not JSON" } }, report({})],
      NOW,
    );
    expect(status.findings).toEqual([{ kind: "refused", report: "x.json", reason: "not JSON" }]);
  });
});

describe("report folders", () => {
  test("the template is filled in; only the folder's own .json files count, the last 20 by name", () => {
    expect(reportFolder("monitoring/{model}/{version}", VERSION)).toBe("monitoring/fraud-detector/2.0.0");
    const paths = [
      "monitoring/fraud-detector/2.0.0/a.json",
      "monitoring/fraud-detector/2.0.0/b.JSON",
      "monitoring/fraud-detector/2.0.0/notes.md",
      "monitoring/fraud-detector/2.0.0/old/c.json",
      "monitoring/fraud-detector/2.0.00/d.json",
      ...Array.from({ length: 30 }, (_, i) => `monitoring/fraud-detector/2.0.0/z${String(i).padStart(2, "0")}.json`),
    ];
    const files = reportFilesIn("monitoring/fraud-detector/2.0.0", paths);
    expect(files).toHaveLength(20);
    expect(files[0]).toBe("monitoring/fraud-detector/2.0.0/z10.json");
    expect(reportFilesIn("monitoring/fraud-detector/2.0.0", paths.slice(0, 5))).toEqual([
      "monitoring/fraud-detector/2.0.0/a.json",
      "monitoring/fraud-detector/2.0.0/b.JSON",
    ]);
  });
});

describe("the policy section", () => {
  test("defaults", () => {
    expect(monitoring()).toEqual({
      reports: { path: "monitoring/{model}/{version}", artifact: "monitoring-reports" },
      max_report_age_days: 7,
      thresholds: [],
    });
    expect(monitoring([{ metric: "violations", max: 0 }]).thresholds).toEqual([
      { metric: "violations", max: 0, security: false },
    ]);
  });

  test.each([
    [{ reports: { path: "monitoring/../{model}" } }, "relative"],
    [{ reports: { path: "/monitoring/{model}" } }, "relative"],
    [{ reports: { path: "monitoring/all" } }, "names {model}"],
    [{ reports: { path: "monitoring/{model}/{date}" } }, "placeholders"],
    [{ reports: { workflow: "../evil.yml" } }, "workflow"],
    [{ reports: {}, thresholds: [{ metric: "a" }] }, "max, min or both"],
    [{ reports: {}, thresholds: [{ metric: "a", min: 2, max: 1 }] }, "not above"],
    [{ reports: {}, max_report_age_days: 0 }, ""],
  ])("refused: %j", (section, message) => {
    const parsed = policySchema.safeParse({ monitoring: section });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join("; ")).toContain(message);
  });
});
