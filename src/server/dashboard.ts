/**
 * /dashboard and /api/v1 on the server (docs/dashboard.md): sign-in with the App's user authorisation, sessions in
 * Postgres, CSRF-checked forms, and the views and exports of the inventory under the access rule of
 * dashboard-access.ts. The pages are rendered by src/core/dashboard; this file only routes, checks and answers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import type { Logger } from "pino";
import { inventoryCsv } from "../core/dashboard/csv.js";
import {
  byRepository,
  organisationAuditPack,
  organisationProvisions,
  repositoryFindings,
} from "../core/dashboard/organisation.js";
import { modelFilterOf, parseModelsQuery } from "../core/dashboard/query.js";
import { messagePage, signInPage, type Viewer } from "../core/dashboard/render-layout.js";
import {
  modelsPage,
  provisionsPage,
  repositoriesPage,
  timelinePage,
  unmanagedPage,
} from "../core/dashboard/render-views.js";
import { DASHBOARD_CSS, DASHBOARD_ICON } from "../core/dashboard/style.js";
import type { InventoryModel, ModelTimeline } from "../core/inventory/types.js";
import {
  exchangeCode,
  readUser,
  UserAccessUnreadable,
  UserTokenRejected,
  type GitHubUserEndpoints,
} from "../github/user-access.js";
import { DashboardSessions, OAUTH_STATE_MINUTES, sameToken, type SessionUser } from "../store/dashboard-sessions.js";
import { postgresInventoryStore, type InventoryStore } from "../store/inventory-store.js";
import { modelgateVersion } from "../version.js";
import { dashboardApi } from "./dashboard-api.js";
import { accessOf, COMMON_HEADERS, CONTENT_SECURITY_POLICY, type Access } from "./dashboard-access.js";
import { dashboardSettings, type DashboardSettings, type Environment } from "./settings.js";

/** The session cookie: `__Host-` binds it to this origin, path / and Secure (no subdomain can set or read it). */
export const SESSION_COOKIE = "__Host-modelgate-session";
/** The sign-in state's cookie: the callback must come back to the browser that started the sign-in. */
export const STATE_COOKIE = "__Host-modelgate-oauth";

const MAX_FORM_BYTES = 64 * 1024;
const TIMELINE_READS_AT_ONCE = 8;

