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
  await runCli(["audit", "--repo", repo, "-o", dir], { stdout: () => undefined, stderr: (t) => process.stderr.write(t), now: () => new Date() });
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, "audit.html")).href);
    mkdirSync(dirname(out), { recursive: true });
    await page.locator("#model-credit-scorer").scrollIntoViewIfNeeded();
    await page.screenshot({ path: out, fullPage: false, clip: await clipOf(page) });
    console.log(`wrote ${out}`);
  } finally {
    await close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The summary, the first provisions and the first model: what the screenshot in docs/audit.md shows. */
async function clipOf(page: import("playwright-core").Page): Promise<{ x: number; y: number; width: number; height: number }> {
  await page.evaluate(() => window.scrollTo(0, 0));
  return { x: 0, y: 0, width: 1200, height: 900 };
}
