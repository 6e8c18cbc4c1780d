import type { Context } from "probot";
import { ownAppId } from "../github/app-identity.js";
import { openPullRequestsByNumber, type PullRequestUnderEvaluation } from "../github/pull-requests.js";
import { evaluationContext, type Clock, type EvaluationContext } from "./context.js";
import { CHECK_NAME, evaluateHead, reportCouldNotEvaluate, type EvaluationOptions } from "./evaluate-pull-request.js";
import type { Coordination } from "../store/coordination.js";
import type { HeadRetries } from "./head-retries.js";

/** Buttons of the modelgate check run (render/check-run.ts). */
const KNOWN_ACTIONS = new Set(["reevaluate", "open-sign-off"]);

/** check_run rerequested / requested_action on THIS app's `modelgate` run: evaluate its pull requests again. */
export function onCheckRun(clock: Clock, markerKey: string, coordination: Coordination, retries?: HeadRetries) {
  return async (context: Context<"check_run">): Promise<void> => {
    const run = context.payload.check_run;
    if (run.name !== CHECK_NAME) return;
    // our own runs send check_run events back, and other apps' runs are none of our business
    if (run.app?.id !== (await ownAppId(context.octokit))) return;
    if (
      context.payload.action === "requested_action" &&
      !KNOWN_ACTIONS.has(context.payload.requested_action?.identifier ?? "")
    )
      return;
    // "Open sign-off" opens (or finds) the sign-off issues while it evaluates, whatever approvals.via says
    const openSignOffIssues =
      context.payload.action === "requested_action" && context.payload.requested_action?.identifier === "open-sign-off";
    await reevaluateCommit(
      evaluationContext(context, clock, markerKey, coordination, retries),
      run.head_sha,
      run.pull_requests.map((pr) => pr.number),
      { openSignOffIssues },
    );
  };
}

/** check_suite rerequested ("Re-run all checks") on this app's suite: evaluate every open PR of its head. */
export function onCheckSuite(clock: Clock, markerKey: string, coordination: Coordination, retries?: HeadRetries) {
  return async (context: Context<"check_suite">): Promise<void> => {
    const suite = context.payload.check_suite;
    if (suite.app?.id !== (await ownAppId(context.octokit))) return;
    await reevaluateCommit(
      evaluationContext(context, clock, markerKey, coordination, retries),
      suite.head_sha,
      suite.pull_requests.map((pr) => pr.number),
    );
  };
}

async function reevaluateCommit(
  ctx: EvaluationContext,
  headSha: string,
  numbers: number[],
  options: EvaluationOptions = {},
): Promise<void> {
  let named: PullRequestUnderEvaluation[];
  try {
    // the payload's pull requests, read fresh; a fork's is not named there, and evaluateHead lists every open one anyway
    named = await openPullRequestsByNumber(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, numbers });
  } catch (error) {
    await reportCouldNotEvaluate(ctx, { headSha, ...(numbers.length === 1 ? { pullRequest: numbers[0] } : {}) }, error);
    return;
  }
  await evaluateHead(ctx, headSha, named, options);
}
