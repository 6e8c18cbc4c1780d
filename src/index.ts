import type { ApplicationFunction, Context } from "probot";
import { onCheckRun, onCheckSuite } from "./handlers/check-run.js";
import { onDeploymentProtectionRule, type ScheduleDeploymentRetry } from "./handlers/deployment.js";
import { onEndOfLifeIssueEvent, onPush } from "./handlers/end-of-life.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onRelease, onReleaseCheckRun } from "./handlers/release.js";
import type { Clock } from "./handlers/context.js";
import { onPullRequest, onPullRequestReview } from "./handlers/pull-request.js";
import { defaultMarkerKey } from "./marker-key.js";
import { inProcessCoordination, type Coordination } from "./store/coordination.js";
import type { Jobs } from "./queue/job-queue.js";
import { defineRecoveryJobs } from "./handlers/recovery.js";
import { defineContinuousJobs } from "./handlers/continuous-jobs.js";
import { defineHeadRetries } from "./handlers/head-retries.js";
import type { ReconciliationStore } from "./store/reconciliation-store.js";
import { waitingOutRateLimits } from "./handlers/rate-limit-waits.js";
import type { RateLimitWaitOptions } from "./github/traffic.js";
import type { InventoryStore } from "./store/inventory-store.js";
import {
  defineInventoryJobs,
  onInventoryIssue,
  onInventoryPush,
  recordingGateDecisions,
  registerInventoryEvents,
} from "./handlers/inventory.js";

/**
 * The modelgate GitHub App: registers each event once (never both `event` and
 * `event.action`). The clock is injectable for tests; the app itself uses the time of day.
 * The marker key signs the hidden markers of its issues; by default it is derived from the
 * App's private key (marker-key.ts), and loading fails when there is none to derive it from.
 * `scheduleDeploymentRetry` queues a later try of a deployment decision GitHub kept from being made.
 * The coordination holds the locks that serialise work on one head or subject: the server passes
 * the database's (server/runtime.ts); alone in one process (the GitHub Action) locks are in memory.
 * With `jobs` (the server's queue), the app defines its scheduled and retried jobs there: recovery,
 * the daily re-evaluation run and deployment retries (handlers/continuous-jobs.ts).
 * Every delivery's client waits out GitHub's rate limits (handlers/rate-limit-waits.ts), however
 * the app is run; `rateLimitWaits` sets how (tests record the waits instead of sleeping).
 */
export interface ModelgateOptions {
  clock?: Clock;
  markerKey?: string;
  scheduleDeploymentRetry?: ScheduleDeploymentRetry;
  coordination?: Coordination;
  /** The server's job queue: recovery (redelivery, reconciliation) and other scheduled work is defined on it. */
  jobs?: Jobs;
  /** What reconciliation remembers between runs (ETags, completed heads); needed with `jobs`. */
  reconciliationStore?: ReconciliationStore;
  rateLimitWaits?: RateLimitWaitOptions;
  /** The organisation's inventory (docs/inventory.md): with `jobs`, swept daily and fed by webhooks and gate decisions. */
  inventory?: InventoryStore;
}

export function modelgate(options: ModelgateOptions = {}): ApplicationFunction {
  const clock = options.clock ?? (() => new Date());
  return (app) => {
    const markerKey = options.markerKey ?? defaultMarkerKey();
    const coordination = options.coordination ?? inProcessCoordination();
    if (options.jobs && options.reconciliationStore)
      defineRecoveryJobs(options.jobs, { clock, markerKey, coordination, store: options.reconciliationStore });
    const scheduleDeploymentRetry =
      options.scheduleDeploymentRetry ??
      (options.jobs && defineContinuousJobs(options.jobs, { clock, markerKey, coordination }));
    // a head GitHub kept from being evaluated is tried again from the queue (docs/operations.md, "Recovery")
    const retries = options.jobs && defineHeadRetries(options.jobs, { clock, markerKey, coordination });
    const inventory = options.jobs && options.inventory ? options.inventory : undefined;
    const feed = options.jobs && inventory && defineInventoryJobs(options.jobs, { store: inventory, markerKey, clock });
    // gates record their decisions in the inventory where they write them (handlers/inventory.ts)
    const waiting = <C extends { octokit: object; payload: unknown; log: Context["log"] }>(
      handle: (context: C) => Promise<void>,
    ) => waitingOutRateLimits(recordingGateDecisions(handle, inventory), options.rateLimitWaits);
    // one handler per event: the inventory's part runs after the workflow's (a refresh is only queued)
    const withInventory = <C extends { octokit: object; payload: unknown; log: Context["log"] }>(
      handle: (context: C) => Promise<void>,
      also: ((context: C) => Promise<void>) | undefined,
    ) =>
      also
        ? async (context: C) => {
            try {
              await handle(context);
            } finally {
              await also(context);
            }
          }
        : handle;
    app.on(
      [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.reopened",
        "pull_request.ready_for_review",
        "pull_request.edited",
      ],
      waiting(onPullRequest(clock, markerKey, coordination, retries)),
    );
    app.on(
      ["pull_request_review.submitted", "pull_request_review.dismissed", "pull_request_review.edited"],
      waiting(onPullRequestReview(clock, markerKey, coordination, retries)),
    );
    // each check run handler acts only on its own run name (`modelgate`, `modelgate / release`)
    const checkRunHandlers = [
      onCheckRun(clock, markerKey, coordination, retries),
      onReleaseCheckRun(clock, markerKey, coordination),
    ];
    app.on(
      ["check_run.rerequested", "check_run.requested_action"],
      waiting(async (context) => {
        for (const handle of checkRunHandlers) await handle(context);
      }),
    );
    app.on("check_suite.rerequested", waiting(onCheckSuite(clock, markerKey, coordination, retries)));
    app.on(["release.published", "release.created"], waiting(onRelease(clock, markerKey, coordination)));
    app.on(
      "push",
      waiting(withInventory(onPush(markerKey, coordination, clock), feed ? onInventoryPush(feed) : undefined)),
    );
    // without a retry queue, a deployment GitHub kept modelgate from judging is rejected at once (docs/deployments.md)
    app.on(
      "deployment_protection_rule.requested",
      waiting(onDeploymentProtectionRule(clock, markerKey, coordination, scheduleDeploymentRetry || undefined)),
    );
    app.on(
      ["issues.edited", "issues.closed"],
      waiting(
        withInventory(onEndOfLifeIssueEvent(markerKey, coordination, clock), feed ? onInventoryIssue(feed) : undefined),
      ),
    );
    // sign-off commands (and end-of-life sign-offs): one dispatcher for every comment event
    app.on(
      ["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"],
      waiting(onIssueComment(clock, markerKey, coordination)),
    );
    if (feed) registerInventoryEvents(app, feed);
  };
}

export default modelgate();
