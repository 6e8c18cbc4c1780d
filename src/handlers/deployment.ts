import type { Context } from "probot";
import {
  deploymentAnswer,
  deploymentCheckRun,
  environmentKey,
  isGatedEnvironment,
  judgeDeployment,
  type DeploymentAnswer,
  type DeploymentBaseline,
} from "../core/deploy/judge-deployment.js";
import type { Decision } from "../core/evaluate/types.js";
import { POLICY_PATH } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/schema.js";
import { truncateChars } from "../core/render/truncate.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { gatedMergeOf, lastApprovedDeployment, type GatedMerge } from "../github/deployment-baseline.js";
import { answerDeploymentRule, workflowRunOfCallback } from "../github/deployments.js";
import { NOT_A_RELEASE } from "../github/known-good.js";
import { CouldNotEvaluate, httpStatus, isTransientGitHubFailure } from "../github/errors.js";
import { readBasePolicy } from "../github/read-policy.js";
import { couldNotEvaluateDecision } from "./could-not-evaluate.js";
import { logDecision } from "./decision-log.js";
import type { Clock, EvaluationContext } from "./context.js";
import { CHECK_NAME } from "./evaluate-pull-request.js";
import { judgeModelsAtCommit, type ModelsJudgement } from "./release.js";
import { recordGateDecision } from "./inventory.js";
import type { Coordination } from "../store/coordination.js";

/**
 * The check run that holds a deployment decision's full report, one per environment: named with
 * the environment in lower case, as GitHub compares environment names without case, so
 * `Production` and `production` share one run (and the baseline lookup finds it).
 */
export function deploymentCheckName(environment: string): string {
  return `modelgate / deployment (${truncateChars(environmentKey(environment), 100, "…")})`;
}

/** Longer names are cut in the check run name, so two environments could share one run: no deployment baseline for them. */
const MAX_ENVIRONMENT_IN_CHECK_NAME = 100;

/**
 * Judges the models at the deployed commit as the release gate would, compared with the
 * deployment's baseline (docs/deployments.md "What a deployment is compared with"): the latest
 * earlier deployment to the environment that modelgate approved, else the latest release that
 * passed, else the base of the gated pull request that merged the commit, else nothing.
 */
async function judgeAgainstBaseline(
  ctx: DeploymentContext,
  request: DeploymentRequest,
  policy: Policy,
): Promise<{ decision: Decision; baseline: DeploymentBaseline; signOffUrls: Record<string, string> }> {
  const { owner, repo, environment, commit } = request;
  const location = { owner, repo };
  const appId = await ownAppId(ctx.octokit);
  const deployed =
    environment.length <= MAX_ENVIRONMENT_IN_CHECK_NAME
      ? await lastApprovedDeployment(ctx.octokit, location, {
          environment,
          currentDeploymentId: request.deploymentId,
          check: { name: deploymentCheckName(environment), appId },
        })
      : undefined;
  let merge: GatedMerge | undefined;
  const judged = await judgeModelsAtCommit(
    { octokit: ctx.octokit, owner, repo, now: ctx.now, markerKey: ctx.markerKey },
    policy,
    NOT_A_RELEASE,
    commit,
    request.defaultBranch,
    {
      ...(deployed ? { first: deployed } : {}),
      whenNoRelease: async () => {
        merge = await gatedMergeOf(ctx.octokit, location, commit, { name: CHECK_NAME, appId });
        return merge?.base;
      },
    },
  );
  const baseline = deploymentBaseline(judged, deployed, merge, environment);
  return {
    decision: judgeDeployment(judged.decision, judged.detected, policy, ctx.now, baseline, judged.places),
    baseline,
    signOffUrls: judged.facts.signOffIssues,
  };
}

function deploymentBaseline(
  judged: ModelsJudgement,
  deployed: string | undefined,
  merge: GatedMerge | undefined,
  environment: string,
): DeploymentBaseline {
  if (deployed !== undefined) return { kind: "deployment", commit: deployed, environment };
  if (judged.baseline)
    return {
      kind: "release",
      tag: judged.baseline.release.tagName,
      commit: judged.baseline.commit,
      beforeInstallation: judged.baseline.reason === "before-installation",
    };
  if (merge) return { kind: "merge", commit: merge.base, pullRequest: merge.pullRequest };
  return { kind: "none" };
}

/** How often a decision GitHub kept from being made is tried (the first included), and the pauses between tries. */
export const DEPLOYMENT_MAX_ATTEMPTS = 5;
export const DEPLOYMENT_RETRY_DELAYS_MINUTES: ReadonlyArray<number> = [1, 5, 15, 30];

/** A deployment protection rule request, as much as a retry needs to judge it again. */
export interface DeploymentRequest {
  installationId: number;
  owner: string;
  repo: string;
  defaultBranch: string;
  repositoryUrl: string;
  environment: string;
  deploymentId: number;
  commit: string;
  runId: number;
  /** 1 for the delivery, then one more per retry. */
  attempt: number;
}

