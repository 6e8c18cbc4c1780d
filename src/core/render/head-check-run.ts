import type { Decision, Verdict } from "../evaluate/types.js";
import { renderCheckRun, REEVALUATE_ACTION, type CheckRunContext, type CheckRunOutput } from "./check-run.js";
import { renderSummary } from "./check-run-summary.js";
import { code, inlineText, plural } from "./markdown.js";
import { VERDICT_ICON } from "./requirement-kinds.js";
import { CHECK_RUN_TEXT_MAX_BYTES, truncateUtf8, utf8Bytes } from "./truncate.js";

/** One open pull request whose head is the commit, judged with its own base branch and that branch's policy. */
export interface PullRequestJudgement {
  pullRequest: { number: number; baseRef: string };
  decision: Decision;
  /** Links and policy of this pull request's evaluation. */
  ctx: CheckRunContext;
}

const RANK: Record<Verdict, number> = { failure: 0, action_required: 1, success: 2 };

/** The verdict a decision concludes with: a decision that could not be evaluated is a failure. */
export function concludedVerdict(decision: Decision): Verdict {
  return decision.couldNotEvaluate !== undefined ? "failure" : decision.verdict;
}

/**
 * The judgement the head's run concludes with: the strictest (failure, then action required,
 * then success), the lowest pull request number among equals. Undefined for an empty list.
 */
export function strictestJudgement(judgements: ReadonlyArray<PullRequestJudgement>): PullRequestJudgement | undefined {
  let strictest: PullRequestJudgement | undefined;
  for (const judgement of [...judgements].sort((a, b) => a.pullRequest.number - b.pullRequest.number)) {
    if (!strictest || RANK[concludedVerdict(judgement.decision)] < RANK[concludedVerdict(strictest.decision)])
      strictest = judgement;
  }
  return strictest;
}

/**
 * The one `modelgate` run of a head commit carried by several open pull requests: GitHub shows
 * a commit's run to every pull request with that head (and branch protection reads it), so it
 * concludes with the strictest verdict and its summary lists each pull request's own verdict.
 * The details (requirements, annotations, decision record) are those of the strictest one.
 * One pull request renders exactly as renderCheckRun.
 */
export function renderHeadCheckRun(judgements: ReadonlyArray<PullRequestJudgement>): CheckRunOutput {
  const strictest = strictestJudgement(judgements);
  if (!strictest) throw new Error("renderHeadCheckRun needs at least one pull request");
  const own = renderCheckRun(strictest.decision, strictest.ctx);
  if (judgements.length === 1) return own;

  const ordered = [...judgements].sort((a, b) => a.pullRequest.number - b.pullRequest.number);
  const rows = ordered.map(({ pullRequest, decision }) => {
    const verdict = concludedVerdict(decision);
    const title =
      decision.couldNotEvaluate !== undefined
        ? `Could not evaluate: ${decision.couldNotEvaluate}`
        : renderCheckRun(decision, { checkName: strictest.ctx.checkName }).title;
    return `| #${pullRequest.number} | ${code(pullRequest.baseRef, true)} | ${VERDICT_ICON[verdict]} ${verdict.replace("_", " ")} | ${inlineText(title, 300)} |\n`;
  });
  const section = [
    "### Pull requests with this head commit",
    "",
    `This commit is the head of ${plural(ordered.length, "open pull request")}. Each is judged with its own base branch and that branch's policy; this run shows the strictest verdict, because GitHub shows one run of a commit to every pull request that carries it.`,
    "",
    "| Pull request | Into | Verdict | Title |",
    "|---|---|---|---|",
    ...rows,
    "",
    `The details below are those of #${strictest.pullRequest.number} into ${code(strictest.pullRequest.baseRef, true)}, the strictest.`,
    "",
    "",
  ].join("\n");
  const sectionFitted = truncateUtf8(section, CHECK_RUN_TEXT_MAX_BYTES / 2, "\n… truncated\n\n");
  const summary =
    sectionFitted +
    renderSummary(strictest.decision, own.title, strictest.ctx, CHECK_RUN_TEXT_MAX_BYTES - utf8Bytes(sectionFitted));
  const others = ordered.filter((j) => j !== strictest);
  const title = truncateUtf8(
    `#${strictest.pullRequest.number} into ${strictest.pullRequest.baseRef}: ${own.title}`,
    1000,
    "…",
  );
  // a button any of the pull requests needs is offered (each identifier once)
  const actions = [...own.actions];
  for (const other of others) {
    for (const action of renderCheckRun(other.decision, other.ctx).actions)
      if (!actions.some((a) => a.identifier === action.identifier)) actions.push(action);
  }
  if (own.conclusion !== "success" && !actions.some((a) => a.identifier === REEVALUATE_ACTION.identifier))
    actions.push(REEVALUATE_ACTION);
  return { ...own, title, summary, actions: actions.slice(0, 3) };
}
