import type { Context } from "probot";
import { pullRequestUnderEvaluation } from "../github/pull-requests.js";
import type { Coordination } from "../store/coordination.js";
import { evaluatePullRequest } from "./evaluate-pull-request.js";

export type Clock = () => Date;

/** pull_request opened/synchronize/reopened/ready_for_review/edited: evaluate the head. */
export function onPullRequest(clock: Clock, markerKey: string, coordination: Coordination) {
  return async (context: Context<"pull_request">): Promise<void> => {
    const { owner, repo } = context.repo();
    const pr = pullRequestUnderEvaluation(context.payload.pull_request);
    await evaluatePullRequest({ octokit: context.octokit, log: context.log, delivery: context.id, owner, repo, now: clock(), markerKey, coordination }, pr);
  };
}

/** pull_request_review submitted/dismissed/edited: a review can meet or withdraw a role's approval. */
export function onPullRequestReview(clock: Clock, markerKey: string, coordination: Coordination) {
  return async (context: Context<"pull_request_review">): Promise<void> => {
    const { owner, repo } = context.repo();
    // a review of a closed PR changes nothing that can still merge
    if (context.payload.pull_request.state !== "open") return;
    const pr = pullRequestUnderEvaluation(context.payload.pull_request);
    await evaluatePullRequest({ octokit: context.octokit, log: context.log, delivery: context.id, owner, repo, now: clock(), markerKey, coordination }, pr);
  };
}
