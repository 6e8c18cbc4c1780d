import type { Context } from "probot";
import { detectChanges } from "../core/detect/detect-changes.js";
import type { ModelChange } from "../core/detect/types.js";
import { disposalStatus, type DisposalStatus } from "../core/end-of-life/disposal.js";
import { requiredRoles } from "../core/evaluate/approval-requirements.js";
import type { SignOffComment } from "../core/evaluate/types.js";
import { componentRepoPath } from "../core/manifest/load-manifest.js";
import { componentId, isFileComponent } from "../core/manifest/schema.js";
import type { Policy } from "../core/policy/schema.js";
import {
  endOfLifeIssueTitle,
  endOfLifeMissingMessage,
  endOfLifeRoles,
  renderEndOfLifeIssueBody,
  replaceEndOfLifeRoles,
} from "../core/render/end-of-life-issue.js";
import type { EndOfLifeRef } from "../core/end-of-life/marker.js";
import { code, plural } from "../core/render/markdown.js";
import { parseCommandOrError, type ParsedCommand } from "../core/sign-off/command.js";
import { replayContext, replaySignOffs, type SignOffState } from "../core/sign-off/replay.js";
import {
  acceptRegressionRefusedOnEndOfLife,
  overrideRefusedOnEndOfLife,
  refusedReply,
  unverifiedReply,
  usageReply,
  type CommandReply,
} from "../core/sign-off/reply.js";
import { ownAppId } from "../github/app-identity.js";
import { readIssueSignOffs } from "../github/approval-facts.js";
import { readTrainingFacts } from "../github/training.js";
import {
  asEndOfLifeIssue,
  commentOnIssue,
  ensureEndOfLifeIssue,
  readEndOfLifeIssue,
  updateIssue,
  type EndOfLifeIssue,
  type IssueFields,
} from "../github/end-of-life-issues.js";
import { CouldNotEvaluate, httpStatus } from "../github/errors.js";
import type { IssueComment } from "../github/issue-comments.js";
import { readBasePolicy, readValidPolicy } from "../github/read-policy.js";
import { readSnapshots } from "../github/read-snapshot.js";
import { handlerContext, type Clock, type HandlerContext } from "./context.js";
import { answerCommand, commandComment } from "./issue-command.js";
import type { Coordination } from "../store/coordination.js";

/** What the end-of-life workflow needs from a delivery. */
interface EndOfLifeContext extends HandlerContext {
  defaultBranch: string;
  /** The time of the judgement: whose training is current (docs/governance.md "Training"). */
  clock: Clock;
}

const ZERO_SHA = /^0{40}$/;

/**
 * `push` to the default branch: every model the push decommissions (status `decommissioned`,
 * or its manifest deleted) gets ONE end-of-life issue (docs/end-of-life.md, EN 304 223 5.5.1-1, 5.5.1-2).
 * A failure is logged and rethrown so the delivery fails visibly and can be redelivered.
 */
export function onPush(markerKey: string, coordination: Coordination, clock: Clock = () => new Date()) {
  return async (context: Context<"push">): Promise<void> => {
    const { ref, before, after, repository } = context.payload;
    const defaultBranch = repository.default_branch;
    if (ref !== `refs/heads/${defaultBranch}`) return;
    // a new branch has no "before" to compare with; a deleted one decommissions nothing
    if (ZERO_SHA.test(before) || ZERO_SHA.test(after)) return;
    await openEndOfLifeIssues(endOfLifeContext(context, defaultBranch, markerKey, coordination, clock), {
      before,
      after,
    });
  };
}

async function openEndOfLifeIssues(
  ctx: EndOfLifeContext,
  { before, after }: { before: string; after: string },
): Promise<void> {
  const { defaultBranch } = ctx;
  const policy = await readPolicyOrLog(ctx);
  // fail visibly: once the policy is fixed, redelivering the push opens the issues
  if (!policy)
    throw new Error(
      `the policy of ${ctx.owner}/${ctx.repo} on ${defaultBranch} is invalid: no end-of-life issue can be opened`,
    );
  const { base, head } = await readSnapshots(
    ctx.octokit,
    { owner: ctx.owner, repo: ctx.repo, baseCommit: before, headCommit: after },
    policy,
  );
  const decommissioned = detectChanges(policy, base, head).changes.filter((change) =>
    change.kinds.includes("decommission"),
  );
  if (decommissioned.length === 0) return;
  const appId = await ownAppId(ctx.octokit);
  const failures: unknown[] = [];
  for (const change of decommissioned) {
    // one model whose issue cannot be opened must not stop the others
    await openEndOfLifeIssue(ctx, policy, change, { commit: after, appId }).catch((error: unknown) =>
      failures.push(error),
    );
  }
  if (failures.length > 0) {
    for (const error of failures)
      ctx.log.error(
        { delivery: ctx.delivery, reason: (error as Error).message },
        "modelgate could not open an end-of-life issue",
      );
    throw new AggregateError(
      failures,
      `${plural(failures.length, "end-of-life issue")} of ${ctx.owner}/${ctx.repo} could not be opened`,
    );
  }
}

