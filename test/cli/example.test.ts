import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildExampleRepo } from "../../examples/build-example-repo.js";
import { runModelgate } from "./git-repo.js";
import type { CheckJson } from "../../src/cli/check-json.js";
import type { AuditReport } from "../../src/core/audit/types.js";

describe("the example repository (npm run example)", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "modelgate-example-test-")), "repo");
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("shows a new model pending approval, a retrain that breaks the version rule, and a shadow model", async () => {
    buildExampleRepo(dir);
    const run = await runModelgate(["check", "--json"], dir);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.verdict).toBe("failure");
    expect(json.unmanaged).toEqual([{ path: "experiments/shadow-llm.gguf", source: "lfs", change: "added" }]);
    const [churn, fraud] = json.models;
    expect(churn).toMatchObject({ name: "churn-predictor", changes: ["new_model"], from: null, to: "0.1.0" });
    expect(churn!.requirements.filter((r) => r.status === "failed")).toEqual([]);
    expect(fraud).toMatchObject({ name: "fraud-detector", changes: ["retrain"], from: "1.0.0", to: "1.0.0" });
    expect(
      fraud!.requirements
        .filter((r) => r.status === "failed")
        .map((r) => r.id)
        .sort(),
    ).toEqual(["evaluation.bound", "version.raised"]);
  });

  it("its audit counts 48 provisions evidenced, each moved one naming its current evidence", async () => {
    const out = join(dir, "..", "audit");
    const run = await runModelgate(["audit", "--output", out], dir);
    expect(run.stderr).toMatch(/^wrote /);
    const report = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport;
    const evidenced = report.provisions.filter((p) => p.coverage === "evidenced").map((p) => p.id);
    // 21 from the gate's own records, 18 from reviewed documents, 2 from serving declarations, 1 from SECURITY.md,
    // 4 from the training roster, 2 from current production monitoring
    expect(evidenced).toEqual([
      "5.1.1-1",
      "5.1.1-1.1",
      "5.1.1-2",
      "5.1.1-2.2",
      "5.1.2-1",
      "5.1.2-3",
      "5.1.2-5",
      "5.1.2-5.1",
      "5.1.2-6",
      "5.1.2-7",
      "5.1.3-1",
      "5.1.3-1.1",
      "5.1.3-1.2",
      "5.1.3-1.3",
      "5.1.3-3",
      "5.1.4-3",
      "5.2.1-1",
      "5.2.1-2",
      "5.2.1-3",
      "5.2.1-3.1",
      "5.2.1-4",
      "5.2.1-4.2",
      "5.2.2-1",
      "5.2.2-2",
      "5.2.2-3",
      "5.2.2-4",
      "5.2.2-5",
      "5.2.2-6",
      "5.2.3-2",
      "5.2.3-3",
      "5.2.3-4",
      "5.2.4-1",
      "5.2.4-1.2",
      "5.2.4-2",
      "5.2.4-2.1",
      "5.2.4-3",
      "5.2.5-1",
      "5.2.5-2",
      "5.2.5-2.1",
      "5.3.1-1",
      "5.3.1-2",
      "5.3.1-3",
      "5.4.1-1.1",
      "5.4.1-2",
      "5.4.2-2",
      "5.4.2-4",
      "5.5.1-1",
      "5.5.1-2",
    ]);
    const row = (id: string) => report.provisions.find((p) => p.id === id)!;
    expect(row("5.2.2-5").evidence).toEqual([
      {
        text: expect.stringMatching(
          /^docs\/governance\/incident-response\.md, reviewed \d{4}-\d{2}-\d{2} \(commit [0-9a-f]{12} by Example Maintainer\), next due \d{4}-\d{2}-\d{2}; owner: security$/,
        ) as string,
        href: "#governance",
      },
    ]);
    expect(row("5.2.2-4").evidence).toEqual([{ text: "security policy published: SECURITY.md", href: "#governance" }]);
    expect(row("5.2.2-2").evidence[0]!.text).toBe(
      "2 of 2 models in service declare how they are served; 1 of 1 public model with a rate limit and authentication",
    );
    // a plan reviewed without a change of words: the review record names it
    expect(row("5.4.1-1.1").evidence[0]!.text).toMatch(
      /^docs\/governance\/contingency\.md, reviewed \d{4}-\d{2}-\d{2} \(record of omar-ops in governance\/reviews\.yaml at the audited commit\), next due \d{4}-\d{2}-\d{2}; owner: system_operator$/,
    );
    // attack: the plan re-wrapped 10 days ago is still overdue: whitespace does not renew its review
    expect(row("5.1.3-2")).toMatchObject({ coverage: "organisational", evidence: [] });
    expect(row("5.1.3-2").findings).toEqual([
      expect.stringMatching(
        /^docs\/governance\/residual-risks\.md is overdue for review: reviewed \d{4}-\d{2}-\d{2} \(commit /,
      ) as string,
    ]);
  });
});