export interface DashboardOptions {
  env: Environment;
  pool: pg.Pool;
  log: Logger;
  /** The inventory (default: the Postgres one on `pool`). */
  inventory?: InventoryStore;
  /** The clock of the filters and exports (tests fix it). */
  now?: () => Date;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/** The handler of /dashboard… and /api/v1/… (false for every other path: Probot's other handlers answer). */
export function dashboardHandler(options: DashboardOptions): Handler {
  const settings = dashboardSettings(options.env);
  const inventory = options.inventory ?? postgresInventoryStore(options.pool);
  const now = options.now ?? (() => new Date());
  if ("disabled" in settings) {
    options.log.info({ reason: settings.disabled }, "modelgate's dashboard is off");
    return async (request, response) => {
      const path = pathOf(request);
      if (isDashboardPath(path)) {
        sendHtml(response, 503, messagePage("Dashboard off", settings.disabled));
        return true;
      }
      if (isApiPath(path)) {
        sendJson(response, 503, { message: settings.disabled });
        return true;
      }
      return false;
    };
  }
  const sessions = new DashboardSessions(options.pool, settings.clientSecret);
  const endpoints: GitHubUserEndpoints = settings;
  const context: RouteContext = { settings, sessions, inventory, endpoints, log: options.log, now };
  const api = dashboardApi(context);
  return async (request, response) => {
    const path = pathOf(request);
    if (isApiPath(path)) return api(request, response, path);
    if (!isDashboardPath(path)) return false;
    try {
      await route(context, request, response, path);
    } catch (error) {
      options.log.error({ reason: (error as Error).message, path }, "modelgate's dashboard could not answer");
      if (!response.headersSent)
        sendHtml(response, 500, messagePage("Something went wrong", "The dashboard could not answer: try again."));
    }
    return true;
  };
}

export interface RouteContext {
  settings: DashboardSettings;
  sessions: DashboardSessions;
  inventory: InventoryStore;
  endpoints: GitHubUserEndpoints;
  log: Logger;
  now: () => Date;
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?")[0] ?? "/";
}

function isDashboardPath(path: string): boolean {
  return path === "/dashboard" || path.startsWith("/dashboard/");
}

function isApiPath(path: string): boolean {
  return path === "/api/v1" || path.startsWith("/api/v1/");
}

const TIMELINE_PATH = /^\/dashboard\/repositories\/(\d{1,16})\/models\/([^/]+)$/;

async function route(context: RouteContext, request: IncomingMessage, response: ServerResponse, path: string) {
  const method = request.method ?? "GET";
  if (path === "/dashboard/style.css" && (method === "GET" || method === "HEAD")) {
    response.writeHead(200, {
      ...COMMON_HEADERS,
      "cache-control": "max-age=300",
      "content-type": "text/css; charset=utf-8",
    });
    response.end(DASHBOARD_CSS);
    return;
  }
  if (path === "/dashboard/favicon.svg" && (method === "GET" || method === "HEAD")) {
    response.writeHead(200, { ...COMMON_HEADERS, "cache-control": "max-age=86400", "content-type": "image/svg+xml" });
    response.end(DASHBOARD_ICON);
    return;
  }
  if (method === "POST") return post(context, request, response, path);
  if (method !== "GET" && method !== "HEAD") {
    response.writeHead(405, { ...COMMON_HEADERS, allow: "GET, HEAD, POST" }).end();
    return;
  }
  const url = new URL(request.url ?? "/", "http://dashboard.invalid");
  if (path === "/dashboard/auth/login") return startSignIn(context, response);
  if (path === "/dashboard/auth/callback") return finishSignIn(context, request, response, url);

  const session = await sessionOf(context, request);
  if (!session) {
    // every view asks for a session; the address is not kept (the sign-in comes back to /dashboard)
    sendHtml(
      response,
      path === "/dashboard" ? 200 : 401,
      signInPage(path === "/dashboard" ? undefined : "Sign in to see this page."),
    );
    return;
  }
  const viewer: Viewer = { login: session.login, csrfToken: session.csrfToken };
  const access = await sessionAccess(context, session, response);
  if (!access) return;
  const now = context.now();

  if (path === "/dashboard" || path === "/dashboard/") {
    const parsed = parseModelsQuery(url.searchParams);
    if (!parsed.ok) return sendHtml(response, 400, messagePage("Filters not understood", parsed.error, viewer));
    const models = await context.inventory.listModels(modelFilterOf(parsed.value, access.ids, now));
    return sendHtml(
      response,
      200,
      modelsPage({ viewer, query: parsed.value, models, repositories: access.repositories, now }),
    );
  }
  if (path === "/dashboard/repositories") {
    const rows = await repositoryRows(context, access, now);
    return sendHtml(response, 200, repositoriesPage(viewer, rows));
  }
  if (path === "/dashboard/unmanaged") {
    const files = await context.inventory.listUnmanaged(access.ids);
    return sendHtml(response, 200, unmanagedPage(viewer, access.repositories, files));
  }
  if (path === "/dashboard/provisions") {
    const rows = await repositoryRows(context, access, now);
    const matrix = organisationProvisions(
      rows.map((row) => ({ repository: row.repository, models: row.models, findings: row.findingList })),
    );
    return sendHtml(response, 200, provisionsPage(viewer, matrix, rows.length));
  }
  const timeline = TIMELINE_PATH.exec(path);
  if (timeline) {
    const found = await visibleTimeline(context, access, Number(timeline[1]), timeline[2]!);
    if (!found) return sendHtml(response, 404, notFoundPage(viewer));
    return sendHtml(response, 200, timelinePage(viewer, found, now));
  }
  sendHtml(response, 404, notFoundPage(viewer));
}

/** A repository the user cannot read and one that does not exist get the same answer. */
function notFoundPage(viewer: Viewer): string {
  return messagePage("Not found", "There is no such page, or it is about a repository you cannot read.", viewer);
}

/** One model's timeline, only when its repository is one the user can read (ids in URLs are guessable). */
export async function visibleTimeline(
  context: Pick<RouteContext, "inventory">,
  access: Access,
  repositoryId: number,
  encodedName: string,
): Promise<ModelTimeline | undefined> {
  if (!access.ids.includes(repositoryId)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return undefined;
  }
  return context.inventory.modelTimeline(repositoryId, name);
}

async function repositoryRows(context: RouteContext, access: Access, now: Date) {
  const [models, files] = await Promise.all([
    context.inventory.listModels({ repositoryIds: access.ids, now }),
    context.inventory.listUnmanaged(access.ids),
  ]);
  const modelsOf = byRepository(models);
  const filesOf = byRepository(files);
  return access.repositories.map((repository) => {
    const own = modelsOf.get(repository.repositoryId) ?? [];
    const unmanaged = filesOf.get(repository.repositoryId) ?? [];
    const findingList = repositoryFindings({ repository, models: own, unmanaged }, now);
    return { repository, models: own.length, unmanaged: unmanaged.length, findings: findingList.length, findingList };
  });
}

/** The session's access, or an answer already sent (the token no longer valid: signed out; GitHub down: 502). */
async function sessionAccess(
  context: RouteContext,
  session: SessionUser,
  response: ServerResponse,
): Promise<Access | undefined> {
  try {
    return await accessOf({ ...context, cacheKey: `session:${session.idHash}`, token: session.token });
  } catch (error) {
    if (error instanceof UserTokenRejected) {
      await context.sessions.revoke(session.idHash);
      sendHtml(
        response,
        401,
        signInPage("GitHub no longer accepts your sign-in: sign in again."),
        clearCookie(SESSION_COOKIE),
      );
      return undefined;
    }
    if (error instanceof UserAccessUnreadable) {
      context.log.warn({ reason: error.message }, "modelgate's dashboard could not read a user's access");
      sendHtml(
        response,
        502,
        messagePage(
          "GitHub did not answer",
          "What you can read could not be checked with GitHub, so nothing is shown. Try again in a minute.",
        ),
      );
      return undefined;
    }
    throw error;
  }
}

async function sessionOf(context: RouteContext, request: IncomingMessage): Promise<SessionUser | undefined> {
  const secret = cookiesOf(request).get(SESSION_COOKIE);
  return secret ? context.sessions.read(secret) : undefined;
}

/** The redirect to GitHub's authorisation page, with a fresh single-use state bound to this browser. */
async function startSignIn(context: RouteContext, response: ServerResponse): Promise<void> {
  const state = await context.sessions.createState();
  if (state === undefined) {
    sendHtml(response, 503, signInPage("Too many sign-ins are in progress: try again in a few minutes."));
    return;
  }
  const authorize = new URL(`${context.settings.webUrl}/login/oauth/authorize`);
  authorize.searchParams.set("client_id", context.settings.clientId);
  authorize.searchParams.set("state", state);
  const redirectUri = callbackUrl(context.settings);
  if (redirectUri) authorize.searchParams.set("redirect_uri", redirectUri);
  response.writeHead(302, {
    ...COMMON_HEADERS,
    location: authorize.toString(),
    "set-cookie": cookie(STATE_COOKIE, state, OAUTH_STATE_MINUTES * 60),
  });
  response.end();
}

function callbackUrl(settings: DashboardSettings): string | undefined {
  return settings.publicOrigin ? `${settings.publicOrigin}/dashboard/auth/callback` : undefined;
}

/**
 * GitHub sends the browser back with `code` and `state`. The state must be the one this browser was given (its
 * cookie) AND one this server made and has not used (Postgres): a forged, foreign or replayed state is refused
 * before the code is exchanged.
 */
async function finishSignIn(
  context: RouteContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const state = url.searchParams.get("state") ?? "";
  const browserState = cookiesOf(request).get(STATE_COOKIE) ?? "";
  const clearState = clearCookie(STATE_COOKIE);
  const stateMatches = state !== "" && sameToken(state, browserState);
  if (!stateMatches || !(await context.sessions.consumeState(state))) {
    context.log.warn("modelgate's dashboard refused a sign-in whose state did not match");
    return sendHtml(
      response,
      400,
      signInPage(
        "This sign-in could not be verified (it was started elsewhere, took too long, or was used already). Sign in again.",
      ),
      clearState,
    );
  }
  if (url.searchParams.get("error"))
    return sendHtml(response, 200, signInPage("GitHub did not authorise the sign-in."), clearState);
  const code = url.searchParams.get("code") ?? "";
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(code))
    return sendHtml(response, 400, signInPage("GitHub sent no usable code: sign in again."), clearState);
  try {
    const token = await exchangeCode(context.endpoints, code, callbackUrl(context.settings));
    const user = await readUser(context.endpoints, token.token);
    await context.sessions.prune();
    // a new sign-in never keeps the browser's earlier session alive beside the new one
    const earlier = await sessionOf(context, request);
    if (earlier) await context.sessions.revoke(earlier.idHash);
    const secret = await context.sessions.create({
      userId: user.id,
      login: user.login,
      token: token.token,
      ...(token.expiresIn !== undefined ? { expiresInSeconds: token.expiresIn } : {}),
    });
    context.log.info({ login: user.login }, "modelgate's dashboard signed a user in");
    response.writeHead(303, {
      ...COMMON_HEADERS,
      location: "/dashboard",
      "set-cookie": [clearState, cookie(SESSION_COOKIE, secret)],
    });
    response.end();
  } catch (error) {
    if (!(error instanceof UserTokenRejected || error instanceof UserAccessUnreadable)) throw error;
    context.log.warn({ reason: error.message }, "modelgate's dashboard could not complete a sign-in");
    sendHtml(response, 502, signInPage(`The sign-in did not complete: ${error.message}. Sign in again.`), clearState);
  }
}

