import { ProbotOctokit } from "probot";
import { githubTraffic } from "./traffic.js";

type OctokitOptions = ConstructorParameters<typeof ProbotOctokit>[0] & { retry?: object; throttle?: object };

/**
 * The Octokit of the server's worker: Probot's, with modelgate's pacing (traffic.ts) in place of
 * Probot's throttling — which queues GraphQL reads behind writes and does not wait out secondary
 * rate limits. plugin-retry still retries server errors; rate limits (403/429) are traffic.ts's.
 * Probot hands every client it builds throttle options of its own, which would switch its
 * throttling back on over a plain default: the throttle is turned off on the final options.
 */
export const ModelgateOctokit = ProbotOctokit.plugin(githubTraffic).defaults((options: OctokitOptions = {}) => ({
  ...options,
  throttle: { ...options.throttle, enabled: false },
  retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], ...options.retry },
}));