/** Opens (or finds) the one end-of-life issue of a decommissioned model; reconciliation calls it for models whose push was missed. */
export async function openEndOfLifeIssue(
  // opening replays no sign-off: no clock is needed
  ctx: Omit<EndOfLifeContext, "clock">,
  policy: Policy,
  change: ModelChange,
  { commit, appId }: { commit: string; appId: number },
): Promise<void> {
  // the manifest as it was last declared: at head when decommissioned, at base when deleted
  const loaded = change.head ?? change.base;
  if (!loaded) return;
  const { manifest } = loaded;
  const ref: EndOfLifeRef = { model: change.name, digest: change.digest };
  const body = (issueKey: string) =>
    renderEndOfLifeIssueBody({
      model: change.name,
      version: manifest.version,
      digest: change.digest,
      manifestPath: change.manifestPath,
      org: ctx.owner,
      roles: endOfLifeRoles(policy, undefined),
      checklist: policy.end_of_life.checklist,
      components: manifest.components.map((c) =>
        isFileComponent(c)
          ? { id: componentRepoPath(loaded.path, c), kind: c.kind, sha256: c.sha256 }
          : { id: componentId(c), kind: c.kind, sha256: c.sha256, source: c.source },
      ),
      datasets: manifest.training_data.map((d) => ({
        name: d.name,
        ...(d.source !== undefined ? { source: d.source } : {}),
      })),
      commit,
      markerKey: issueKey,
    });
  const { issue, created } = await ensureEndOfLifeIssue(
    ctx.octokit,
    { owner: ctx.owner, repo: ctx.repo },
    {
      ref,
      title: endOfLifeIssueTitle(change.name, manifest.version),
      body,
      labels: [...policy.end_of_life.labels],
      appId,
      markerKey: ctx.markerKey,
    },
    ctx.coordination,
  );
  ctx.log.info(
    {
      delivery: ctx.delivery,
      repo: `${ctx.owner}/${ctx.repo}`,
      model: change.name,
      version: manifest.version,
      digest: change.digest,
      issue: issue.number,
      created,
    },
    created ? "modelgate opened an end-of-life issue" : "modelgate found the end-of-life issue already open",
  );
}

/**
 * `issues.edited` (a checklist item ticked) and `issues.closed` on an end-of-life issue this app
 * opened: close it once it is complete; reopen it, saying what is missing, when a person closed it
 * before. Issues that merely carry a pasted marker are ignored.
 */
export function onEndOfLifeIssueEvent(markerKey: string, coordination: Coordination, clock: Clock = () => new Date()) {
  return async (context: Context<"issues">): Promise<void> => {
    const { action, issue, repository, sender } = context.payload;
    if (action !== "edited" && action !== "closed") return;
    // only a person editing the description can tick an item: modelgate's own table updates come back as edits too
    if (action === "edited" && (sender?.type === "Bot" || context.payload.changes?.body === undefined)) return;
    const appId = await ownAppId(context.octokit);
    // an issue of another author, or whose marker was edited: not ours
    if (!asEndOfLifeIssue(issue as IssueFields, appId, markerKey, context.repo())) return;
    const ctx = endOfLifeContext(context, repository.default_branch, markerKey, coordination, clock);
    await withIssueSession(ctx, issue.number, appId, undefined, async (session) => {
      if (action === "closed") {
        // a redelivery finds it open again: it was already reopened
        if (session.issue.state === "closed" && !session.disposal.complete) await reopenIncomplete(ctx, session);
        return;
      }
      await refreshIssue(ctx, session);
    });
  };
}

