/**
 * The JSON API, /api/v1/… (docs/dashboard.md, "The API"): the same data as the dashboard under the same access rule,
 * for a user's own GitHub token sent as `Authorization: Bearer`. Cookies are never read here, so a browser's session
 * cannot be used from another site (no CSRF), and every request is a GET.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { modelFilterOf, parseModelsQuery } from "../core/dashboard/query.js";
import { UserAccessUnreadable, UserTokenRejected } from "../github/user-access.js";
import { sha256 } from "../store/dashboard-sessions.js";
import { accessOf, type Access } from "./dashboard-access.js";
import { sendJson, visibleTimeline, type RouteContext } from "./dashboard.js";

const TIMELINE_PATH = /^\/api\/v1\/repositories\/(\d{1,16})\/models\/([^/]+)$/;
const CHALLENGE = { "www-authenticate": 'Bearer realm="modelgate"' };

export function dashboardApi(context: RouteContext) {
  return async (request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> => {
    try {
      await answer(context, request, response, path);
    } catch (error) {
      context.log.error({ reason: (error as Error).message, path }, "modelgate's API could not answer");
      if (!response.headersSent) sendJson(response, 500, { message: "modelgate could not answer: try again" });
    }
    return true;
  };
}

async function answer(context: RouteContext, request: IncomingMessage, response: ServerResponse, path: string) {
  if (request.method !== "GET" && request.method !== "HEAD")
    return sendJson(response, 405, { message: "the API only reads: use GET" }, { allow: "GET, HEAD" });
  const token = bearerToken(request);
  if (!token)
    return sendJson(
      response,
      401,
      { message: "send your GitHub user token as `Authorization: Bearer <token>` (cookies are not accepted here)" },
      CHALLENGE,
    );
  let access: Access;
  try {
    access = await accessOf({ ...context, cacheKey: `token:${sha256(token)}`, token });
  } catch (error) {
    if (error instanceof UserTokenRejected)
      return sendJson(response, 401, { message: "GitHub does not accept this token" }, CHALLENGE);
    if (error instanceof UserAccessUnreadable)
      return sendJson(response, 502, {
        message: "what this token can read could not be checked with GitHub: try again",
      });
    throw error;
  }
  const url = new URL(request.url ?? "/", "http://api.invalid");
  const now = context.now();
  if (path === "/api/v1/repositories") return sendJson(response, 200, { repositories: access.repositories });
  if (path === "/api/v1/models") {
    const parsed = parseModelsQuery(url.searchParams);
    if (!parsed.ok) return sendJson(response, 400, { message: parsed.error });
    const models = await context.inventory.listModels(modelFilterOf(parsed.value, access.ids, now));
    return sendJson(response, 200, { models });
  }
  if (path === "/api/v1/unmanaged")
    return sendJson(response, 200, { files: await context.inventory.listUnmanaged(access.ids) });
  const timeline = TIMELINE_PATH.exec(path);
  if (timeline) {
    const found = await visibleTimeline(context, access, Number(timeline[1]), timeline[2]!);
    if (found) return sendJson(response, 200, found);
  }
  // an unknown path and a repository the token cannot read get the same answer
  sendJson(response, 404, { message: "not found, or about a repository this token cannot read" });
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization ?? "";
  const match = /^Bearer ([A-Za-z0-9_.-]{1,512})$/.exec(header.trim());
  return match?.[1];
}
