import { describe, expect, it } from "vitest";
import { buildAuditReport } from "../../../src/core/audit/build-report.js";
import type { AuditMonitoringInput } from "../../../src/core/audit/monitoring.js";
import { renderAuditHtml } from "../../../src/core/audit/render-html.js";
import type { AuditInput, HistoryStep } from "../../../src/core/audit/types.js";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { emptySnapshot, type Snapshot } from "../../../src/core/detect/snapshot.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { policySchema } from "../../../src/core/policy/schema.js";
import { modelFiles, snapshot } from "../../fixtures/manifests.js";

const policy = policySchema.parse({
  monitoring: {
    reports: {},
    thresholds: [
      { metric: "accuracy", min: 0.9 },
      { metric: "attack_success_rate", max: 0.05, security: true },
    ],
  },
});
const NOW = new Date("2026-11-28T12:00:00Z");
const OFFLINE = {
  available: false,
  authors: [],
  headSha: "",
  reviews: [],
  signOffs: {},
  signOffIssues: {},
  teamMembership: {},
};
const sha = (n: number) => String(n).repeat(40).slice(0, 40);
const dataset = { name: "<b>holdout</b>", sha256: "c".repeat(64) };

function step(commit: string, date: string, base: Snapshot, head: Snapshot): HistoryStep {
  const detected = detectChanges(policy, base, head);
  const decision = evaluateGate({ policy, base, head, facts: OFFLINE, now: new Date(date), detected });
  return { commit, date, author: "Dev", subject: `commit ${commit}`, changes: detected.changes, decision };
}

/** fraud 1.0.0 measured, 1.1.0 retrained and regressed (the dataset's name is hostile markup), on one dataset. */
function input(monitoring?: AuditMonitoringInput): AuditInput {
  const v1 = modelFiles({
    dir: "m",
    name: "fraud",
    version: "1.0.0",
    evaluation: { date: "2026-06-01", metrics: { accuracy: 0.93, auc: 0.95 }, dataset },
  });
  const v2 = modelFiles({
    dir: "m",
    name: "fraud",
    version: "1.1.0",
    components: { "weights/model.safetensors": { kind: "weights", lfs: "w2" } },
    evaluation: { date: "2026-07-01", metrics: { accuracy: 0.87, auc: 0.94 }, dataset },
  });
  const s1 = snapshot(v1.files, sha(1));
  const s2 = snapshot(v2.files, sha(2));
  const detected = detectChanges(policy, emptySnapshot(), s2);
  return {
    repository: "acme/models",
    ref: "main",
    commit: sha(2),
    generatedAt: NOW.toISOString(),
    toolVersion: "0.1.0",
    policy: { path: ".github/modelgate.yml", found: true, errors: [] },
    head: {
      models: detected.models.head,
      errors: [],
      decision: evaluateGate({ policy, base: emptySnapshot(), head: s2, facts: OFFLINE, now: NOW }),
      unmanaged: [],
      bom: [],
    },
    history: [step(sha(1), "2026-06-02T10:00:00Z", emptySnapshot(), s1), step(sha(2), "2026-07-02T10:00:00Z", s1, s2)],
    tags: [],
    ...(monitoring ? { monitoring } : {}),
  };
}

function withReport(generatedAt: string): AuditMonitoringInput {
  const digest = input().head.models[0]!.digest;
  return {
    policy: policy.monitoring!,
    versions: [
      {
        name: "fraud",
        version: "1.1.0",
        digest,
        found: [
          {
            read: {
              ok: true,
              report: {
                format: "modelgate",
                source: "monitoring/fraud/1.1.0/a.json",
                model: "fraud",
                version: "1.1.0",
                generatedAt,
                metrics: { accuracy: 0.95, attack_success_rate: 0.2 },
                notes: [],
              },
            },
          },
        ],
      },
    ],
  };
}

describe("the metrics chart", () => {
  it("draws one accessible panel per metric, the threshold dashed, the regressed point a red ring; every value in a table; names escaped", () => {
    const report = buildAuditReport(input(withReport("2026-11-27T06:00:00Z")));
    const html = renderAuditHtml(report);
    expect(report.models[0]!.versions.map((v) => v.measured?.metrics.accuracy)).toEqual([0.93, 0.87]);
    expect(html).toContain('<title id="model-fraud-m0-t">accuracy of fraud over time</title>');
    expect(html).toContain(
      '<desc id="model-fraud-m0-d">accuracy of fraud at each evaluation: 1.0.0 0.93 (2026-06-01), 1.1.0 0.87 (2026-07-01). Monitoring threshold: ≥ 0.9.</desc>',
    );
    expect(html).toContain('stroke-dasharray="4 3"');
    expect(html).toMatch(
      /<circle cx="236" cy="[\d.]+" r="5" fill="#fff" stroke="#cf222e" stroke-width="2.5"><title>1\.1\.0: 0\.87 \(2026-07-01\), outside the monitoring threshold<\/title><\/circle>/,
    );
    expect(html).toContain("<caption>Metrics of fraud at each evaluation</caption>");
    // text from the manifest is text, never markup
    expect(html).not.toContain("<b>holdout</b>");
    expect(html).toContain("&lt;b&gt;holdout&lt;/b&gt;");
    // nothing that could fetch
    expect(html).not.toMatch(/<(img|image|script|link)\b|href="http/);
  });

  it("a model without measured evaluations has no chart", () => {
    const html = renderAuditHtml(buildAuditReport({ ...input(), history: [] }));
    expect(html).not.toContain("Measured at evaluation");
  });
});

describe("monitoring in the audit", () => {
  it("current reports: the history lists the report and its breach, and 5.4.2-2, 5.4.2-4 are evidenced", () => {
    const report = buildAuditReport(input(withReport("2026-11-27T06:00:00Z")));
    expect(report.monitoring?.current).toBe(true);
    expect(report.monitoring?.versions[0]?.history).toEqual([
      {
        source: "monitoring/fraud/1.1.0/a.json",
        format: "modelgate",
        at: "2026-11-27T06:00:00Z",
        use: "counted",
        values: { accuracy: 0.95, attack_success_rate: 0.2 },
        breaches: ["attack_success_rate"],
      },
    ]);
    const coverage = Object.fromEntries(report.provisions.map((p) => [p.id, p.coverage]));
    expect([coverage["5.4.2-2"], coverage["5.4.2-4"], coverage["5.2.5-1"]]).toEqual([
      "evidenced",
      "evidenced",
      "evidenced",
    ]);
    const p5421 = report.provisions.find((p) => p.id === "5.2.5-1")!;
    expect(p5421.evidenceKinds).toEqual(["evaluations", "monitoring"]);
    expect(p5421.findings).toContain("fraud 1.1.0: production monitoring has 1 finding");
    expect(renderAuditHtml(report)).toContain("✗ 0.2");
  });

  it.each([
    ["reports too old", withReport("2026-11-01T06:00:00Z")],
    ["no monitoring configured", undefined],
    ["reports on GitHub (a workflow's artefacts): not read", { policy: policy.monitoring! }],
  ])("%s: 5.4.2-2 and 5.4.2-4 stay organisational", (_name, monitoring) => {
    const report = buildAuditReport(input(monitoring));
    const coverage = Object.fromEntries(report.provisions.map((p) => [p.id, p.coverage]));
    expect([coverage["5.4.2-2"], coverage["5.4.2-4"]]).toEqual(["organisational", "organisational"]);
    expect(report.provisions.find((p) => p.id === "5.2.5-1")?.evidenceKinds).toEqual(["evaluations"]);
  });
});
