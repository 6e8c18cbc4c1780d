import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  appManifest,
  registrationTarget,
  type AppManifest,
  type AppYml,
  type RegistrationTarget,
  type SetupEnvironment,
} from "./app-manifest.js";

export interface SetupOptions {
  appYml: AppYml;
  env: SetupEnvironment & { HOST?: string | undefined };
  /** Register on the personal account of whoever submits the form (no GH_ORG). */
  personal?: boolean;
  /** The .env file the App's credentials are written to. */
  envFile: string;
  log?: { info(message: string): void };
  /** Called once the credentials are written (the setup server has done its job). */
  onRegistered?: () => void;
}

/** What GitHub answers to `POST /app-manifests/{code}/conversions` (the fields modelgate keeps). */
interface ManifestConversion {
  id: number;
  slug?: string;
  html_url: string;
  pem: string;
  webhook_secret: string | null;
  /** The App's OAuth credentials: the dashboard's sign-in (docs/dashboard.md). */
  client_id?: string;
  client_secret?: string;
}

/**
 * The registration flow (GitHub's manifest flow, as Probot's setup page does it, on the paths
 * Probot uses): `GET /probot` shows a button that posts app.yml's manifest to the owner's "new
 * GitHub App" page; GitHub sends the browser back to `/probot/setup?code=…&state=…`, and the code
 * is exchanged for the App's id, private key and webhook secret, written to the .env file. The
 * state is random per run, so a code from someone else's manifest is refused; the page answers
 * only to the host names it expects, so no other site can take the redirect.
 */
export function setupHandler(options: SetupOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const target = registrationTarget(options.env, { personal: options.personal ?? false });
  const state = randomBytes(16).toString("hex");
  const allowedHosts = setupHostNames(options.env);
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://setup.invalid");
    const host = requestHost(req);
    if (!allowedHosts.has(hostName(host)))
      return text(
        res,
        421,
        `This setup page answers on ${[...allowedHosts].join(", ")} only (set PUBLIC_URL to register from another address).`,
      );
    if (req.method !== "GET") return text(res, 405, "GET only");
    const setupBaseUrl = `${requestProtocol(req)}://${host}`;
    if (url.pathname === "/") return redirect(res, "/probot");
    if (url.pathname === "/probot")
      return html(res, 200, setupPage(target, appManifest(options.appYml, options.env, setupBaseUrl), state));
    if (url.pathname === "/probot/setup") {
      const code = url.searchParams.get("code") ?? "";
      if (url.searchParams.get("state") !== state)
        return text(res, 400, "The state does not match this setup run: start again from /probot.");
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(code)) return text(res, 400, "The code is missing or invalid.");
      if (registeredAppId(options.envFile))
        return text(
          res,
          409,
          `${options.envFile} already holds an APP_ID: modelgate does not replace a registered App's credentials.`,
        );
      let conversion: ManifestConversion;
      try {
        conversion = await convertManifestCode(target, code);
      } catch (error) {
        return text(res, 502, `GitHub did not complete the registration: ${(error as Error).message}`);
      }
      writeEnvFile(options.envFile, {
        APP_ID: String(conversion.id),
        PRIVATE_KEY: conversion.pem,
        WEBHOOK_SECRET: conversion.webhook_secret ?? "",
        ...(conversion.client_id && conversion.client_secret
          ? { GITHUB_CLIENT_ID: conversion.client_id, GITHUB_CLIENT_SECRET: conversion.client_secret }
          : {}),
      });
      options.log?.info(
        `Registered the GitHub App ${conversion.slug ?? conversion.id}; its APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are in ${options.envFile}. Install it, then start the server.`,
      );
      redirect(res, `${conversion.html_url}/installations/new`);
      options.onRegistered?.();
      return;
    }
    return text(res, 404, "Not found");
  };
}

/** Starts the setup page on HOST (default localhost) and PORT. */
export async function startSetupServer(options: SetupOptions & { port: number }): Promise<Server> {
  const handle = setupHandler(options);
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(options.port, options.env.HOST || "localhost", resolve),
  );
  return server;
}