/**
 * A comment on an end-of-life issue (issue_comment, dispatched by the sign-off comment handler):
 * a `/approve`, `/reject` or `/revoke` command is accepted or refused with the sign-off rules
 * (👍, or 😕 and a reply saying why), then the sign-off table is updated and the issue closes
 * once every checklist item is ticked and every required role has signed off.
 */
export async function handleEndOfLifeComment(
  context: Context<"issue_comment">,
  markerKey: string,
  issue: IssueFields,
  marker: EndOfLifeRef,
  coordination: Coordination,
  clock: Clock = () => new Date(),
): Promise<void> {
  const appId = await ownAppId(context.octokit);
  const eol = asEndOfLifeIssue(issue, appId, markerKey, context.repo());
  // a forged marker (an issue not opened by this app, or an edited one) or another marker than the dispatcher read: not ours
  if (!eol || eol.ref.model !== marker.model || eol.ref.digest !== marker.digest) return;
  const { comment, repository } = context.payload;
  if (!comment.user || comment.user.type === "Bot") return;
  const ctx = endOfLifeContext(context, repository.default_branch, markerKey, coordination, clock);

  // an edited or deleted comment can only withdraw a sign-off: the table is brought up to date
  if (context.payload.action !== "created") {
    await withIssueSession(ctx, eol.number, appId, undefined, (session) => refreshIssue(ctx, session));
    return;
  }
  const parsed = parseCommandOrError(comment.body);
  if (!parsed) return;
  const login = comment.user.login;
  const target = { issueNumber: eol.number, appId, comment: commandComment(comment, login) };
  if ("error" in parsed || parsed.command.type === "override" || parsed.command.type === "accept-regression") {
    await answerCommand(ctx, target, notForDisposal(login, parsed));
    return;
  }
  const command = parsed.command;
  try {
    await withIssueSession(ctx, eol.number, appId, target.comment, async (session) => {
      const outcome = session.signOffs.outcomes.find((o) => o.commentId === comment.id);
      // edited or deleted before it was read: it never counts, so there is nothing to answer
      if (!outcome) return;
      ctx.log.info(
        {
          delivery: ctx.delivery,
          repo: `${ctx.owner}/${ctx.repo}`,
          issue: eol.number,
          model: eol.ref.model,
          digest: eol.ref.digest,
          login,
          command,
          accepted: outcome.accepted,
          reason: outcome.reason ?? null,
        },
        "modelgate end-of-life sign-off",
      );
      await answerCommand(
        ctx,
        target,
        outcome.accepted ? "accepted" : refusedReply(login, command, outcome.reason),
        session.comments,
      );
      if (outcome.accepted) await refreshIssue(ctx, session);
    });
  } catch (error) {
    // fail closed: without live membership (or a valid policy) nobody's command is confirmed, and nothing changes
    const reason = error instanceof CouldNotEvaluate ? error.message : "an internal error";
    ctx.log.warn(
      { delivery: ctx.delivery, issue: eol.number, login, status: httpStatus(error), reason },
      "modelgate could not verify an end-of-life sign-off",
    );
    await answerCommand(ctx, target, unverifiedReply(login, command, reason));
    if (!(error instanceof CouldNotEvaluate)) throw error;
  }
}

/** Where a disposal stands, read fresh: the issue, its checklist, and the sign-offs replayed from its comments. */
interface IssueSession {
  issue: EndOfLifeIssue;
  policy: Policy;
  comments: IssueComment[];
  signOffs: SignOffState;
  disposal: DisposalStatus;
}

/**
 * Runs `work` on a fresh session of the issue, one delivery at a time per issue in this process
 * (so two deliveries never both close or reopen it). Nothing runs when the issue is no longer one
 * of this app's end-of-life issues.
 */
