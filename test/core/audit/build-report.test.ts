import { describe, expect, it } from "vitest";
import { buildAuditReport } from "../../../src/core/audit/build-report.js";
import { parseDecisionRecord } from "../../../src/core/audit/check-run-record.js";
import { PROVISION_CLAUSES, PROVISIONS } from "../../../src/core/audit/provisions.js";
import { renderAuditHtml } from "../../../src/core/audit/render-html.js";
import type { AuditInput, GitHubEvidence, HistoryStep } from "../../../src/core/audit/types.js";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { renderText } from "../../../src/core/render/check-run.js";
import { defaultPolicy, policySchema } from "../../../src/core/policy/schema.js";
import { emptySnapshot, type Snapshot } from "../../../src/core/detect/snapshot.js";
import { TEST_NOW as NOW } from "../../fixtures/clock.js";
import { modelFiles, snapshot, type ModelSpec } from "../../fixtures/manifests.js";

const policy = defaultPolicy();
const OFFLINE = {
  available: false,
  authors: [],
  headSha: "",
  reviews: [],
  signOffs: {},
  signOffIssues: {},
  teamMembership: {},
};

function step(commit: string, date: string, base: Snapshot, head: Snapshot): HistoryStep {
  const detected = detectChanges(policy, base, head);
  const decision = evaluateGate({ policy, base, head, facts: OFFLINE, now: new Date(date), detected });
  return { commit, date, author: "Dev", subject: `commit ${commit}`, changes: detected.changes, decision };
}

const commitSha = (n: number): string => String(n).repeat(40).slice(0, 40);
const fraud = (spec: Partial<ModelSpec>) => modelFiles({ dir: "models/fraud", name: "fraud", ...spec });

/** fraud 1.0.0 (evaluated), 1.1.0 retrained with its evaluation, 1.2.0 retrained without one; then decommissioned. */
function input(github?: GitHubEvidence): AuditInput {
  const v1 = fraud({ version: "1.0.0", evaluation: { date: "2026-06-01" } });
  const v2 = fraud({
    version: "1.1.0",
    components: { "weights/model.safetensors": { kind: "weights", lfs: "w2" } },
    evaluation: { date: "2026-07-01" },
  });
  const v3 = fraud({
    version: "1.2.0",
    components: { "weights/model.safetensors": { kind: "weights", lfs: "w3" } },
    evaluation: false,
  });
  const v4 = fraud({
    version: "1.2.0",
    status: "decommissioned",
    components: { "weights/model.safetensors": { kind: "weights", lfs: "w3" } },
    evaluation: false,
  });
  const s1 = snapshot(v1.files, commitSha(1));
  const s2 = snapshot(v2.files, commitSha(2));
  const s3 = snapshot(v3.files, commitSha(3));
  const s4 = snapshot(v4.files, commitSha(4));
  const history = [
    step(commitSha(1), "2026-06-02T10:00:00Z", emptySnapshot(), s1),
    step(commitSha(2), "2026-07-02T10:00:00Z", s1, s2),
    step(commitSha(3), "2026-08-02T10:00:00Z", s2, s3),
    step(commitSha(4), "2026-09-02T10:00:00Z", s3, s4),
  ];
  const headDecision = evaluateGate({ policy, base: emptySnapshot(), head: s4, facts: OFFLINE, now: NOW });
  const detected = detectChanges(policy, emptySnapshot(), s4);
  return {
    repository: "acme/models",
    ref: "main",
    commit: commitSha(4),
    generatedAt: NOW.toISOString(),
    toolVersion: "0.1.0",
    policy: { path: ".github/modelgate.yml", found: false, errors: [] },
    head: {
      models: detected.models.head,
      errors: [],
      decision: headDecision,
      unmanaged: [{ path: "shadow.gguf", source: "artifact", change: "added" }],
      bom: [],
    },
    history,
    tags: [
      {
        name: "v1",
        commit: commitSha(2),
        models: [{ name: "fraud", version: "1.1.0", digest: v2.digest, status: "active" }],
      },
    ],
    ...(github ? { github } : {}),
  };
}