async function post(context: RouteContext, request: IncomingMessage, response: ServerResponse, path: string) {
  const session = await sessionOf(context, request);
  if (!session) return sendHtml(response, 401, signInPage("Your session has ended: sign in again."));
  const form = await readForm(request);
  if (typeof form === "string") return sendHtml(response, 400, messagePage("Request refused", form));
  const refused = csrfProblem(context.settings, request, form, session);
  if (refused) {
    context.log.warn({ reason: refused, path }, "modelgate's dashboard refused a cross-site request");
    return sendHtml(response, 403, messagePage("Request refused", `This request was refused: ${refused}.`));
  }
  const viewer: Viewer = { login: session.login, csrfToken: session.csrfToken };
  if (path === "/dashboard/auth/logout") {
    await context.sessions.revoke(session.idHash);
    response.writeHead(303, { ...COMMON_HEADERS, location: "/dashboard", "set-cookie": clearCookie(SESSION_COOKIE) });
    response.end();
    return;
  }
  const access = await sessionAccess(context, session, response);
  if (!access) return;
  const now = context.now();
  if (path === "/dashboard/export/inventory.csv") {
    form.delete("csrf");
    const parsed = parseModelsQuery(form);
    if (!parsed.ok) return sendHtml(response, 400, messagePage("Filters not understood", parsed.error, viewer));
    const models = await context.inventory.listModels(modelFilterOf(parsed.value, access.ids, now));
    response.writeHead(200, {
      ...COMMON_HEADERS,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="modelgate-inventory-${now.toISOString().slice(0, 10)}.csv"`,
    });
    response.end(inventoryCsv(models));
    return;
  }
  if (path === "/dashboard/export/audit.json") {
    const chosen = form.get("all") === "1" ? access.ids.map(String) : form.getAll("repository");
    const ids: number[] = [];
    for (const value of chosen) {
      const id = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
      // a repository the user cannot read is refused like one that does not exist: the pack is never partial
      if (!access.ids.includes(id))
        return sendHtml(response, 404, messagePage("Not found", `No repository ${value} that you can read.`, viewer));
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0)
      return sendHtml(
        response,
        400,
        messagePage("Nothing chosen", "Choose at least one repository to export.", viewer),
      );
    const pack = await auditPack(context, access, ids, now);
    response.writeHead(200, {
      ...COMMON_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="modelgate-audit-${now.toISOString().slice(0, 10)}.json"`,
    });
    response.end(`${JSON.stringify(pack, null, 2)}\n`);
    return;
  }
  sendHtml(response, 404, notFoundPage(viewer));
}

