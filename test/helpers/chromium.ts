import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium (override with CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export const INSTALL_HINT =
  "the audit report's browser test needs Chromium at /usr/bin/chromium (or set CHROMIUM_PATH): install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does it when missing)";

/**
 * Headless Chromium with a fresh profile, no network services of its own (no updates, sync or
 * QUIC), usable as root (--no-sandbox). Fails with how to install the browser when it is missing.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(INSTALL_HINT);
  const profile = mkdtempSync(join(tmpdir(), "modelgate-chromium-"));
  // a fresh profile: playwright passes it as --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
