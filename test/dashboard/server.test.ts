/** The dashboard in the server `npm start` runs: served beside /health, off (with its reason) without credentials. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { dashboardSettings } from "../../src/server/settings.js";
import { startServer, type StartedServer } from "../../src/server/start.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { freePort } from "../helpers/global-postgres.js";
import { testPrivateKey } from "../helpers/test-app.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import { APP_ID, CLIENT_ID, CLIENT_SECRET } from "./fake-github.js";

allowRequestsToThisMachine();

const started: StartedServer[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.stop(2_000);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function server(env: Record<string, string>): Promise<string> {
  await testDatabase();
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), "modelgate-dashboard-server-"));
  folders.push(cwd);
  started.push(
    await startServer({
      cwd,
      processEnv: {
        APP_ID: String(APP_ID),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: "dashboard-server-secret",
        DATABASE_URL: await testDatabaseUrl(),
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
        MODELGATE_RECOVERY_ON_START: "false",
        ...env,
      },
    }),
  );
  return `http://127.0.0.1:${port}`;
}

test("npm start serves /dashboard and /api/v1 beside /health once the App's client id and secret are set", async () => {
  const url = await server({
    GITHUB_CLIENT_ID: CLIENT_ID,
    GITHUB_CLIENT_SECRET: CLIENT_SECRET,
    GHE_HOST: "github.acme.example",
  });
  const page = await fetch(`${url}/dashboard`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Sign in with GitHub");
  const login = await fetch(`${url}/dashboard/auth/login`, { redirect: "manual" });
  expect(login.status).toBe(302);
  expect(login.headers.get("location")).toMatch(
    /^https:\/\/github\.acme\.example\/login\/oauth\/authorize\?client_id=Iv1\.dashboardtest&state=/,
  );
  expect((await fetch(`${url}/api/v1/models`)).status).toBe(401);
  expect((await fetch(`${url}/health`)).status).toBe(200);
});

test("without GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET the server runs and the dashboard answers 503 with the reason", async () => {
  const url = await server({});
  const page = await fetch(`${url}/dashboard`);
  expect(page.status).toBe(503);
  expect(await page.text()).toContain("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set");
  expect((await fetch(`${url}/health`)).status).toBe(200);
});

test("the dashboard's settings: GitHub Enterprise Server, PUBLIC_URL's origin, and what is missing", () => {
  expect(
    dashboardSettings({
      APP_ID: "7",
      GITHUB_CLIENT_ID: "id",
      GITHUB_CLIENT_SECRET: "s",
      GHE_HOST: "ghe.acme.example",
      PUBLIC_URL: "https://modelgate.acme.example/x",
    }),
  ).toEqual({
    clientId: "id",
    clientSecret: "s",
    appId: 7,
    webUrl: "https://ghe.acme.example",
    apiBaseUrl: "https://ghe.acme.example/api/v3",
    publicOrigin: "https://modelgate.acme.example",
  });
  expect(dashboardSettings({ GITHUB_CLIENT_ID: "id" })).toEqual({
    disabled: expect.stringContaining("GITHUB_CLIENT_SECRET is not set") as string,
  });
  expect(
    dashboardSettings({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "s", PUBLIC_URL: "javascript:alert(1)" }),
  ).toEqual({
    disabled: expect.stringContaining("PUBLIC_URL is not an http(s) address") as string,
  });
});
