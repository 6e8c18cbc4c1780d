import type { ProbotOctokit } from "probot";
import type { ReconciliationStore } from "../store/reconciliation-store.js";
import { httpStatus } from "./errors.js";

/**
 * A GET sent with the ETag of its last answer: GitHub answers 304 Not Modified — which costs
 * no rate limit — when nothing changed, and the stored body is used. `counted` tells the
 * caller whether the request counted against the rate limit.
 */
export async function conditionalGet<T>(
  octokit: ProbotOctokit,
  store: ReconciliationStore,
  route: string,
  parameters: Record<string, unknown>,
): Promise<{ data: T; notModified: boolean }> {
  const key = `${route} ${JSON.stringify(parameters)}`;
  const cached = await store.cached(key);
  try {
    const response = await octokit.request(route, {
      ...parameters,
      headers: cached ? { "if-none-match": cached.etag } : {},
    });
    const etag = response.headers.etag;
    if (typeof etag === "string") await store.cache(key, etag, response.data);
    return { data: response.data as T, notModified: false };
  } catch (error) {
    if (httpStatus(error) === 304 && cached) return { data: cached.body as T, notModified: true };
    throw error;
  }
}
