import { readGovernanceFacts } from "../github/governance.js";
import type { ProbotOctokit } from "probot";
import type { Decision, ScheduledTry } from "../core/evaluate/types.js";
import { applyKnownGood, modelsToLookUp, withSignOffIssues } from "../core/deploy/known-good.js";
import { detectChanges, type DetectedChanges } from "../core/detect/detect-changes.js";
import { RELEASE_CHECK_NAME } from "../core/render/release-check-run.js";
import { evaluateGate, placesSeen, type GateInput } from "../core/evaluate/evaluate-gate.js";
import { gatedVersions } from "../core/sign-off/issue.js";
import { signOffIssueUse } from "../core/sign-off/issue-use.js";
import { POLICY_PATH, type PolicyResult } from "../core/policy/load-policy.js";
import type { Snapshot } from "../core/detect/snapshot.js";
import type { Policy } from "../core/policy/schema.js";
import { renderCheckRun, type CheckRunContext, type CheckRunOutput } from "../core/render/check-run.js";
import { renderHeadCheckRun, strictestJudgement, type PullRequestJudgement } from "../core/render/head-check-run.js";
import { gatherApprovalFacts } from "../github/approval-facts.js";
import { readTrainingFacts } from "../github/training.js";
import { rosterChangeRequirements, withRosterRequirements } from "../core/evaluate/roster-requirements.js";
import { reviewRecordRequirements, withReviewRecordRequirements } from "../core/evaluate/review-record-requirements.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { CouldNotEvaluate, errorMessage, httpStatus } from "../github/errors.js";
import { findKnownGood, NOT_A_RELEASE } from "../github/known-good.js";
import { listReleases } from "../github/releases.js";
import { openPullRequestsOfHead, type PullRequestUnderEvaluation } from "../github/pull-requests.js";
import { readBasePolicy } from "../github/read-policy.js";
import { gatherSupplyChainFacts } from "../github/supply-chain-facts.js";
import { readPullRequestSnapshots } from "../github/read-snapshot.js";
import { gatherSignOffIssues, syncSignOffIssues } from "../github/sign-off-issues.js";
import type { EvaluationContext } from "./context.js";
import { couldNotEvaluateDecision } from "./could-not-evaluate.js";
import { logDecision } from "./decision-log.js";
import { reportPolicyProposal } from "./policy-proposal.js";
import { recordGateDecision } from "./inventory.js";
import { evaluationDuration } from "../metrics.js";
import { formatFacts } from "./local-formats.js";

/** The name of the pull-request check run (docs/check-run.md). */
export const CHECK_NAME = "modelgate";

export interface EvaluationOptions {
  /** "Open sign-off" was pressed: open the sign-off issues even where approvals.via has no sign_off. */
  openSignOffIssues?: boolean;
}

/**
 * Evaluates a pull request's head and writes the one `modelgate` check run on it
 * (evaluateHead: every open pull request with that head counts).
 */
export async function evaluatePullRequest(
  ctx: EvaluationContext,
  pr: PullRequestUnderEvaluation,
  options: EvaluationOptions = {},
): Promise<Decision> {
  return evaluateHead(ctx, pr.headSha, [pr], options);
}

/**
 * Evaluates a head commit and writes its one `modelgate` check run. GitHub shows a commit's run
 * to every pull request with that head, so every open pull request carrying it is judged, each
 * with its own base branch and that branch's policy, and the run concludes with the strictest
 * verdict (docs/security.md). `known` are the pull requests the event named. Anything that stops
 * the facts from being read turns into a failing "Could not evaluate" (never success), also when
 * the list of pull requests cannot be read; only a failure to write the check run itself is
 * thrown, after it is logged, so the delivery fails visibly. Returns the strictest decision.
 */
export async function evaluateHead(
  ctx: EvaluationContext,
  headSha: string,
  known: ReadonlyArray<PullRequestUnderEvaluation>,
  options: EvaluationOptions = {},
): Promise<Decision> {
  // deliveries for one head, on any replica, are judged one after the other, so the second finds the first's check run
  return ctx.coordination.exclusive(`${ctx.owner}/${ctx.repo}:pull-request-head:${headSha}`, async () => {
    const stopTimer = evaluationDuration.startTimer();
    try {
      return await evaluateAndReport(ctx, headSha, known, options);
    } finally {
      stopTimer();
    }
  });
}

