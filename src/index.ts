import type { ApplicationFunction } from "probot";
import { onCheckRun, onCheckSuite } from "./handlers/check-run.js";
import { onPullRequest, onPullRequestReview, type Clock } from "./handlers/pull-request.js";

/**
 * The modelgate GitHub App: registers each event once (never both `event` and
 * `event.action`). The clock is injectable for tests; the app itself uses the time of day.
 */
export function modelgate(options: { clock?: Clock } = {}): ApplicationFunction {
  const clock = options.clock ?? (() => new Date());
  return (app) => {
    app.on(
      ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review", "pull_request.edited"],
      onPullRequest(clock),
    );
    app.on(["pull_request_review.submitted", "pull_request_review.dismissed", "pull_request_review.edited"], onPullRequestReview(clock));
    app.on(["check_run.rerequested", "check_run.requested_action"], onCheckRun(clock));
    app.on("check_suite.rerequested", onCheckSuite(clock));
  };
}

export default modelgate();