/** The audit pack's JSON of the chosen repositories (ids the user can read), with every model's timeline. */
export async function auditPack(context: Pick<RouteContext, "inventory">, access: Access, ids: number[], now: Date) {
  const [models, files] = await Promise.all([
    context.inventory.listModels({ repositoryIds: ids, now }),
    context.inventory.listUnmanaged(ids),
  ]);
  const timelines = await readTimelines(context.inventory, models);
  const modelsOf = byRepository(models);
  const filesOf = byRepository(files);
  const timelinesOf = byRepository(timelines);
  const repositories = access.repositories
    .filter((r) => ids.includes(r.repositoryId))
    .map((repository) => ({
      repository,
      models: modelsOf.get(repository.repositoryId) ?? [],
      unmanaged: filesOf.get(repository.repositoryId) ?? [],
      timelines: timelinesOf.get(repository.repositoryId) ?? [],
    }));
  return organisationAuditPack({ generatedAt: now, toolVersion: await modelgateVersion(), repositories });
}

/** Every model's timeline, a few reads at a time across all repositories (the whole organisation is 10,000). */
async function readTimelines(
  inventory: InventoryStore,
  models: ReadonlyArray<InventoryModel>,
): Promise<ModelTimeline[]> {
  const timelines: ModelTimeline[] = [];
  let next = 0;
  const reader = async () => {
    while (next < models.length) {
      const model = models[next++]!;
      const timeline = await inventory.modelTimeline(model.repositoryId, model.name);
      if (timeline) timelines.push(timeline);
    }
  };
  await Promise.all(Array.from({ length: TIMELINE_READS_AT_ONCE }, reader));
  return timelines;
}

