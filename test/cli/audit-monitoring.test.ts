import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { AuditReport } from "../../src/core/audit/types.js";
import { issueMarkerKey } from "../../src/core/markers/signature.js";
import { driftMarker } from "../../src/core/monitoring/marker.js";
import { defaultMarkerKey } from "../../src/marker-key.js";
import { TestRepo } from "./git-repo.js";
import { digestOf, lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";

// nock with disableNetConnect for every test: test/setup.ts

const API = "https://ghe.example.com/api/v3";
const WEB = "https://ghe.example.com/acme/models";
const APP_ID = 7;
const ENV = { GITHUB_TOKEN: "test-token-123", WEBHOOK_SECRET: "a throwaway secret for this test" };
const MARKER_KEY = defaultMarkerKey(ENV);

const repos: TestRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.dispose();
});

const scorer: ModelSpec = {
  dir: "models/scorer",
  name: "scorer",
  version: "1.0.0",
  components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer("w1") }],
};
const POLICY = "monitoring:\n  reports: {}\n  thresholds:\n    - { metric: accuracy, min: 0.9 }\n";

function report(accuracy: number, daysAgo: number): string {
  const at = new Date(Date.now() - daysAgo * 24 * 60 * 60 * 1000).toISOString();
  return JSON.stringify({
    format: "modelgate-monitoring/1",
    model: "scorer",
    version: "1.0.0",
    generated_at: at,
    metrics: { accuracy },
  });
}

async function audit(
  dir: string,
  github: boolean,
): Promise<{ code: number; report: AuditReport; html: string; stderr: string }> {
  const out = mkdtempSync(join(tmpdir(), "modelgate-audit-monitoring-out-"));
  try {
    const stderr: string[] = [];
    const args = ["audit", "--repo", dir, "-o", out];
    if (github) args.push("--github", "acme/models", "--api-url", API, "--app-id", String(APP_ID));
    const code = await runCli(args, {
      stdout: () => undefined,
      stderr: (t) => stderr.push(t),
      now: () => new Date(),
      cwd: process.cwd(),
      env: ENV,
    });
    return {
      code,
      stderr: stderr.join(""),
      report: JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport,
      html: readFileSync(join(out, "audit.html"), "utf8"),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("modelgate audit with monitoring", () => {
  it("reads the committed reports from git (a SageMaker report dated by its commit) and counts 5.4.2-4 when current", async () => {
    const r = TestRepo.create("modelgate-audit-monitoring-");
    repos.push(r);
    r.write({
      ...modelFiles(scorer),
      ".github/modelgate.yml": POLICY,
      "monitoring/scorer/1.0.0/old.json": report(0.8, 20),
      "monitoring/scorer/1.0.0/new.json": report(0.95, 1),
      "monitoring/scorer/1.0.0/constraint_violations.json": '{"violations": []}',
    }).commit("scorer 1.0.0 and its monitoring");

    const { report: audited, html } = await audit(r.dir, false);

    const history = audited.monitoring!.versions[0]!.history;
    expect(history.map((h) => [h.source.split("/").pop(), h.format, h.breaches])).toEqual([
      ["constraint_violations.json", "sagemaker", []],
      ["new.json", "modelgate", []],
      ["old.json", "modelgate", ["accuracy"]],
    ]);
    // dated by the commit that added it: today
    expect(Date.now() - Date.parse(history[0]!.at!)).toBeLessThan(24 * 60 * 60 * 1000);
    expect(audited.monitoring?.current).toBe(true);
    expect(audited.provisions.find((p) => p.id === "5.4.2-4")?.coverage).toBe("evidenced");
    expect(html).toContain("<caption>Monitoring reports of scorer 1.0.0, newest first</caption>");
  });

  it("attack: with --github, only the Drift detected issues whose signed markers verify for their own issue are listed (a copied marker, a person's issue are not)", async () => {
    const r = TestRepo.create("modelgate-audit-monitoring-gh-");
    repos.push(r);
    r.write({
      ...modelFiles(scorer),
      ".github/modelgate.yml": POLICY,
      "monitoring/scorer/1.0.0/r.json": report(0.8, 1),
    }).commit("scorer 1.0.0");
    const ref = { repo: "acme/models", model: "scorer", version: "1.0.0", digest: digestOf(scorer) };
    const signedFor = (issue: number) =>
      `${driftMarker(ref, issueMarkerKey(MARKER_KEY, { owner: "acme", repo: "models", issue }))}\n## Drift detected`;
    const viaApp = { performed_via_github_app: { id: APP_ID } };
    const api = nock(API);
    api.get("/repos/acme/models").reply(200, { html_url: WEB });
    api.get("/repos/acme/models/pulls").query({ state: "all", per_page: 100 }).reply(200, []);
    api.get("/repos/acme/models/releases").query({ per_page: 100 }).reply(200, []);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "modelgate:sign-off", state: "all", per_page: 100 })
      .reply(200, []);
    api.get("/repos/acme/models/issues").query({ labels: "model-eol", state: "all", per_page: 100 }).reply(200, []);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "model-monitoring", state: "all", per_page: 100 })
      .reply(200, [
        {
          number: 4,
          html_url: `${WEB}/issues/4`,
          state: "closed",
          created_at: "2026-10-01T06:00:00Z",
          closed_at: "2026-10-03T06:00:00Z",
          body: signedFor(4),
          ...viaApp,
        },
        {
          number: 12,
          html_url: `${WEB}/issues/12`,
          state: "open",
          created_at: "2026-11-20T06:00:00Z",
          body: signedFor(12),
          ...viaApp,
        },
        // issue 4's marker copied into another issue, and a person's issue: neither is the App's evidence
        {
          number: 13,
          html_url: `${WEB}/issues/13`,
          state: "open",
          created_at: "2026-11-21T06:00:00Z",
          body: signedFor(4),
          ...viaApp,
        },
        {
          number: 14,
          html_url: `${WEB}/issues/14`,
          state: "open",
          created_at: "2026-11-21T06:00:00Z",
          body: signedFor(14),
          performed_via_github_app: null,
        },
      ]);

    const { code, report: audited, html, stderr } = await audit(r.dir, true);

    expect(code, stderr).toBe(0);
    expect(audited.driftIssues?.map((i) => [i.number, i.state, i.version])).toEqual([
      [4, "closed", "1.0.0"],
      [12, "open", "1.0.0"],
    ]);
    expect(html).toContain(
      `Drift detected issues: <a href="${WEB}/issues/4">#4</a> (1.0.0, opened 2026-10-01, closed 2026-10-03), <a href="${WEB}/issues/12">#12</a> (1.0.0, opened 2026-11-20, open)`,
    );
  });
});
