import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { Decision } from "../core/evaluate/types.js";
import { evaluateGate } from "../core/evaluate/evaluate-gate.js";
import { POLICY_PATH } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/schema.js";
import { renderCheckRun } from "../core/render/check-run.js";
import { gatherApprovalFacts } from "../github/approval-facts.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { CouldNotEvaluate, httpStatus } from "../github/errors.js";
import type { PullRequestUnderEvaluation } from "../github/pull-requests.js";
import { readBasePolicy } from "../github/read-policy.js";
import { readPullRequestSnapshots } from "../github/read-snapshot.js";
import { logDecision } from "./decision-log.js";

/** The name of the pull-request check run (SPEC §5). */
export const CHECK_NAME = "modelgate";

/** What a handler passes on from the Probot context. */
export interface EvaluationContext {
  octokit: ProbotOctokit;
  log: Logger;
  /** The webhook delivery id, for the decision log. */
  delivery: string;
  owner: string;
  repo: string;
  now: Date;
}

/**
 * Evaluates a pull request's head and writes the one `modelgate` check run on it.
 * Anything that stops the facts from being read turns into a failing "Could not
 * evaluate" run with a Re-evaluate button (never success); only a failure to write
 * the check run itself is thrown, so the delivery fails visibly.
 */
export async function evaluatePullRequest(ctx: EvaluationContext, pr: PullRequestUnderEvaluation): Promise<Decision> {
  let decision: Decision;
  let policy: Policy | undefined;
  try {
    const read = await readBasePolicy(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, branch: pr.baseRef });
    if (read.ok) policy = read.policy;
    decision = read.ok ? await judge(ctx, pr, read.policy) : invalidPolicyDecision(read.errors);
  } catch (error) {
    decision = couldNotEvaluateDecision(error);
    logCouldNotEvaluate(ctx, { pull_request: pr.number, head_sha: pr.headSha }, error, decision);
  }
  await writeDecision(ctx, pr, decision, policy);
  return decision;
}

/** Writes a failing "Could not evaluate" run on a commit whose pull request could not even be identified. */
export async function reportCouldNotEvaluate(ctx: EvaluationContext, target: { headSha: string; pullRequest?: number }, error: unknown): Promise<void> {
  const decision = couldNotEvaluateDecision(error);
  logCouldNotEvaluate(ctx, { pull_request: target.pullRequest ?? null, head_sha: target.headSha }, error, decision);
  await writeDecision(ctx, { number: target.pullRequest ?? null, headSha: target.headSha }, decision, undefined);
}

async function judge(ctx: EvaluationContext, pr: PullRequestUnderEvaluation, policy: Policy): Promise<Decision> {
  const { base, head } = await readPullRequestSnapshots(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, baseSha: pr.baseSha, headSha: pr.headSha }, policy);
  const facts = await gatherApprovalFacts(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, pr }, policy);
  return evaluateGate({ policy, base, head, facts, now: ctx.now });
}

async function writeDecision(ctx: EvaluationContext, pr: { number: number | null; headSha: string }, decision: Decision, policy: Policy | undefined): Promise<void> {
  const output = renderCheckRun(decision, { checkName: CHECK_NAME, policyPath: POLICY_PATH, org: ctx.owner, ...(policy ? { policy } : {}) });
  const appId = await ownAppId(ctx.octokit);
  await writeCheckRun(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, headSha: pr.headSha, name: CHECK_NAME, appId }, output);
  logDecision(ctx.log, { delivery: ctx.delivery, owner: ctx.owner, repo: ctx.repo, pullRequest: pr.number, headSha: pr.headSha }, decision);
}

function invalidPolicyDecision(errors: Decision["errors"]): Decision {
  return { verdict: "failure", models: [], unmanaged: [], errors };
}

function logCouldNotEvaluate(ctx: EvaluationContext, where: Record<string, unknown>, error: unknown, decision: Decision): void {
  const facts = { delivery: ctx.delivery, ...where, status: httpStatus(error), reason: decision.couldNotEvaluate };
  // GitHub failures are expected; anything else is a bug whose stack the operator needs (no request data in it)
  if (error instanceof CouldNotEvaluate) ctx.log.warn(facts, "modelgate could not evaluate");
  else ctx.log.error({ ...facts, stack: error instanceof Error ? error.stack : undefined }, "modelgate could not evaluate");
}

function couldNotEvaluateDecision(error: unknown): Decision {
  // an unexpected error is not GitHub's fault, but the gate still fails closed
  const reason = error instanceof CouldNotEvaluate ? error.message : `internal error (${error instanceof Error ? error.message : String(error)})`;
  return { verdict: "failure", models: [], unmanaged: [], errors: [], couldNotEvaluate: reason };
}