/**
 * Queues a later try of a deployment decision (the job queue's retry). Throws when it cannot
 * be queued: the deployment is then rejected, never left waiting with nothing to answer it.
 */
export type ScheduleDeploymentRetry = (request: DeploymentRequest, delaySeconds: number) => Promise<void>;

interface DeploymentContext extends Omit<EvaluationContext, "owner" | "repo"> {
  scheduleRetry: ScheduleDeploymentRetry | undefined;
}

/**
 * `deployment_protection_rule.requested` (docs/deployments.md): for an environment the policy gates,
 * every model at the deployment's commit is judged as the release gate would, and the
 * deployment approved or rejected with a comment naming what is missing. A request whose
 * callback does not name this repository's workflow run cannot be answered: it fails visibly.
 */
export function onDeploymentProtectionRule(
  clock: Clock,
  markerKey: string,
  coordination: Coordination,
  scheduleRetry?: ScheduleDeploymentRetry,
) {
  return async (context: Context<"deployment_protection_rule">): Promise<void> => {
    const { payload } = context;
    const { owner, repo } = context.repo();
    const runId = workflowRunOfCallback(payload.deployment_callback_url, { owner, repo });
    const environment = payload.environment ?? payload.deployment?.environment;
    const commit = payload.deployment?.sha;
    if (
      runId === undefined ||
      !environment ||
      !commit ||
      !/^[0-9a-f]{40}$/.test(commit) ||
      payload.installation === undefined
    ) {
      context.log.error(
        { delivery: context.id, repo: `${owner}/${repo}`, environment: environment ?? null },
        "modelgate cannot answer a deployment protection rule request without its run, environment and commit",
      );
      throw new Error(
        `the deployment protection rule request ${context.id} of ${owner}/${repo} names no workflow run of this repository, environment or commit`,
      );
    }
    const request: DeploymentRequest = {
      installationId: payload.installation.id,
      owner,
      repo,
      defaultBranch: payload.repository.default_branch,
      repositoryUrl: payload.repository.html_url,
      environment,
      deploymentId: payload.deployment?.id ?? 0,
      commit,
      runId,
      attempt: 1,
    };
    await decideDeployment(
      {
        octokit: context.octokit,
        log: context.log,
        delivery: context.id,
        now: clock(),
        markerKey,
        coordination,
        scheduleRetry,
      },
      request,
    );
  };
}

/**
 * Judges a deployment and answers its protection rule; also what a queued retry runs (with the
 * installation's client). Cannot decide because of GitHub and a retry can be queued: a status
 * report says so and the rule stays pending — never approved. Otherwise (not GitHub's fault,
 * retries used up, or no queue): rejected with the reason.
 */
export async function decideDeployment(ctx: DeploymentContext, request: DeploymentRequest): Promise<void> {
  const { owner, repo, environment, commit } = request;
  let decision: Decision;
  let policy: Policy | undefined;
  let signOffUrls: Record<string, string> | undefined;
  let baseline: DeploymentBaseline | undefined;
  let failure: unknown;
  try {
    const read = await readBasePolicy(ctx.octokit, { owner, repo, branch: request.defaultBranch });
    if (!read.ok) {
      // the rule is enabled on this environment, so it waits for an answer: an unreadable policy rejects it
      decision = { verdict: "failure", models: [], unmanaged: [], errors: read.errors };
    } else {
      policy = read.policy;
      if (!isGatedEnvironment(policy, environment)) return await answerUngated(ctx, request, policy);
      ({ decision, baseline, signOffUrls } = await judgeAgainstBaseline(ctx, request, policy));
    }
  } catch (error) {
    failure = error;
    decision = couldNotEvaluateDecision(error);
  }

  const retry = failure !== undefined && isTransientGitHubFailure(failure) ? await queueRetry(ctx, request) : undefined;
  if (failure !== undefined) {
    const facts = {
      delivery: ctx.delivery,
      repo: `${owner}/${repo}`,
      environment,
      commit,
      attempt: request.attempt,
      status: httpStatus(failure),
      reason: decision.couldNotEvaluate,
      retry_queued: retry !== undefined,
    };
    if (failure instanceof CouldNotEvaluate) ctx.log.warn(facts, "modelgate could not decide on a deployment");
    else
      ctx.log.error(
        { ...facts, stack: failure instanceof Error ? failure.stack : undefined },
        "modelgate could not decide on a deployment",
      );
  }

  // the full report; a deployment that cannot get one (GitHub down) is still answered
  let reportUrl: string | undefined;
  try {
    const output = deploymentCheckRun(
      decision,
      deploymentCheckName(environment),
      { org: owner, ...(policy ? { policy } : {}), ...(signOffUrls ? { signOffUrls } : {}) },
      baseline,
    );
    // a deployment decision is final once answered: a new request (re-run the workflow) is judged again, not a button
    const written = await writeCheckRun(
      ctx.octokit,
      { owner, repo, headSha: commit, name: deploymentCheckName(environment), appId: await ownAppId(ctx.octokit) },
      { ...output, actions: [] },
    );
    reportUrl = `${request.repositoryUrl}/runs/${written.checkRunId}`;
  } catch (error) {
    ctx.log.warn(
      {
        delivery: ctx.delivery,
        repo: `${owner}/${repo}`,
        environment,
        status: httpStatus(error),
        reason: (error as Error).message,
      },
      "modelgate could not write the deployment report",
    );
  }

  const answer = deploymentAnswer({
    environment,
    commit,
    decision,
    ...(reportUrl ? { reportUrl } : {}),
    ...(retry ? { retry } : {}),
    ...(baseline ? { baseline } : {}),
  });
  logDecision(
    ctx.log,
    {
      delivery: ctx.delivery,
      owner,
      repo,
      pullRequest: null,
      headSha: commit,
      deployment: { id: request.deploymentId, environment, state: answer.state },
    },
    decision,
  );
  await sendAnswer(ctx, request, answer);
  await recordGateDecision(ctx.octokit, decision, {
    gate: "deployment",
    url: reportUrl ?? request.repositoryUrl,
    environment,
    sha: commit,
    answer: answer.state,
    decidedAt: ctx.now.toISOString(),
  });
}

