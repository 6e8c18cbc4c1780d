import { ProbotOctokit } from "probot";
import { githubTraffic } from "./traffic.js";

/**
 * The Octokit of the server's worker: Probot's, with modelgate's pacing (traffic.ts) in place of
 * Probot's throttling — which queues GraphQL reads behind writes and does not wait out secondary
 * rate limits. plugin-retry still retries server errors; rate limits (403/429) are traffic.ts's.
 */
export const ModelgateOctokit = ProbotOctokit.plugin(githubTraffic).defaults({
  throttle: { enabled: false },
  retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
});