interface Judged extends PullRequestJudgement {
  pr: PullRequestUnderEvaluation;
  // set only when the PR could be read: then a change to the policy file is described too
  policyProposal?: { current: PolicyResult; trees?: PullRequestTrees };
}

async function evaluateAndReport(
  ctx: EvaluationContext,
  headSha: string,
  known: ReadonlyArray<PullRequestUnderEvaluation>,
  options: EvaluationOptions,
): Promise<Decision> {
  let pulls: PullRequestUnderEvaluation[];
  try {
    pulls = await openPullRequestsOfHead(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, headSha, known });
  } catch (error) {
    // without the list, a weaker pull request's verdict cannot be ruled out: fail closed on the head
    await reportCouldNotEvaluate(
      ctx,
      { headSha, ...(known.length === 1 ? { pullRequest: known[0]!.number } : {}) },
      error,
    );
    return couldNotEvaluateDecision(error);
  }
  if (pulls.length === 0) return { verdict: "success", models: [], unmanaged: [], errors: [] };
  const judged: Judged[] = [];
  for (const pr of pulls) judged.push(await judgePullRequest(ctx, pr, options));
  if (judged.some(({ decision }) => decision.transient)) {
    const next = await scheduleRetry(ctx, headSha, pulls);
    if (next) for (const judgement of judged) if (judgement.decision.transient) judgement.decision.transient = { next };
  }
  await writeJudgements(ctx, headSha, judged);
  for (const { pr, policyProposal } of judged)
    if (policyProposal) await reportPolicyProposal(ctx, pr, policyProposal.current, policyProposal.trees);
  return strictestJudgement(judged)!.decision;
}

/** One pull request judged with its base branch's policy; never throws for what GitHub could not answer. */
async function judgePullRequest(
  ctx: EvaluationContext,
  pr: PullRequestUnderEvaluation,
  options: EvaluationOptions,
): Promise<Judged> {
  let decision: Decision;
  let policy: Policy | undefined;
  let signOffUrls: Record<string, string> = {};
  let policyProposal: Judged["policyProposal"];
  try {
    const read = await readBasePolicy(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, branch: pr.baseRef });
    if (read.ok) {
      policy = read.policy;
      let trees: PullRequestTrees;
      ({ decision, signOffUrls, trees } = await judge(ctx, pr, read.policy, options));
      policyProposal = { current: read, trees };
    } else {
      decision = invalidPolicyDecision(read.errors);
      policyProposal = { current: read };
    }
  } catch (error) {
    decision = couldNotEvaluateDecision(error);
    logCouldNotEvaluate(ctx, { pull_request: pr.number, head_sha: pr.headSha }, error, decision);
  }
  const checkContext: CheckRunContext = {
    checkName: CHECK_NAME,
    policyPath: POLICY_PATH,
    org: ctx.owner,
    signOffUrls,
    ...(policy ? { policy } : {}),
  };
  return {
    pr,
    pullRequest: { number: pr.number, baseRef: pr.baseRef },
    decision,
    ctx: checkContext,
    ...(policyProposal ? { policyProposal } : {}),
  };
}

/** Writes a failing "Could not evaluate" run on a commit whose pull requests could not even be identified. */
export async function reportCouldNotEvaluate(
  ctx: EvaluationContext,
  target: { headSha: string; pullRequest?: number },
  error: unknown,
): Promise<void> {
  const decision = couldNotEvaluateDecision(error);
  logCouldNotEvaluate(ctx, { pull_request: target.pullRequest ?? null, head_sha: target.headSha }, error, decision);
  if (decision.transient) {
    const known = target.pullRequest === undefined ? [] : [{ number: target.pullRequest }];
    const next = await scheduleRetry(ctx, target.headSha, known);
    if (next) decision.transient = { next };
  }
  const output = renderCheckRun(decision, { checkName: CHECK_NAME, policyPath: POLICY_PATH, org: ctx.owner });
  await writeAndLog(ctx, target.headSha, output, [{ pullRequest: target.pullRequest ?? null, decision }]);
}

/**
 * GitHub kept the head from being evaluated (no answer, a 5xx, a rate limit): its run fails closed and a later try
 * is queued (head-retries.ts). Without a queue (the GitHub Action), or when it cannot be asked, none is.
 */
