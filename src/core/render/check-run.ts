import type { Decision, Verdict } from "../evaluate/types.js";
import { annotationBatches, decisionAnnotations, type Annotation } from "./annotations.js";
import { checkRunTitle } from "./check-run-title.js";
import { renderSummary, type SummaryContext } from "./check-run-summary.js";
import { fitDecisionRecord, DECISION_RECORD_FORMAT } from "./decision-record.js";
import { pendingApprovals } from "./requirement-kinds.js";
import { CHECK_RUN_TEXT_MAX_BYTES, utf8Bytes } from "./truncate.js";

export { annotationBatches, type Annotation };
export { truncateUtf8 } from "./truncate.js";

/** A button on the check run; a click arrives as `check_run.requested_action` with the identifier. */
export interface CheckRunAction {
  /** At most 20 characters. */
  label: string;
  /** At most 40 characters. */
  description: string;
  /** At most 20 characters. */
  identifier: string;
}

export interface CheckRunOutput {
  conclusion: Verdict;
  title: string;
  /** Markdown, at most 65,535 UTF-8 bytes. */
  summary: string;
  /** Legend and the JSON decision record, at most 65,535 UTF-8 bytes. */
  text: string;
  /** All of them: send them in batches of 50 (annotationBatches). */
  annotations: Annotation[];
  actions: CheckRunAction[];
}

export type CheckRunContext = SummaryContext;

export const REEVALUATE_ACTION: CheckRunAction = {
  label: "Re-evaluate",
  description: "Read GitHub again and re-run the gate",
  identifier: "reevaluate",
};
export const OPEN_SIGN_OFF_ACTION: CheckRunAction = {
  label: "Open sign-off",
  description: "Open the sign-off issue for approvals",
  identifier: "open-sign-off",
};

/** Everything a check run shows for one decision; the edge only has to send it. */
export function renderCheckRun(decision: Decision, ctx: CheckRunContext): CheckRunOutput {
  // fail closed: a decision that could not be evaluated never concludes anything but failure
  const conclusion: Verdict = decision.couldNotEvaluate !== undefined ? "failure" : decision.verdict;
  const title = checkRunTitle(decision);
  return {
    conclusion,
    title,
    summary: renderSummary(decision, title, ctx),
    text: renderText(decision, ctx),
    annotations: decisionAnnotations(decision),
    actions: checkRunActions(decision, conclusion),
  };
}

function checkRunActions(decision: Decision, conclusion: Verdict): CheckRunAction[] {
  const actions: CheckRunAction[] = [];
  const waitsForSignOff =
    decision.couldNotEvaluate === undefined &&
    decision.models.some((m) => !m.override && pendingApprovals(m).length > 0);
  if (waitsForSignOff) actions.push(OPEN_SIGN_OFF_ACTION);
  if (conclusion !== "success") actions.push(REEVALUATE_ACTION);
  return actions;
}

const LEGEND = [
  "**Legend:** ✅ met · ⏳ pending (waits for a sign-off) · ❌ failed. Provisions cite ETSI EN 304 223 V2.1.1.",
  "",
  `The decision record below is machine-readable JSON (format ${"`"}${DECISION_RECORD_FORMAT}${"`"}): the verdict, each model's requirements, unmanaged model files and file errors.`,
  "",
].join("\n");

/** The check run's text: the legend and the decision record, valid JSON even when cut. */
export function renderText(
  decision: Decision,
  ctx: Pick<CheckRunContext, "checkName">,
  maxBytes = CHECK_RUN_TEXT_MAX_BYTES,
): string {
  const opening = "\n```json\n";
  const closing = "\n```\n";
  const heading = `### Decision record of ${"`"}${ctx.checkName.replace(/`/g, "'")}${"`"}\n\n${LEGEND}`;
  // the note is written only when needed; its room is kept either way
  const noteRoom = 200;
  const fitted = fitDecisionRecord(
    decision,
    maxBytes - utf8Bytes(heading) - utf8Bytes(opening) - utf8Bytes(closing) - noteRoom,
  );
  const truncated = fitted.record.truncated;
  const note = truncated
    ? `\n… truncated (${fitted.modelsNotShown} model${fitted.modelsNotShown === 1 ? "" : "s"} not shown; requirement detail: ${truncated.requirementDetail}).\n`
    : "";
  return `${heading}${opening}${fitted.json}${closing}${note}`;
}
