import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { getPrivateKey } from "@probot/get-private-key";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readAppYml, registrationTarget, type SetupEnvironment } from "../../src/setup/app-manifest.js";
import { startSetupServer } from "../../src/setup/setup-server.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";

// the tests drive the setup server they start on 127.0.0.1; GitHub stays mocked (test/setup.ts)
allowRequestsToThisMachine();

const appYmlText = readFileSync(new URL("../../app.yml", import.meta.url), "utf8");
const appYml = readAppYml(appYmlText);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the Host header a browser would send (fetch cannot set it). */
function get(port: number, path: string, host = `localhost:${port}`): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject).end();
  });
}

/** The form the setup page shows: where it posts and the manifest it posts. */
function setupForm(page: string): { action: string; manifest: Record<string, unknown> } {
  const unescape = (value: string) =>
    value
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  const action = /<form action="([^"]*)" method="post">/.exec(page)?.[1];
  const manifest = /<input type="hidden" name="manifest" value="([^"]*)">/.exec(page)?.[1];
  if (action === undefined || manifest === undefined) throw new Error(`no registration form in the page:\n${page}`);
  return { action: unescape(action), manifest: JSON.parse(unescape(manifest)) as Record<string, unknown> };
}

let dir: string;
let server: Server | undefined;
let registered: number;

async function setup(env: SetupEnvironment & { HOST?: string }, options: { personal?: boolean } = {}): Promise<number> {
  server = await startSetupServer({
    appYml,
    env: { HOST: "127.0.0.1", ...env },
    envFile: join(dir, ".env"),
    port: 0,
    onRegistered: () => registered++,
    ...options,
  });
  return (server.address() as AddressInfo).port;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-setup-"));
  registered = 0;
});

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const conversion = {
  id: 123456,
  slug: "modelgate-acme",
  html_url: "https://github.com/apps/modelgate-acme",
  pem: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\nxyz\n-----END RSA PRIVATE KEY-----\n",
  webhook_secret: "e3b0c44298fc1c149afbf4c8996fb924",
};