async function queueRetry(
  ctx: DeploymentContext,
  request: DeploymentRequest,
): Promise<{ attempt: number; maxAttempts: number; inMinutes: number } | undefined> {
  if (!ctx.scheduleRetry || request.attempt >= DEPLOYMENT_MAX_ATTEMPTS) return undefined;
  const inMinutes =
    DEPLOYMENT_RETRY_DELAYS_MINUTES[Math.min(request.attempt - 1, DEPLOYMENT_RETRY_DELAYS_MINUTES.length - 1)] ?? 30;
  try {
    await ctx.scheduleRetry({ ...request, attempt: request.attempt + 1 }, inMinutes * 60);
    return { attempt: request.attempt, maxAttempts: DEPLOYMENT_MAX_ATTEMPTS, inMinutes };
  } catch (error) {
    // nothing would answer later: reject now rather than leave the deployment waiting
    ctx.log.error(
      { delivery: ctx.delivery, repo: `${request.owner}/${request.repo}`, reason: (error as Error).message },
      "modelgate could not queue a deployment retry",
    );
    return undefined;
  }
}

async function answerUngated(ctx: DeploymentContext, request: DeploymentRequest, policy: Policy): Promise<void> {
  const where = { delivery: ctx.delivery, repo: `${request.owner}/${request.repo}`, environment: request.environment };
  if (!policy.deployments.approve_others) {
    // not ours to judge: the environment's own rules apply (the rule should not be enabled there)
    ctx.log.info(where, "modelgate does not gate this environment (deployments.environments)");
    return;
  }
  const comment = `modelgate approved ${truncateChars(request.environment, 100, "…")} without judging it: it is not in deployments.environments of ${POLICY_PATH}, and deployments.approve_others is true.`;
  // a decision like any other, marked as made without judging the models
  logDecision(
    ctx.log,
    {
      delivery: ctx.delivery,
      owner: request.owner,
      repo: request.repo,
      pullRequest: null,
      headSha: request.commit,
      deployment: { id: request.deploymentId, environment: request.environment, state: "approved", judged: false },
    },
    { verdict: "success", models: [], unmanaged: [], errors: [] },
  );
  await sendAnswer(ctx, request, { state: "approved", comment });
}

async function sendAnswer(ctx: DeploymentContext, request: DeploymentRequest, answer: DeploymentAnswer): Promise<void> {
  const { owner, repo, runId, environment } = request;
  try {
    await answerDeploymentRule(ctx.octokit, {
      owner,
      repo,
      runId,
      environment,
      ...(answer.state === "pending" ? {} : { state: answer.state }),
      comment: answer.comment,
    });
  } catch (error) {
    // 422: the deployment no longer waits (answered by an earlier delivery, or cancelled)
    if (httpStatus(error) === 422) {
      ctx.log.warn(
        { delivery: ctx.delivery, repo: `${owner}/${repo}`, environment, run_id: runId },
        "modelgate's deployment answer was refused: the deployment no longer waits for it",
      );
      return;
    }
    // GitHub did not take the answer: judged again later when a retry can be queued (never approved meanwhile)
    if (isTransientGitHubFailure(error) && (await queueRetry(ctx, request)) !== undefined) {
      ctx.log.warn(
        { delivery: ctx.delivery, repo: `${owner}/${repo}`, environment, run_id: runId, status: httpStatus(error) },
        "modelgate could not send its deployment answer; a retry is queued",
      );
      return;
    }
    throw new Error(
      `could not answer the deployment protection rule of ${owner}/${repo} (${environment}, run ${runId}): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