describe("buildAuditReport", () => {
  it("lists every version of a model from its history, judged as the gate judged the change, offline", () => {
    const report = buildAuditReport(input());
    const [model] = report.models;
    expect(model!.name).toBe("fraud");
    expect(model!.status).toBe("decommissioned");
    expect(model!.versions.map((v) => [v.version, v.kinds.join("+"), v.outcome, v.outcomeSource])).toEqual([
      ["1.0.0", "new_model", "pending", "recomputed"],
      ["1.1.0", "retrain", "pending", "recomputed"],
      ["1.2.0", "retrain", "failed", "recomputed"],
      ["1.2.0", "decommission", "pending", "recomputed"],
    ]);
    // offline nobody is known as an author: independence is not shown as met
    expect(model!.versions[0]!.recomputed.requirements.find((r) => r.id === "evaluation.independent")?.status).toBe(
      "pending",
    );
    expect(model!.versions[0]!.evaluations.map((e) => e.date)).toEqual(["2026-06-01"]);
    expect(model!.versions[1]!.releases).toEqual([{ tag: "v1" }]);
    expect(model!.versions[2]!.releases).toEqual([]);
    expect(report.findings.map((f) => f.id)).toEqual(["F-gate-fraud-1.2.0-333333333333", "F-unmanaged-shadow.gguf"]);
    expect(report.findings[0]!.href).toBe(`#${model!.versions[2]!.id}`);
    expect(report.summary).toMatchObject({
      models: 1,
      versions: 4,
      commits: 4,
      failedVersions: 1,
      pendingVersions: 3,
      unmanaged: 1,
    });
  });

  it("has a row for every provision, and says what is not in a report made from git only", () => {
    const report = buildAuditReport(input());
    expect(report.provisions.map((p) => p.id)).toEqual(PROVISIONS.map((p) => p.id));
    const signOffs = report.provisions.find((p) => p.id === "5.1.4-3")!;
    expect(signOffs.evidence).toEqual([
      { text: "not in this report: sign-offs live on GitHub (run with --github)", href: "#sources" },
    ]);
    const unmanaged = report.provisions.find((p) => p.id === "5.2.1-2")!;
    expect(unmanaged.findings).toContain("unmanaged: shadow.gguf");
    const evaluations = report.provisions.find((p) => p.id === "5.2.5-1")!;
    expect(evaluations.evidence[0]!.text).toBe(
      "2 of 3 evaluated versions landed with a passing, current evaluation bound to their digest",
    );
    // 5.1.1-1 is evidenced by the training roster now (docs/governance.md); 5.1.1-2.1 is still the organisation's
    expect(report.provisions.find((p) => p.id === "5.1.1-2.1")).toMatchObject({
      coverage: "organisational",
      evidence: [],
    });
  });

  it("takes the outcome from modelgate's check run when GitHub was read, and joins sign-offs, pull requests, releases and end of life", () => {
    const base = input();
    const [v1, v2] = base.history.map((s) => s.changes[0]!);
    const github: GitHubEvidence = {
      repository: "acme/models",
      url: "https://github.com/acme/models",
      appId: 7,
      markersVerified: true,
      pullRequests: [
        {
          number: 1,
          url: "https://github.com/acme/models/pull/1",
          title: "fraud 1.0.0",
          author: "dev",
          headSha: "a".repeat(40),
          mergeCommitSha: commitSha(1),
          mergedAt: "2026-06-02T10:00:00Z",
        },
        {
          number: 2,
          url: "https://github.com/acme/models/pull/2",
          title: "retrain fraud",
          author: "dev",
          headSha: "b".repeat(40),
          mergeCommitSha: commitSha(2),
          mergedAt: "2026-07-02T10:00:00Z",
        },
      ],
      releases: [
        {
          id: 9,
          tag: "v1",
          name: "v1",
          url: "https://github.com/acme/models/releases/tag/v1",
          publishedAt: "2026-07-03T00:00:00Z",
          draft: false,
          prerelease: false,
          commit: commitSha(2),
          bomAsset: {
            name: "modelgate-bom.cdx.json",
            url: "https://github.com/acme/models/releases/download/v1/modelgate-bom.cdx.json",
          },
        },
      ],
      checkRuns: [
        {
          name: "modelgate",
          headSha: "a".repeat(40),
          conclusion: "success",
          status: "completed",
          url: "https://github.com/acme/models/runs/1",
          completedAt: "2026-06-02T09:00:00Z",
          models: [{ name: "fraud", digest: v1!.digest, verdict: "success" }],
        },
        {
          name: "modelgate",
          headSha: "b".repeat(40),
          conclusion: "success",
          status: "completed",
          url: "https://github.com/acme/models/runs/2",
          completedAt: "2026-07-02T09:00:00Z",
          models: [
            { name: "fraud", digest: v2!.digest, verdict: "success", override: { by: "sec-lead", reason: "hotfix" } },
          ],
        },
        {
          name: "modelgate / release",
          headSha: commitSha(2),
          conclusion: "success",
          status: "completed",
          url: "https://github.com/acme/models/runs/3",
          completedAt: "2026-07-03T00:00:00Z",
          models: [{ name: "fraud", digest: v2!.digest, verdict: "success" }],
        },
      ],
      signOffIssues: [
        {
          number: 5,
          url: "https://github.com/acme/models/issues/5",
          state: "closed",
          model: "fraud",
          version: "1.0.0",
          digest: v1!.digest,
          intent: "ship",
          pulls: [1],
          signOffs: [
            {
              role: "developer",
              state: "approved",
              by: "alice",
              at: "2026-06-01T12:00:00Z",
              url: "https://github.com/acme/models/issues/5#issuecomment-11",
            },
          ],
          refused: [],
        },
      ],
      endOfLifeIssues: [],
    };
    const report = buildAuditReport({ ...base, github });
    const versions = report.models[0]!.versions;
    expect(versions.map((v) => [v.version, v.outcome, v.outcomeSource])).toEqual([
      ["1.0.0", "passed", "check-run"],
      ["1.1.0", "overridden", "check-run"],
      ["1.2.0", "failed", "recomputed"],
      ["1.2.0", "pending", "recomputed"],
    ]);
    expect(versions[0]!.signOffs).toEqual([{ ...github.signOffIssues[0]!.signOffs[0], issue: 5 }]);
    expect(versions[0]!.pullRequests).toEqual([
      { number: 1, url: "https://github.com/acme/models/pull/1", title: "fraud 1.0.0" },
    ]);
    expect(versions[1]!.checkRuns.map((r) => [r.name, r.modelVerdict, r.pullRequest ?? r.release])).toEqual([
      ["modelgate", "success", 2],
      ["modelgate / release", "success", "v1"],
    ]);
    expect(versions[1]!.releases).toEqual([
      {
        tag: "v1",
        url: "https://github.com/acme/models/releases/tag/v1",
        publishedAt: "2026-07-03T00:00:00Z",
        prerelease: false,
        draft: false,
      },
    ]);
    expect(report.releases[0]).toMatchObject({
      tag: "v1",
      source: "release",
      bomAsset: github.releases[0]!.bomAsset!.url,
      checkRun: { conclusion: "success" },
    });
    // decommissioned, and modelgate opened no end-of-life issue: a finding
    expect(report.findings.map((f) => f.id)).toContain("F-eol-missing-fraud");
    expect(report.provisions.find((p) => p.id === "5.1.4-3")!.evidence[0]!.text).toBe("1 sign-off on 1 sign-off issue");

    const closed = buildAuditReport({
      ...base,
      github: {
        ...github,
        endOfLifeIssues: [
          {
            number: 8,
            url: "https://github.com/acme/models/issues/8",
            state: "closed",
            closedAt: "2026-09-10T00:00:00Z",
            model: "fraud",
            digest: v2!.digest,
            checklist: [{ item: "revoke credentials", checked: true }],
            unchecked: [],
            signOffs: [],
            missingRoles: [],
          },
        ],
      },
    });
    expect(closed.findings.map((f) => f.id).filter((id) => id.startsWith("F-eol"))).toEqual([]);
    expect(closed.models[0]!.endOfLife.map((i) => i.number)).toEqual([8]);
  });
});