async function convertManifestCode(target: RegistrationTarget, code: string): Promise<ManifestConversion> {
  const response = await fetch(`${target.apiBaseUrl}/app-manifests/${code}/conversions`, {
    method: "POST",
    headers: { accept: "application/vnd.github+json", "user-agent": "modelgate-setup" },
  });
  if (response.status !== 201) throw new Error(`${response.status} from ${target.apiBaseUrl}`);
  const data = (await response.json()) as Partial<ManifestConversion>;
  if (typeof data.id !== "number" || typeof data.pem !== "string" || typeof data.html_url !== "string")
    throw new Error("the answer carries no App id, key or address");
  return {
    id: data.id,
    html_url: data.html_url,
    pem: data.pem,
    webhook_secret: data.webhook_secret ?? null,
    ...(data.slug ? { slug: data.slug } : {}),
    ...(typeof data.client_id === "string" && typeof data.client_secret === "string"
      ? { client_id: data.client_id, client_secret: data.client_secret }
      : {}),
  };
}

/** The APP_ID an existing .env file already holds, if any. */
export function registeredAppId(envFile: string): string | undefined {
  if (!existsSync(envFile)) return undefined;
  const line = readFileSync(envFile, "utf8")
    .split("\n")
    .find((l) => /^\s*APP_ID\s*=/.test(l));
  const value = line?.replace(/^\s*APP_ID\s*=\s*/, "").trim();
  return value ? value : undefined;
}

/**
 * Sets keys in a .env file, keeping its other lines; only its owner can read it (it holds the
 * private key). The file suits dotenv (Probot), Node's --env-file and `docker run --env-file`.
 */
export function writeEnvFile(envFile: string, values: Record<string, string>): void {
  const lines = existsSync(envFile) ? readFileSync(envFile, "utf8").split("\n") : [];
  const keys = new Set(Object.keys(values));
  const kept = lines.filter((line) => !keys.has(line.replace(/=.*$/s, "").trim()));
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  // unquoted, newlines as \n: `docker run --env-file` keeps quotes as part of the value; Probot turns \n back into newlines
  const written = Object.entries(values).map(([key, value]) => `${key}=${value.replace(/\r?\n/g, "\\n")}`);
  writeFileSync(envFile, `${[...kept, ...written].join("\n")}\n`, { mode: 0o600 });
  chmodSync(envFile, 0o600);
}

function setupHostNames(env: SetupOptions["env"]): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]"]);
  if (env.HOST && env.HOST !== "0.0.0.0" && env.HOST !== "::") names.add(env.HOST);
  if (env.PUBLIC_URL && URL.canParse(env.PUBLIC_URL)) names.add(new URL(env.PUBLIC_URL).hostname);
  return names;
}

function requestHost(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-host"];
  return (typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined) || req.headers.host || "";
}

function hostName(host: string): string {
  return host.startsWith("[") ? host.replace(/\]:\d+$/, "]") : host.replace(/:\d+$/, "");
}

function requestProtocol(req: IncomingMessage): "http" | "https" {
  const forwarded = req.headers["x-forwarded-proto"];
  return typeof forwarded === "string" && forwarded.split(",")[0]?.trim() === "https" ? "https" : "http";
}

function setupPage(target: RegistrationTarget, manifest: AppManifest, state: string): string {
  const owner = target.organisation
    ? `the organisation <b>${escapeHtml(target.organisation)}</b>`
    : "<b>your personal account</b> (installable on your own repositories only)";
  const action = `${target.createAppUrl}?state=${state}`;
  const local = /^https?:\/\/(localhost|127\.|\[::1\])/.test(manifest.hook_attributes.url);
  const unreachable = local
    ? "\n<p><b>GitHub cannot reach this address.</b> Set PUBLIC_URL to the server's public address, or WEBHOOK_PROXY_URL to a smee.io channel for development, and start again.</p>"
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Register ${escapeHtml(manifest.name)}</title></head>
<body>
<h1>Register ${escapeHtml(manifest.name)}</h1>
<p>The App will be owned by ${owner}. GitHub will deliver webhooks to <code>${escapeHtml(manifest.hook_attributes.url)}</code>.</p>${unreachable}
<form action="${escapeHtml(action)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">
<button type="submit">Register GitHub App</button>
</form>
</body></html>
`;
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${body}\n`);
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res
    .writeHead(302, { location, "content-type": "text/plain; charset=utf-8" })
    .end(`Found. Redirecting to ${location}\n`);
}
