/**
 * The dashboard's and API's one access rule (docs/dashboard.md, "Who sees what"): a user sees a repository only
 * while their own token can read it. GitHub is asked live (the App's installations the user can reach, and their
 * repositories the user can read) and the answer is trusted for ACCESS_CACHE_SECONDS, in Postgres, so every
 * replica shares it and logging out drops it.
 */
import type { Logger } from "pino";
import { readableRepositories, type GitHubUserEndpoints } from "../github/user-access.js";
import type { DashboardSessions } from "../store/dashboard-sessions.js";
import type { InventoryStore } from "../store/inventory-store.js";
import type { InventoryRepository } from "../core/inventory/types.js";

export interface Access {
  /** The repositories the user can read now that the inventory holds, by full name. */
  repositories: InventoryRepository[];
  /** Their ids: the only ids any read of the inventory may be given. */
  ids: number[];
}

/**
 * What the token's user may see. Throws UserTokenRejected (the token is no longer valid) or UserAccessUnreadable
 * (GitHub did not answer): the caller shows nothing.
 */
export async function accessOf(options: {
  sessions: DashboardSessions;
  inventory: InventoryStore;
  endpoints: GitHubUserEndpoints;
  cacheKey: string;
  token: string;
  log: Logger;
}): Promise<Access> {
  const { sessions, inventory, endpoints, cacheKey, token } = options;
  let readable = await sessions.cachedAccess(cacheKey);
  if (readable === undefined) {
    readable = (await readableRepositories(endpoints, token)).map((r) => r.id);
    await sessions.storeAccess(cacheKey, readable);
  }
  const repositories = await inventory.listRepositories(readable);
  // the inventory is asked only about readable ids; this keeps the rule if a store ever answered more
  const allowed = new Set(readable);
  const visible = repositories.filter((r) => allowed.has(r.repositoryId));
  return { repositories: visible, ids: visible.map((r) => r.repositoryId) };
}

/**
 * Headers of every dashboard and API answer: nothing cached, framed or sniffed, and no address sent to another
 * site as a referrer. `same-origin`, not `no-referrer`: with `no-referrer` a browser sends `Origin: null` on the
 * dashboard's own form posts, which the CSRF check must refuse.
 */
export const COMMON_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** No script, no other origin, no framing; forms post only here. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
