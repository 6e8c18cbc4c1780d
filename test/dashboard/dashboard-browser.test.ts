/**
 * The dashboard in Debian's Chromium: sign in through the fake GitHub's authorize page, filter with the keyboard
 * and the form, export the CSV, sign out; no Content-Security-Policy violation on the way.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, test } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import {
  emptyDashboard,
  inventoryOn,
  PRIVATE_REPO,
  PUBLIC_REPO,
  SHADOW_REPO,
  seedInventory,
  startDashboard,
  type DashboardInstance,
} from "./dashboard-world.js";
import { FakeGitHub } from "./fake-github.js";

allowRequestsToThisMachine();

let github: FakeGitHub;
let app: DashboardInstance;
beforeEach(async () => {
  const database = await testDatabase();
  await emptyDashboard(database.pool);
  github = await new FakeGitHub().start();
  github.addUser({ id: 1, login: "alice", repositories: [PUBLIC_REPO, PRIVATE_REPO, SHADOW_REPO] });
  app = await startDashboard(github, await testDatabaseUrl());
  github.callbackUrl = `${app.url}/dashboard/auth/callback`;
  await seedInventory(inventoryOn(app.pool));
});
afterEach(async () => {
  await app.stop();
  await github.stop();
});

test(
  "in Chromium: sign in with GitHub, filter, export the CSV and sign out, with no CSP violation",
  { timeout: 60_000 },
  async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        // the fake GitHub has no favicon (a 404); a refused style, script or image would say "Content Security Policy"
        if (message.type() === "error" && !message.text().includes("404")) problems.push(message.text());
      });

      await page.goto(`${app.url}/dashboard`);
      // the first Tab reaches the skip link
      await page.keyboard.press("Tab");
      expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
      await page.getByRole("link", { name: "Sign in with GitHub" }).click();
      await page.getByRole("link", { name: "Authorize modelgate as alice" }).click();
      await page.waitForURL(`${app.url}/dashboard`);
      expect(await page.getByText("Signed in as").count()).toBe(1);
      expect(await page.locator("table.models tbody tr").count()).toBe(4);

      // filter: tick "Failing" with the keyboard, then apply
      await page.getByLabel("Failing").focus();
      await page.keyboard.press("Space");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page.waitForURL(/filter=failing/);
      const rows = page.locator("table.models tbody tr");
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain("secret-llm");

      // export what is shown
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export these models as CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("modelgate-inventory-2026-12-07.csv");
      const csv = readFileSync((await download.path())!, "utf8")
        .trimEnd()
        .split("\r\n");
      expect(csv).toHaveLength(2);
      expect(csv[1]).toMatch(/^"acme\/secret-models","secret-llm",/);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${app.url}/dashboard`);
      expect(await page.getByRole("link", { name: "Sign in with GitHub" }).count()).toBe(1);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  },
);