describe("renderAuditHtml", () => {
  it("writes one self-contained document: no script, nothing fetched, every section with its anchor", () => {
    const html = renderAuditHtml(buildAuditReport(input()));
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    for (const id of [
      "summary",
      "sources",
      "findings",
      "provisions",
      "inventory",
      "unmanaged",
      "releases",
      "models",
      "model-fraud",
    ])
      expect(html).toContain(`id="${id}"`);
    for (const p of PROVISIONS) expect(html).toContain(`id="provision-${p.id}"`);
    expect(PROVISION_CLAUSES.every((c) => html.includes(`${c.clause} Principle ${c.principle}:`))).toBe(true);
  });

  it("a decommission's row says it once: the change `decommission`, not also the status `decommissioned`", () => {
    const html = renderAuditHtml(buildAuditReport(input()));
    expect(html).toContain("<td>decommission<td>");
    expect(html).not.toContain("decommission<br>decommissioned");
  });

  it('counts one model as one model ("1 models" nowhere)', () => {
    const report = buildAuditReport(input());
    expect(JSON.stringify(report)).toContain("of 1 model at the head declare their modalities");
    expect(JSON.stringify(report)).not.toMatch(/\b1 models\b/);
    expect(renderAuditHtml(report)).not.toMatch(/\b1 models\b/);
  });

  it("escapes every text from the repository: a hostile threat answer, report link or commit subject stays text", () => {
    const base = input();
    const hostile = fraud({
      version: "1.0.0",
      evaluation: {
        report: "javascript:alert(1)",
        threats: {
          data_poisoning: "</td><script>alert(1)</script>",
          model_inversion: "ok",
          membership_inference: "ok",
          model_extraction: "ok",
          evasion: "ok",
        },
      },
    });
    const s = step(commitSha(1), "2026-11-21T00:00:00Z", emptySnapshot(), snapshot(hostile.files, commitSha(1)));
    s.subject = `"><img src=x onerror=alert(1)>`;
    const html = renderAuditHtml(buildAuditReport({ ...base, history: [s] }));
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain("<code>javascript:alert(1)</code>");
    expect(html).not.toContain("<img");
  });
});