async function withIssueSession(
  ctx: EndOfLifeContext,
  issueNumber: number,
  appId: number,
  latest: SignOffComment | undefined,
  work: (session: IssueSession) => Promise<void>,
): Promise<void> {
  await ctx.coordination.exclusive(`${ctx.owner}/${ctx.repo}#end-of-life-issue-${issueNumber}`, async () => {
    const location = { owner: ctx.owner, repo: ctx.repo };
    const issue = await readEndOfLifeIssue(ctx.octokit, location, issueNumber, { appId, markerKey: ctx.markerKey });
    if (!issue) return;
    const policy = await readValidPolicy(ctx.octokit, { ...location, branch: ctx.defaultBranch });
    // nobody authored a disposal: separation of duties holds between the roles (distinct_people)
    const { comments, history, facts } = await readIssueSignOffs(
      ctx.octokit,
      { ...location, issueNumber },
      {
        policy,
        subjectKey: issue.ref.digest,
        authors: [],
        latest,
        training: await readTrainingFacts(ctx.octokit, location, policy, ctx.clock()),
      },
    );
    const roles = requiredRoles(policy, ["decommission"]);
    const signOffs = replaySignOffs(history, replayContext(policy, facts, roles));
    await work({ issue, policy, comments, signOffs, disposal: disposalStatus(policy, issue.body, signOffs) });
  });
}

/** Brings the sign-off table up to date, and closes the issue once the disposal is complete. */
async function refreshIssue(ctx: EndOfLifeContext, session: IssueSession): Promise<void> {
  const { issue } = session;
  const location = { owner: ctx.owner, repo: ctx.repo };
  const body = replaceEndOfLifeRoles(issue.body, endOfLifeRoles(session.policy, session.signOffs), ctx.owner);
  // only a changed body is written: a redelivery writes nothing
  if (body !== issue.body) await updateIssue(ctx.octokit, location, issue.number, { body });
  if (issue.state !== "open" || !session.disposal.complete) return;
  const by = session.disposal.roles.map((role) => `${role} by @${session.signOffs.roles[role]?.by ?? "?"}`).join(", ");
  await commentOnIssue(
    ctx.octokit,
    location,
    issue.number,
    `Every disposal checklist item is ticked and the disposal is signed off (${by}): closing this end-of-life issue. This issue and its comments are the disposal record of ${code(issue.ref.model)} ${code(issue.ref.digest)} (EN 304 223 5.5.1-1, 5.5.1-2).`,
  );
  await updateIssue(ctx.octokit, location, issue.number, { state: "closed", state_reason: "completed" });
  ctx.log.info(
    {
      delivery: ctx.delivery,
      repo: `${ctx.owner}/${ctx.repo}`,
      issue: issue.number,
      model: issue.ref.model,
      digest: issue.ref.digest,
    },
    "modelgate closed a completed end-of-life issue",
  );
}

async function reopenIncomplete(ctx: EndOfLifeContext, session: IssueSession): Promise<void> {
  const { issue } = session;
  const location = { owner: ctx.owner, repo: ctx.repo };
  await updateIssue(ctx.octokit, location, issue.number, { state: "open", state_reason: "reopened" });
  await commentOnIssue(
    ctx.octokit,
    location,
    issue.number,
    endOfLifeMissingMessage({ ...session.disposal, policy: session.policy }, ctx.owner),
  );
  ctx.log.info(
    {
      delivery: ctx.delivery,
      repo: `${ctx.owner}/${ctx.repo}`,
      issue: issue.number,
      model: issue.ref.model,
      unchecked: session.disposal.unchecked,
      missing_roles: session.disposal.missingRoles,
    },
    "modelgate reopened an incomplete end-of-life issue",
  );
}

async function readPolicyOrLog(ctx: EndOfLifeContext): Promise<Policy | undefined> {
  const read = await readBasePolicy(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, branch: ctx.defaultBranch });
  if (read.ok) return read.policy;
  ctx.log.error(
    {
      delivery: ctx.delivery,
      repo: `${ctx.owner}/${ctx.repo}`,
      errors: read.errors.map(({ path, line, message }) => ({ path, line, message })),
    },
    "modelgate cannot run the end-of-life workflow: the policy is invalid",
  );
  return undefined;
}

function endOfLifeContext(
  context: Parameters<typeof handlerContext>[0],
  defaultBranch: string,
  markerKey: string,
  coordination: Coordination,
  clock: Clock,
): EndOfLifeContext {
  return { ...handlerContext(context, markerKey, coordination), defaultBranch, clock };
}

/** A malformed command's usage, or why break glass and accepted regressions do not apply to a disposal. */
function notForDisposal(login: string, parsed: ParsedCommand): CommandReply {
  if ("error" in parsed) return usageReply(login, parsed.error);
  if (parsed.command.type === "accept-regression") return acceptRegressionRefusedOnEndOfLife(login);
  return overrideRefusedOnEndOfLife(login);
}
