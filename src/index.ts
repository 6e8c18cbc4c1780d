import type { ApplicationFunction } from "probot";
import { onCheckRun, onCheckSuite } from "./handlers/check-run.js";
import { onDeploymentProtectionRule, type ScheduleDeploymentRetry } from "./handlers/deployment.js";
import { onEndOfLifeIssueEvent, onPush } from "./handlers/end-of-life.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onRelease, onReleaseCheckRun } from "./handlers/release.js";
import type { Clock } from "./handlers/context.js";
import { onPullRequest, onPullRequestReview } from "./handlers/pull-request.js";
import { defaultMarkerKey } from "./marker-key.js";

/**
 * The modelgate GitHub App: registers each event once (never both `event` and
 * `event.action`). The clock is injectable for tests; the app itself uses the time of day.
 * The marker key signs the hidden markers of its issues; by default it is derived from the
 * App's private key (marker-key.ts), and loading fails when there is none to derive it from.
 * `scheduleDeploymentRetry` queues a later try of a deployment decision GitHub kept from being made.
 */
export function modelgate(options: { clock?: Clock; markerKey?: string; scheduleDeploymentRetry?: ScheduleDeploymentRetry } = {}): ApplicationFunction {
  const clock = options.clock ?? (() => new Date());
  return (app) => {
    const markerKey = options.markerKey ?? defaultMarkerKey();
    app.on(
      ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review", "pull_request.edited"],
      onPullRequest(clock, markerKey),
    );
    app.on(["pull_request_review.submitted", "pull_request_review.dismissed", "pull_request_review.edited"], onPullRequestReview(clock, markerKey));
    // each check run handler acts only on its own run name (`modelgate`, `modelgate / release`)
    const checkRunHandlers = [onCheckRun(clock, markerKey), onReleaseCheckRun(clock, markerKey)];
    app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
      for (const handle of checkRunHandlers) await handle(context);
    });
    app.on("check_suite.rerequested", onCheckSuite(clock, markerKey));
    app.on(["release.published", "release.created"], onRelease(clock, markerKey));
    app.on("push", onPush(markerKey));
    // without a retry queue, a deployment GitHub kept modelgate from judging is rejected at once (docs/deployments.md)
    app.on("deployment_protection_rule.requested", onDeploymentProtectionRule(clock, markerKey, options.scheduleDeploymentRetry));
    app.on(["issues.edited", "issues.closed"], onEndOfLifeIssueEvent(markerKey));
    // sign-off commands (and end-of-life sign-offs): one dispatcher for every comment event
    app.on(["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"], onIssueComment(clock, markerKey));
  };
}

export default modelgate();
