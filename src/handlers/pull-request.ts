import type { Context } from "probot";
import { pullRequestUnderEvaluation } from "../github/pull-requests.js";
import { evaluationContext, type Clock } from "./context.js";
import { evaluatePullRequest } from "./evaluate-pull-request.js";
import type { Coordination } from "../store/coordination.js";
import type { HeadRetries } from "./head-retries.js";

/** pull_request opened/synchronize/reopened/ready_for_review/edited: evaluate the head. */
export function onPullRequest(clock: Clock, markerKey: string, coordination: Coordination, retries?: HeadRetries) {
  return async (context: Context<"pull_request">): Promise<void> => {
    await evaluatePullRequest(
      evaluationContext(context, clock, markerKey, coordination, retries),
      pullRequestUnderEvaluation(context.payload.pull_request),
    );
  };
}

/** pull_request_review submitted/dismissed/edited: a review can meet or withdraw a role's approval. */
export function onPullRequestReview(
  clock: Clock,
  markerKey: string,
  coordination: Coordination,
  retries?: HeadRetries,
) {
  return async (context: Context<"pull_request_review">): Promise<void> => {
    // a review of a closed PR changes nothing that can still merge
    if (context.payload.pull_request.state !== "open") return;
    await evaluatePullRequest(
      evaluationContext(context, clock, markerKey, coordination, retries),
      pullRequestUnderEvaluation(context.payload.pull_request),
    );
  };
}
