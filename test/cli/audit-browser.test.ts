/**
 * The audit report in a real browser. Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH):
 * `apt-get install -y chromium`; .ci/run installs it when it is missing. Without it this test
 * fails with that message, never skips.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExampleRepo } from "../../examples/build-example-repo.js";
import { PROVISIONS } from "../../src/core/audit/provisions.js";
import type { AuditReport } from "../../src/core/audit/types.js";
import { runCli } from "../../src/cli/main.js";
import { launchChromium } from "../helpers/chromium.js";

describe("the audit report as a reader sees it (headless Chromium)", () => {
  const work = mkdtempSync(join(tmpdir(), "modelgate-audit-browser-"));
  const out = join(work, "audit");
  let report: AuditReport;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    const repo = buildExampleRepo(join(work, "payments-models"));
    const stderr: string[] = [];
    const code = await runCli(["audit", "--repo", repo, "-o", out], {
      stdout: () => undefined,
      stderr: (t) => stderr.push(t),
      now: () => new Date(),
      cwd: process.cwd(),
      env: {},
    });
    // the example history lands credit-scorer 1.1.1 without its evaluation: a failing finding, exit 1
    expect(code, stderr.join("")).toBe(1);
    report = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("shows every model, every version, the timeline and the whole provisions matrix, with no network request", async () => {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    const url = pathToFileURL(join(out, "audit.html")).href;
    await page.goto(url);

    expect(await page.title()).toBe(`modelgate audit: ${report.repository.name} at refs/heads/main`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Evidence pack: payments-models");

    const names = report.models.map((m) => m.name);
    expect(names).toEqual(["credit-scorer", "fraud-detector", "legacy-ranker"]);
    for (const model of report.models) {
      await expect(page.getByRole("heading", { level: 3, name: model.name, exact: true }).isVisible()).resolves.toBe(
        true,
      );
      const timeline = page.locator(`#${model.id} svg.tl`);
      expect(await timeline.getAttribute("aria-label")).toContain(`${model.versions.length} version`);
      for (const version of model.versions) {
        const row = page.locator(`[id="${version.id}"]`);
        await expect(row.isVisible()).resolves.toBe(true);
        const text = await row.innerText();
        expect(text).toContain(version.version);
        // the row shows the digest as GitHub shows a commit, shortened (the full one is in the model's header and audit.json)
        expect(text).toContain(version.digest.slice(0, 19));
        expect(text).toContain(version.commit.slice(0, 12));
      }
    }
    expect(report.models.flatMap((m) => m.versions).map((v) => `${v.version} ${v.outcome}`)).toEqual([
      "1.0.0 pending",
      "1.1.0 pending",
      "1.1.1 failed",
      "1.2.0 pending",
      "1.0.0 pending",
      "0.9.0 pending",
      "0.9.0 pending",
    ]);
    const failedRow = page.locator(`[id="${report.models[0]!.versions[2]!.id}"]`);
    expect(await failedRow.innerText()).toMatch(/✗ failed[\s\S]*evaluation\.bound/);

    // the matrix: every provision from 5.1.1-1 to 5.5.1-2, each with its coverage, readable as a table row
    const rows = page.locator("#provisions tbody tr[id^='provision-']");
    expect(await rows.count()).toBe(PROVISIONS.length);
    expect(await rows.first().locator("th").innerText()).toBe("5.1.1-1");
    expect(await rows.last().locator("th").innerText()).toBe("5.5.1-2");
    const hashes = await page.locator("[id='provision-5.2.4-1.2']").innerText();
    expect(hashes).toContain("evidenced");
    expect(hashes).toContain("component hashes verified at the head");
    // 5.1.1-1 is evidenced by the training roster now (docs/governance.md); 5.1.1-2.1 is still the organisation's
    expect(await page.locator("[id='provision-5.1.1-2.1']").innerText()).toContain(
      "organisational — outside modelgate",
    );
    expect(await page.locator("[id='provision-5.1.4-3']").innerText()).toContain(
      "not in this report: sign-offs live on GitHub",
    );
    expect(await page.locator("#provisions th[scope='col']").allInnerTexts()).toEqual([
      "Provision",
      "Title",
      "Coverage",
      "What modelgate evidences",
      "In this repository",
      "Outside modelgate",
    ]);

    // the inventory and the findings a reader can cite
    expect(await page.locator("#inventory tbody tr").count()).toBe(3);
    const finding = page.locator(`[id="${report.findings[0]!.id}"]`);
    expect(await finding.innerText()).toContain("credit-scorer 1.1.1 landed on refs/heads/main");

    // nothing but the document itself was requested: no font, script, style or image from anywhere
    expect(requests).toEqual([url]);

    const shot = join(work, "audit-report.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    await page.close();
  });

  it("charts each model's evaluation metrics over time, accessibly, with every value in a table, and its monitoring history", async () => {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(join(out, "audit.html")).href);
    const scorer = page.locator("#model-credit-scorer");
    // one panel per metric, named for screen readers, the regressing retrain outside the monitoring threshold
    const panels = scorer.getByRole("img", { name: /over time$/ });
    expect(await panels.count()).toBe(3);
    const accuracy = scorer.getByRole("img", { name: "accuracy of credit-scorer over time" });
    expect(await accuracy.isVisible()).toBe(true);
    expect(await accuracy.locator("desc").textContent()).toMatch(
      /^accuracy of credit-scorer at each evaluation: 1\.0\.0 0\.912 \(\d{4}-\d\d-\d\d\), 1\.1\.0 0\.863 \(\d{4}-\d\d-\d\d\), 1\.2\.0 0\.921 \(\d{4}-\d\d-\d\d\)\. Monitoring threshold: ≥ 0\.88\.$/,
    );
    const table = scorer.locator("table.mv");
    expect(await table.locator("caption").innerText()).toBe("Metrics of credit-scorer at each evaluation");
    expect(await table.locator("tbody tr").allInnerTexts()).toHaveLength(3);
    expect(await table.locator("tbody tr").nth(1).innerText()).toMatch(
      /1\.1\.0\s+\S+\s+credit-holdout-2026q1[\s\S]*0\.863\s+0\.068\s+0\.927/,
    );
    // the monitoring history: every committed report, newest first, the old breach marked
    const history = scorer.locator("table.mh tbody tr");
    expect(await history.count()).toBe(4);
    expect(await history.last().innerText()).toContain("✗ 0.874");
    expect(await scorer.innerText()).toContain("Version 1.2.0: ✓ current and within every threshold");
    // current monitoring evidences the provisions on monitoring
    expect(await page.locator("[id='provision-5.4.2-4']").innerText()).toContain("evidenced");
    await page.close();
  });

  it("prints on A4", async () => {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(join(out, "audit.html")).href);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("nav").isVisible()).toBe(false);
    const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    // A4 is 595 x 842 points (Chromium writes 594.96 x 841.92): every page
    const boxes = [...pdf.toString("latin1").matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [
      Math.round(Number(m[1])),
      Math.round(Number(m[2])),
    ]);
    expect(boxes.length).toBeGreaterThan(1);
    expect(new Set(boxes.map((b) => b.join("x")))).toEqual(new Set(["595x842"]));
    await page.close();
  });
});