describe("parseDecisionRecord", () => {
  const decision = evaluateGate({
    policy,
    base: emptySnapshot(),
    head: snapshot(fraud({}).files),
    facts: OFFLINE,
    now: NOW,
  });

  it("reads the models of the record a modelgate check run carries in its text", () => {
    const text = renderText(decision, { checkName: "modelgate" });
    expect(parseDecisionRecord(text)).toEqual([
      { name: "fraud", digest: decision.models[0]!.digest, verdict: "action_required" },
    ]);
  });

  it.each([
    ["no text", null],
    ["no fence", "just words"],
    ["garbled JSON", "```json\n{ not json\n```"],
    ["another format", '```json\n{"format":"other/1","models":[]}\n```'],
  ])("returns nothing for %s", (_name, text) => {
    expect(parseDecisionRecord(text)).toBeUndefined();
  });
});

describe("the audit's metrics (docs/audit.md, docs/regression.md)", () => {
  const DATASET = { name: "holdout", sha256: "a".repeat(64) };
  const regressionPolicy = policySchema.parse({
    regression: {
      metrics: [
        { name: "accuracy", direction: "higher", max_drop: 0.02 },
        { name: "attack_success_rate", direction: "lower", max: 0.2, security: true },
      ],
    },
  });

  function measuredInput(): AuditInput {
    const v1 = fraud({
      version: "1.0.0",
      evaluation: { metrics: { accuracy: 0.9, attack_success_rate: 0.1 }, dataset: DATASET },
    });
    const v2 = fraud({
      version: "1.1.0",
      components: { "weights/model.safetensors": { kind: "weights", lfs: "w2" } },
      evaluation: { metrics: { accuracy: 0.85, attack_success_rate: 0.1, f1: 0.5 }, dataset: DATASET },
    });
    const s1 = snapshot(v1.files, commitSha(1));
    const s2 = snapshot(v2.files, commitSha(2));
    const judged = (commit: string, date: string, base: Snapshot, head: Snapshot): HistoryStep => {
      const detected = detectChanges(regressionPolicy, base, head);
      const decision = evaluateGate({
        policy: regressionPolicy,
        base,
        head,
        facts: OFFLINE,
        now: new Date(date),
        detected,
      });
      return { commit, date, author: "Dev", subject: `commit ${commit}`, changes: detected.changes, decision };
    };
    return {
      ...input(),
      history: [
        judged(commitSha(1), "2026-11-21T10:00:00Z", emptySnapshot(), s1),
        judged(commitSha(2), "2026-11-22T10:00:00Z", s1, s2),
      ],
    };
  }

  it("carries each version's regression comparison with the version before", () => {
    const [model] = buildAuditReport(measuredInput()).models;
    const [first, second] = model!.versions;
    expect(first!.regression?.baseline).toBeUndefined();
    expect(second!.regression?.baseline).toMatchObject({ version: "1.0.0" });
    expect(second!.regression?.rows.map((r) => [r.metric, r.baseline, r.candidate, r.status])).toEqual([
      ["accuracy", 0.9, 0.85, "failed"],
      ["attack_success_rate", 0.1, 0.1, "met"],
    ]);
  });

  it("shows the record's metrics as a small table in the version's evidence, rules first, security marked", () => {
    const html = renderAuditHtml(buildAuditReport(measuredInput()));
    expect(html).toContain(
      '<table class="mt"><caption class="d">measured on <code>holdout</code> (<code>sha256:aaaaaaaaaaaa</code>); baseline 1.0.0 (the base)</caption><thead><tr><th>Metric<th>Value<th>Baseline<th>Change<th>Regression rule</thead><tbody><tr><td><code>accuracy</code><td>0.85<td>0.9<td>−0.05<td><span class="failed">fell by 0.05, more than 0.02</span><tr><td><code>attack_success_rate</code> <span class="muted">security</span><td>0.1<td>0.1<td>0<td><span class="passed">within the rule</span><tr><td><code>f1</code><td>0.5<td colspan="3" class="muted">no rule</tbody></table>',
    );
  });
});
