import type { Context } from "probot";
import { issueMarkerKey } from "../core/markers/signature.js";
import type { SignOffComment } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import { parseCommand, parseCommandOrError } from "../core/sign-off/command.js";
import { replaySignOffs, type SignOffOutcome, type SignOffState } from "../core/sign-off/replay.js";
import { issueReplayContext, signOffIssueBody } from "../core/sign-off/issue.js";
import { recordedReply, refusedReply, unverifiedReply, usageReply, type CommandReply } from "../core/sign-off/reply.js";
import { signOffKey, signOffSubject } from "../core/sign-off/subject.js";
import { ownAppId } from "../github/app-identity.js";
import { readIssueSignOffs } from "../github/approval-facts.js";
import { readTrainingFacts } from "../github/training.js";
import { CouldNotEvaluate, errorMessage, rethrowAsCouldNotEvaluate } from "../github/errors.js";
import type { IssueComment } from "../github/issue-comments.js";
import { pullRequestUnderEvaluation, type PullRequestUnderEvaluation } from "../github/pull-requests.js";
import { readValidPolicy } from "../github/read-policy.js";
import { updateSignOffIssue, type SignOffIssue } from "../github/sign-off-issues.js";
import { evaluationContext, type Clock, type EvaluationContext } from "./context.js";
import { evaluateHead, repositoryWebUrl } from "./evaluate-pull-request.js";
import { answerCommand, commandComment, statusOf } from "./issue-command.js";
import type { Coordination } from "../store/coordination.js";

type CommentContext = Context<"issue_comment">;

/** What a sign-off issue says now: replayed from its comments with live team membership. */
interface IssueSession {
  openPulls: PullRequestUnderEvaluation[];
  policy: Policy;
  comments: IssueComment[];
  state: SignOffState;
}

/**
 * A comment on one of this app's sign-off issues (docs/sign-off.md). A new command is answered
 * (👍 accepted, 😕 refused with the reason) from the same replay the gate uses; then the
 * issue table is rewritten and every open pull request carrying its subject (digest and intent) is re-evaluated.
 * An edited or deleted command can only withdraw a sign-off: the table and the PRs are
 * brought up to date, silently.
 */
export async function handleSignOffComment(
  context: CommentContext,
  clock: Clock,
  markerKey: string,
  issue: SignOffIssue,
  coordination: Coordination,
): Promise<void> {
  const ctx = evaluationContext(context, clock, markerKey, coordination);
  const { comment } = context.payload;
  const defaultBranch = context.payload.repository.default_branch;

  if (context.payload.action !== "created") {
    const before = context.payload.action === "edited" ? context.payload.changes.body?.from : undefined;
    if (!parseCommand(comment.body) && !(before !== undefined && parseCommand(before))) return;
    // a withdrawn sign-off must reach the PRs even if the table cannot be replayed now
    const openPulls = await openPullRequests(ctx, trackedNumbers(issue));
    const session = await readSession(ctx, issue, openPulls, defaultBranch, undefined).catch((error: unknown) => {
      ctx.log.warn(
        { delivery: ctx.delivery, issue: issue.number, status: statusOf(error), reason: errorMessage(error) },
        "modelgate could not replay a sign-off issue",
      );
      return undefined;
    });
    await refresh(ctx, issue, openPulls, session);
    return;
  }

  const parsed = parseCommandOrError(comment.body);
  if (!parsed) return;
  const login = comment.user?.login ?? "";
  const target = {
    issueNumber: issue.number,
    appId: await ownAppId(context.octokit),
    comment: commandComment(comment, login),
  };

  if ("error" in parsed) {
    await answerCommand(ctx, target, usageReply(login, parsed.error));
    return;
  }

  let session: IssueSession;
  try {
    session = await readSession(
      ctx,
      issue,
      await openPullRequests(ctx, trackedNumbers(issue)),
      defaultBranch,
      target.comment,
    );
  } catch (error) {
    // fail closed: without live membership nobody's command is confirmed, and nothing is updated
    const reason = error instanceof CouldNotEvaluate ? error.message : "an internal error";
    ctx.log.warn(
      {
        delivery: ctx.delivery,
        issue: issue.number,
        ...signOffSubject(issue.ref),
        login,
        status: statusOf(error),
        reason,
      },
      "modelgate could not verify a sign-off command",
    );
    await answerCommand(ctx, target, unverifiedReply(login, parsed.command, reason));
    return;
  }

  const outcome = session.state.outcomes.find((o) => o.commentId === comment.id);
  // edited or deleted before it was read: it never counts, so there is nothing to answer
  if (!outcome) return;
  ctx.log.info(
    {
      delivery: ctx.delivery,
      repo: `${ctx.owner}/${ctx.repo}`,
      issue: issue.number,
      version: issue.ref.version,
      ...signOffSubject(issue.ref),
      login,
      command: outcome.command,
      accepted: outcome.accepted,
      reason: outcome.reason ?? null,
    },
    "modelgate sign-off command",
  );
  await answerCommand(ctx, target, commandAnswer(login, outcome), session.comments);
  // a refused command changes no sign-off; the PRs stay as they are
  if (outcome.accepted) await refresh(ctx, issue, session.openPulls, session);
}