async function scheduleRetry(
  ctx: EvaluationContext,
  headSha: string,
  pulls: ReadonlyArray<{ number: number }>,
): Promise<ScheduledTry | undefined> {
  if (!ctx.retryHead) return undefined;
  try {
    const next = await ctx.retryHead({
      owner: ctx.owner,
      repo: ctx.repo,
      headSha,
      pullRequests: pulls.map((pr) => pr.number),
    });
    if (next)
      ctx.log.info({ delivery: ctx.delivery, head_sha: headSha, ...next }, "modelgate tries this head again later");
    return next;
  } catch (error) {
    // reconciliation still finds the head: its run is marked as no answer
    ctx.log.warn(
      { delivery: ctx.delivery, head_sha: headSha, reason: errorMessage(error) },
      "modelgate could not schedule another try of a head",
    );
    return undefined;
  }
}

type PullRequestTrees = { base: Snapshot["entries"]; head: Snapshot["entries"] };

async function judge(
  ctx: EvaluationContext,
  pr: PullRequestUnderEvaluation,
  policy: Policy,
  options: EvaluationOptions,
): Promise<{ decision: Decision; signOffUrls: Record<string, string>; trees: PullRequestTrees }> {
  const { owner, repo, octokit } = ctx;
  const { base, head, onDefaultBranch } = await readPullRequestSnapshots(
    octokit,
    { owner, repo, baseSha: pr.baseSha, headSha: pr.headSha, baseIsDefaultBranch: pr.baseIsDefaultBranch },
    policy,
  );
  const detected = detectChanges(policy, base, head);
  const use = signOffIssueUse(policy, options.openSignOffIssues === true);
  const gated = use.read ? gatedVersions(policy, detected.changes) : [];
  const where = {
    owner,
    repo,
    pr,
    org: owner,
    repositoryUrl: repositoryWebUrl(octokit, owner, repo),
    markerKey: ctx.markerKey,
    coordination: ctx.coordination,
  };
  const issues = await gatherSignOffIssues(octokit, { ...where, appId: await ownAppId(octokit) }, policy, gated, {
    open: use.open,
  });
  const training = await readTrainingFacts(octokit, { owner, repo }, policy, ctx.now);
  const facts = await gatherApprovalFacts(octokit, { owner, repo, pr }, policy, issues, training);
  // the pull request's base may predate a re-evaluation that landed on the default branch: its records count too
  const elsewhere = [{ where: "the default branch", models: onDefaultBranch }];
  // the Action reads the Git LFS objects of its checkout for the format scan; the server reads them by range
  const formats = await formatFacts(octokit, where.repositoryUrl, policy, detected.changes, head);
  const at = { owner, repo, policyBranch: pr.baseRef };
  const supplyChain = await gatherSupplyChainFacts(octokit, at, policy, detected.changes, head);
  // the security policy must be published: read at the base, never the pull request's head (docs/governance.md)
  const governance =
    detected.changes.length > 0
      ? await readGovernanceFacts(octokit, { owner, repo }, policy, { published: base, now: ctx.now, documents: false })
      : {};
  const input = {
    policy,
    base,
    head,
    facts,
    now: ctx.now,
    detected,
    baseName: "the base branch",
    elsewhere,
    ...(formats ? { formats } : {}),
    supplyChain,
    governance,
  };
  const judged = await restoreKnownGood(ctx, input, evaluateGate(input), facts.signOffIssues);
  const rostered = withRosterRequirements(judged, rosterChangeRequirements(policy, base, head, facts));
  const decision = withReviewRecordRequirements(rostered, reviewRecordRequirements(policy, base, head, facts));
  try {
    await syncSignOffIssues(octokit, where, policy, facts, issues);
  } catch (error) {
    // the gate does not depend on the issue table: a stale table is fixed by the next evaluation
    ctx.log.warn(
      { delivery: ctx.delivery, pull_request: pr.number, status: httpStatus(error), reason: errorMessage(error) },
      "modelgate could not update a sign-off issue",
    );
  }
  return { decision, signOffUrls: facts.signOffIssues, trees: { base: base.entries, head: head.entries } };
}

/**
 * Known good (docs/deployments.md "Known good rollback"): a pull request that restores a version shipped in a release that passed
 * needs no new evaluation or sign-off while its evaluation is current. Only a rollback that
 * does not pass as it is costs the reads of earlier releases.
 */