/**
 * Why a state-changing request is refused, or undefined: it must come from this origin (the Origin header, and
 * Sec-Fetch-Site when the browser sends it) and carry the session's CSRF token.
 */
export function csrfProblem(
  settings: Pick<DashboardSettings, "publicOrigin">,
  request: IncomingMessage,
  form: URLSearchParams,
  session: Pick<SessionUser, "csrfToken">,
): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin !== "string" || origin === "" || origin === "null") return "it names no origin";
  if (!sameOrigin(settings, request, origin)) return "it comes from another site";
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return "it comes from another site";
  const token = form.get("csrf") ?? "";
  if (token === "" || !sameToken(token, session.csrfToken)) return "its form token is missing or not this session's";
  return undefined;
}

function sameOrigin(
  settings: Pick<DashboardSettings, "publicOrigin">,
  request: IncomingMessage,
  origin: string,
): boolean {
  if (settings.publicOrigin) return origin === settings.publicOrigin;
  // without PUBLIC_URL: the host the browser addressed (a proxy in front may speak http to us, so not the scheme)
  return URL.canParse(origin) && new URL(origin).host === request.headers.host;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | string> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return "a form was expected";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return "the form is too large";
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The request's cookies (the first of a name wins, as browsers send the most specific first). */
export function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(index + 1).trim());
  }
  return cookies;
}

function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ""}`;
}

function clearCookie(name: string): string {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

function sendHtml(response: ServerResponse, status: number, html: string, setCookie?: string): void {
  response.writeHead(status, {
    ...COMMON_HEADERS,
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    ...(setCookie ? { "set-cookie": setCookie } : {}),
  });
  response.end(html);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    ...COMMON_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    ...headers,
  });
  response.end(JSON.stringify(body));
}
