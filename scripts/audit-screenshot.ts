/**
 * Writes docs/images/audit-report.png: the audit report of the example repository
 * (`npm run example`) as headless Chromium shows it.
 *
 *   node --import tsx scripts/audit-screenshot.ts [OUT.png]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildExampleRepo } from "../examples/build-example-repo.js";
import { runCli } from "../src/cli/main.js";
import { launchChromium } from "../test/helpers/chromium.js";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(project, "docs", "images", "audit-report.png"));
const work = mkdtempSync(join(tmpdir(), "modelgate-audit-shot-"));
try {
  const repo = buildExampleRepo(join(work, "payments-models"));
  const dir = join(work, "audit");
  await runCli(["audit", "--repo", repo, "-o", dir], {
    stdout: () => undefined,
    stderr: (t) => process.stderr.write(t),
    now: () => new Date(),
    cwd: process.cwd(),
    env: {},
  });
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, "audit.html")).href);
    mkdirSync(dirname(out), { recursive: true });
    // the top of the report (summary, method, findings), then one model with its timeline and versions
    await page.screenshot({ path: out });
    const modelShot = out.replace(/\.png$/, "-model.png");
    await page.locator("#model-credit-scorer").screenshot({ path: modelShot });
    const matrixShot = out.replace(/\.png$/, "-provisions.png");
    // page coordinates: boundingBox is relative to the viewport, which the element screenshot scrolled
    await page.evaluate("window.scrollTo(0, 0)");
    // from the header of the table to the provisions of 5.2 (secure development), where most evidence is
    const table = await page.locator("#provisions table").boundingBox();
    const from = await page.locator("[id='provision-5.2.1-1']").boundingBox();
    if (!table || !from) throw new Error("the report has no provisions table");
    await page.screenshot({
      path: matrixShot,
      fullPage: true,
      clip: { x: table.x, y: from.y - 30, width: table.width, height: 760 },
    });
    // docs/monitoring.md: credit-scorer's metrics over time and its monitoring history
    const chartShot = join(dirname(out), "monitoring-chart.png");
    await page.evaluate("window.scrollTo(0, 0)");
    const chartFrom = await page.locator("#model-credit-scorer h3").boundingBox();
    const history = await page.locator("#model-credit-scorer table.mh").boundingBox();
    if (!chartFrom || !history) throw new Error("the report has no metrics chart for credit-scorer");
    await page.screenshot({
      path: chartShot,
      fullPage: true,
      clip: {
        x: chartFrom.x - 8,
        y: chartFrom.y - 8,
        width: history.x + history.width - chartFrom.x + 16,
        height: history.y + history.height - chartFrom.y + 16,
      },
    });
    console.log(`wrote ${out}, ${modelShot}, ${matrixShot} and ${chartShot}`);
  } finally {
    await close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