async function restoreKnownGood(
  ctx: EvaluationContext,
  input: GateInput & { detected: DetectedChanges },
  decision: Decision,
  signOffIssues: Record<string, string>,
): Promise<Decision> {
  const { policy, detected } = input;
  const wanted = modelsToLookUp(decision, detected, policy);
  if (wanted.length === 0) return decision;
  const location = { owner: ctx.owner, repo: ctx.repo };
  const releases = await listReleases(ctx.octokit, location);
  const check = { name: RELEASE_CHECK_NAME, appId: await ownAppId(ctx.octokit) };
  const found = await findKnownGood(ctx.octokit, location, { wanted, current: NOT_A_RELEASE, releases, check, policy });
  const evidence = withSignOffIssues(found, detected, signOffIssues);
  return applyKnownGood(decision, detected, policy, ctx.now, evidence, placesSeen(input, detected));
}

/** The repository's web address (github.com or a GitHub Enterprise Server host), to link pull requests from sign-off issues. */
export function repositoryWebUrl(octokit: ProbotOctokit, owner: string, repo: string): string {
  const api = String(octokit.request.endpoint.DEFAULTS.baseUrl).replace(/\/+$/, "");
  const web = api === "https://api.github.com" ? "https://github.com" : api.replace(/\/api\/v3$/, "");
  return `${web}/${owner}/${repo}`;
}

async function writeJudgements(ctx: EvaluationContext, headSha: string, judged: ReadonlyArray<Judged>): Promise<void> {
  await writeAndLog(
    ctx,
    headSha,
    renderHeadCheckRun(judged),
    judged.map(({ pr, decision }) => ({ pullRequest: pr.number, decision })),
  );
}

/**
 * Writes the head's run, then logs every decision (the audit trail): also when the write failed,
 * with that failure, after an error line naming delivery, repository and head (what the
 * reconciliation of failed deliveries needs). The write failure is rethrown.
 */
async function writeAndLog(
  ctx: EvaluationContext,
  headSha: string,
  output: CheckRunOutput,
  decisions: ReadonlyArray<{ pullRequest: number | null; decision: Decision }>,
): Promise<void> {
  let failure: unknown;
  // a run that is no answer yet is marked, so reconciliation tries its head again (recovery.ts)
  const transientFailure = decisions.some(({ decision }) => decision.transient !== undefined);
  try {
    const appId = await ownAppId(ctx.octokit);
    const written = await writeCheckRun(
      ctx.octokit,
      { owner: ctx.owner, repo: ctx.repo, headSha, name: CHECK_NAME, appId },
      { ...output, transientFailure },
    );
    const url = `${repositoryWebUrl(ctx.octokit, ctx.owner, ctx.repo)}/runs/${written.checkRunId}`;
    for (const { pullRequest, decision } of decisions)
      await recordGateDecision(ctx.octokit, decision, {
        gate: "pull_request",
        url,
        headSha,
        number: pullRequest,
        decidedAt: ctx.now.toISOString(),
      });
  } catch (error) {
    failure = error;
    ctx.log.error(
      {
        delivery: ctx.delivery,
        repo: `${ctx.owner}/${ctx.repo}`,
        head_sha: headSha,
        pull_requests: decisions.map((d) => d.pullRequest),
        conclusion: output.conclusion,
        status: httpStatus(error instanceof Error && error.cause !== undefined ? error.cause : error),
        reason: errorMessage(error),
      },
      "modelgate could not write the check run",
    );
  }
  const checkRun =
    failure === undefined
      ? { conclusion: output.conclusion, written: true }
      : {
          conclusion: output.conclusion,
          written: false,
          error: failure instanceof Error ? failure.message : String(failure),
        };
  for (const { pullRequest, decision } of decisions) {
    logDecision(
      ctx.log,
      { delivery: ctx.delivery, owner: ctx.owner, repo: ctx.repo, pullRequest, headSha, checkRun },
      decision,
    );
  }
  if (failure !== undefined) throw failure;
}

function invalidPolicyDecision(errors: Decision["errors"]): Decision {
  return { verdict: "failure", models: [], unmanaged: [], errors };
}

function logCouldNotEvaluate(
  ctx: EvaluationContext,
  where: Record<string, unknown>,
  error: unknown,
  decision: Decision,
): void {
  const facts = { delivery: ctx.delivery, ...where, status: httpStatus(error), reason: decision.couldNotEvaluate };
  // GitHub failures are expected; anything else is a bug whose stack the operator needs (no request data in it)
  if (error instanceof CouldNotEvaluate) ctx.log.warn(facts, "modelgate could not evaluate");
  else
    ctx.log.error(
      { ...facts, stack: error instanceof Error ? error.stack : undefined },
      "modelgate could not evaluate",
    );
}
