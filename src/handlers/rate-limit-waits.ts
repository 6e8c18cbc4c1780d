import type { Octokit } from "@octokit/core";
import { waitOutRateLimits, type RateLimitWaitOptions } from "../github/traffic.js";

/**
 * The handler, with the client of its delivery waiting out GitHub's rate limits first: a
 * behaviour of the app, not of one way of running it, so the GitHub Action and `probot run`
 * (Probot's own Octokit, which gives up on a secondary rate limit) wait as the server does. The
 * server's client already waits (src/github/octokit.ts) and is left as it is (docs/operations.md).
 */
export function waitingOutRateLimits<C extends { octokit: object }>(
  handle: (context: C) => Promise<void>,
  options: RateLimitWaitOptions = {},
): (context: C) => Promise<void> {
  return (context) => {
    waitOutRateLimits(context.octokit as Octokit, options);
    return handle(context);
  };
}