/** 👍 for an accepted command (with a reply when it counts only for a release or deployment), the reason when refused. */
function commandAnswer(login: string, outcome: SignOffOutcome): "accepted" | CommandReply {
  if (!outcome.accepted) return refusedReply(login, outcome.command, outcome.reason);
  return outcome.note ? recordedReply(login, outcome.note) : "accepted";
}

function trackedNumbers(issue: SignOffIssue): number[] {
  return (issue.tracking?.pulls ?? []).map((p) => p.number);
}

/** Reads the base policy of the open PRs, the comments and the live membership of every commenter, and replays them. */
async function readSession(
  ctx: EvaluationContext,
  issue: SignOffIssue,
  openPulls: PullRequestUnderEvaluation[],
  defaultBranch: string,
  latest: SignOffComment | undefined,
): Promise<IssueSession> {
  const { octokit, owner, repo } = ctx;
  // without a verified tracking marker the authors (who may not sign) are unknown: confirm nothing
  if (!issue.tracking)
    throw new CouldNotEvaluate(
      `the tracking marker of sign-off issue #${issue.number} is missing or was edited, so its authors cannot be trusted`,
    );
  const policy = await readValidPolicy(octokit, { owner, repo, branch: openPulls[0]?.baseRef ?? defaultBranch });
  const authors = openPulls.map((pr) => pr.author).filter((a) => a !== "");
  const { comments, history, facts } = await readIssueSignOffs(
    octokit,
    { owner, repo, issueNumber: issue.number },
    {
      policy,
      subjectKey: signOffKey(issue.ref),
      authors,
      latest,
      training: await readTrainingFacts(octokit, { owner, repo }, policy, ctx.now),
    },
  );
  const state = replaySignOffs(
    history,
    issueReplayContext(policy, issue.ref, issue.tracking, {
      authors,
      teamMembership: facts.teamMembership,
      org: owner,
      ...(facts.training ? { training: facts.training } : {}),
    }),
  );
  return { openPulls, policy, comments, state };
}

/** Rewrites the issue table, then re-evaluates each open PR the issue tracks (one failing PR does not stop the others). */
async function refresh(
  ctx: EvaluationContext,
  issue: SignOffIssue,
  openPulls: ReadonlyArray<PullRequestUnderEvaluation>,
  session: IssueSession | undefined,
): Promise<void> {
  const { octokit, owner, repo } = ctx;
  if (issue.tracking && session) {
    const body = signOffIssueBody({
      ref: issue.ref,
      tracking: issue.tracking,
      state: session.state,
      policy: session.policy,
      org: owner,
      repositoryUrl: repositoryWebUrl(octokit, owner, repo),
      markerKey: issueMarkerKey(ctx.markerKey, { owner, repo, issue: issue.number }),
    });
    await updateSignOffIssue(octokit, { owner, repo }, issue, { body });
  }
  const failures: unknown[] = [];
  // one run per head: pull requests sharing a head are judged together by evaluateHead
  const heads = new Map<string, PullRequestUnderEvaluation[]>();
  for (const pr of openPulls) heads.set(pr.headSha, [...(heads.get(pr.headSha) ?? []), pr]);
  for (const [headSha, pulls] of heads)
    await evaluateHead(ctx, headSha, pulls).catch((error: unknown) => failures.push(error));
  if (failures.length > 0)
    throw new AggregateError(failures, `${failures.length} check run(s) of ${owner}/${repo} could not be written`);
}

/** The pull requests that are still open, read fresh (an author or base may have changed; merged ones no longer matter). */
async function openPullRequests(
  ctx: EvaluationContext,
  numbers: ReadonlyArray<number>,
): Promise<PullRequestUnderEvaluation[]> {
  const { octokit, owner, repo } = ctx;
  const open: PullRequestUnderEvaluation[] = [];
  for (const number of new Set(numbers)) {
    try {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
      if (data.state === "open") open.push(pullRequestUnderEvaluation(data));
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: `pull request #${number}` });
    }
  }
  return open;
}