describe("registering the App for an organisation (npm run setup)", () => {
  test("the setup page posts app.yml's manifest to the organisation's new-App page, with webhooks to the server's webhook route", async () => {
    const port = await setup({ GH_ORG: "acme" });
    expect((await get(port, "/")).headers.location).toBe("/probot");
    const page = await get(port, "/probot");
    expect(page.status).toBe(200);
    expect(page.body).toContain("GitHub cannot reach this address.");
    const { action, manifest } = setupForm(page.body);
    expect(action).toMatch(/^https:\/\/github\.com\/organizations\/acme\/settings\/apps\/new\?state=[0-9a-f]{32}$/);
    expect(manifest).toEqual({
      name: "modelgate",
      url: appYml.url,
      description: appYml.description,
      // private: only the owning organisation can install it
      public: false,
      default_permissions: appYml.default_permissions,
      default_events: appYml.default_events,
      hook_attributes: { url: `http://localhost:${port}/api/github/webhooks`, active: true },
      redirect_url: `http://localhost:${port}/probot/setup`,
      // the dashboard's sign-in (docs/dashboard.md), asked when a user opens it, never at installation
      callback_urls: [`http://localhost:${port}/dashboard/auth/callback`],
      request_oauth_on_install: false,
    });
  });

  test("GitHub's answer with the App's client id and secret: they go to .env for the dashboard's sign-in", async () => {
    const port = await setup({ GH_ORG: "acme", PUBLIC_URL: "https://modelgate.acme.example" });
    writeFileSync(join(dir, ".env"), "GH_ORG=acme\n");
    const { action, manifest } = setupForm((await get(port, "/probot")).body);
    expect(manifest.callback_urls).toEqual(["https://modelgate.acme.example/dashboard/auth/callback"]);
    const state = new URL(action).searchParams.get("state");
    nock("https://api.github.com")
      .post("/app-manifests/abc123/conversions")
      .reply(201, { ...conversion, client_id: "Iv1.0123456789abcdef", client_secret: "f".repeat(40) });
    expect((await get(port, `/probot/setup?code=abc123&state=${state}`)).status).toBe(302);
    expect(parseEnv(readFileSync(join(dir, ".env"), "utf8"))).toMatchObject({
      APP_ID: "123456",
      GITHUB_CLIENT_ID: "Iv1.0123456789abcdef",
      GITHUB_CLIENT_SECRET: "f".repeat(40),
    });
  });

  test("GitHub's redirect with the code: the credentials go to .env (owner-only), the browser on to the installation page", async () => {
    const port = await setup({ GH_ORG: "acme" });
    writeFileSync(join(dir, ".env"), "GH_ORG=acme\nLOG_LEVEL=info\n");
    const { action } = setupForm((await get(port, "/probot")).body);
    const state = new URL(action).searchParams.get("state");
    nock("https://api.github.com").post("/app-manifests/abc123/conversions").reply(201, conversion);
    const answer = await get(port, `/probot/setup?code=abc123&state=${state}`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe("https://github.com/apps/modelgate-acme/installations/new");
    const written = readFileSync(join(dir, ".env"), "utf8");
    // unquoted: `docker run --env-file` would keep quotes as part of the values
    expect(written).toBe(
      `GH_ORG=acme\nLOG_LEVEL=info\nAPP_ID=123456\nPRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\nxyz\\n-----END RSA PRIVATE KEY-----\\n\nWEBHOOK_SECRET=e3b0c44298fc1c149afbf4c8996fb924\n`,
    );
    expect(statSync(join(dir, ".env")).mode & 0o777).toBe(0o600);
    expect(registered).toBe(1);
    // Probot reads the same key back from the file as Node (and Docker) pass it on
    expect(getPrivateKey({ env: parseEnv(written) })).toBe(conversion.pem);
    expect(parseEnv(written)).toMatchObject({ APP_ID: "123456", WEBHOOK_SECRET: conversion.webhook_secret });
  });

  test("a smee.io channel (WEBHOOK_PROXY_URL) or the server's public address (PUBLIC_URL) receives the webhooks", async () => {
    let port = await setup({ GH_ORG: "acme", WEBHOOK_PROXY_URL: "https://smee.io/abcdef" });
    expect(setupForm((await get(port, "/probot")).body).manifest.hook_attributes).toEqual({
      url: "https://smee.io/abcdef",
      active: true,
    });
    await new Promise((resolve) => server?.close(resolve));
    port = await setup({ GH_ORG: "acme", PUBLIC_URL: "https://modelgate.acme.example/", WEBHOOK_PATH: "/hooks" });
    const { manifest } = setupForm((await get(port, "/probot")).body);
    expect(manifest.hook_attributes).toEqual({ url: "https://modelgate.acme.example/hooks", active: true });
    expect(manifest.redirect_url).toBe(`http://localhost:${port}/probot/setup`);
    expect((await get(port, "/probot")).body).not.toContain("GitHub cannot reach");
  });

  test("without GH_ORG the registration is refused, unless a personal App is asked for", async () => {
    expect(() => registrationTarget({})).toThrow(
      /GH_ORG is not set: the App would be registered on your personal account/,
    );
    const port = await setup({}, { personal: true });
    const { action } = setupForm((await get(port, "/probot")).body);
    expect(action).toMatch(/^https:\/\/github\.com\/settings\/apps\/new\?state=/);
  });

  test("GitHub Enterprise Server: the new-App page and the code exchange are on GHE_HOST", async () => {
    const port = await setup({ GH_ORG: "acme", GHE_HOST: "github.acme.example" });
    const { action } = setupForm((await get(port, "/probot")).body);
    expect(action).toMatch(/^https:\/\/github\.acme\.example\/organizations\/acme\/settings\/apps\/new\?state=/);
    nock("https://github.acme.example")
      .post("/api/v3/app-manifests/ghe1/conversions")
      .reply(201, { ...conversion, html_url: "https://github.acme.example/github-apps/modelgate" });
    const answer = await get(port, `/probot/setup?code=ghe1&state=${new URL(action).searchParams.get("state")}`);
    expect(answer.headers.location).toBe("https://github.acme.example/github-apps/modelgate/installations/new");
  });

  test.each([
    {
      name: "an API URL in GHE_HOST",
      env: { GH_ORG: "acme", GHE_HOST: "https://github.acme.example/api/v3" },
      error: /GHE_HOST must be the host name/,
    },
    {
      name: "a protocol that is not http(s)",
      env: { GH_ORG: "acme", GHE_HOST: "github.acme.example", GHE_PROTOCOL: "ftp" },
      error: /GHE_PROTOCOL must be https or http/,
    },
    {
      name: "an organisation name with a path in it",
      env: { GH_ORG: "acme/../evil" },
      error: /GH_ORG is not an organisation login/,
    },
  ])("refuses $name", ({ env, error }) => {
    expect(() => registrationTarget(env)).toThrow(error);
  });
});

describe("the setup page under hostile input", () => {
  test("a code with a state this run did not issue is refused before GitHub is asked", async () => {
    const port = await setup({ GH_ORG: "acme" });
    for (const query of ["code=abc123&state=0000", "code=abc123"]) {
      const answer = await get(port, `/probot/setup?${query}`);
      expect(answer.status).toBe(400);
    }
    expect(registered).toBe(0);
  });

  test("another host name (a page that points its domain at this machine) gets no registration page", async () => {
    const port = await setup({ GH_ORG: "acme" });
    const answer = await get(port, "/probot", "evil.example");
    expect(answer.status).toBe(421);
    expect(answer.body).not.toContain("manifest");
  });

  test("a .env that already holds an APP_ID is never overwritten", async () => {
    const port = await setup({ GH_ORG: "acme" });
    writeFileSync(join(dir, ".env"), "APP_ID=42\n");
    const state = new URL(setupForm((await get(port, "/probot")).body).action).searchParams.get("state");
    const answer = await get(port, `/probot/setup?code=abc123&state=${state}`);
    expect(answer.status).toBe(409);
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe("APP_ID=42\n");
  });

  test("a code GitHub does not accept leaves .env untouched", async () => {
    const port = await setup({ GH_ORG: "acme" });
    const state = new URL(setupForm((await get(port, "/probot")).body).action).searchParams.get("state");
    nock("https://api.github.com").post("/app-manifests/expired/conversions").reply(404, { message: "Not Found" });
    const answer = await get(port, `/probot/setup?code=expired&state=${state}`);
    expect(answer.status).toBe(502);
    expect(answer.body).toContain("404");
    expect(() => statSync(join(dir, ".env"))).toThrow();
  });
});

describe("app.yml", () => {
  test("is private: an organisation-owned private App installs on that organisation only", () => {
    expect(appYml.public).toBe(false);
  });
});
