import { POLICY_PATH } from "../policy/load-policy.js";
import type { Policy } from "../policy/schema.js";
import type { ReviewStage, ReviewStatus } from "../review/re-evaluation.js";
import { reviewMarker, type ReviewRef } from "../review/marker.js";
import { code, holderMentions, inlineText } from "./markdown.js";
import { ISSUE_BODY_MAX_CHARS } from "./sign-off-issue.js";
import { truncateChars } from "./truncate.js";

/** The label of "Re-evaluation due" issues (docs/re-evaluation.md). */
export const REVIEW_LABEL = "model-review";

export function reviewIssueTitle(model: string, version: string): string {
  return `Re-evaluation due: ${model} ${version}`;
}

const STAGE_LINES: Record<Exclude<ReviewStage, "current">, (status: ReviewStatus) => string> = {
  notice: (s) => `⏳ **Due by ${s.expiresOn}.** The evaluation stops counting then.`,
  soon: (s) => `⚠️ **Due by ${s.expiresOn}: less than a week left.**`,
  expired: (s) =>
    `❌ **Expired on ${s.expiresOn}.** Until this version is re-evaluated, its deployments and releases fail their gates.`,
  breach: (s) =>
    `🚨 **Due now: production monitoring crossed a security threshold** (${(s.breach?.metrics ?? []).map((m) => code(m)).join(", ")}, report of ${inlineText(s.breach?.at ?? "", 40)}; see the \`Drift detected\` issue).`,
};

export interface ReviewIssueInput {
  status: ReviewStatus;
  repo: string;
  org: string;
  policy: Policy;
  markerKey: string;
}

/** The roles a re-evaluation is for: whoever develops the model and whoever runs it. */
const REVIEW_ROLES = ["developer", "system_operator"] as const;

function reviewMentions(policy: Policy, org: string): string[] {
  return [
    ...new Set(
      REVIEW_ROLES.flatMap((role) =>
        Object.hasOwn(policy.roles, role) ? holderMentions(policy.roles[role]!, org) : [],
      ),
    ),
  ];
}

/**
 * The body of a "Re-evaluation due" issue: the signed marker, the stage (it changes only when
 * the date nears or passes, so the daily run edits it rarely), the evaluation, where the version
 * is in use, the developer and system operator holders, and what to do.
 */
export function renderReviewIssueBody(input: ReviewIssueInput): string {
  const { status, policy } = input;
  const ref: ReviewRef = {
    repo: input.repo,
    model: status.name,
    digest: status.digest,
    evaluated: status.evaluation.date,
  };
  const mentions = reviewMentions(policy, input.org);
  const manifest = status.at[0]?.manifestPath ?? "model.yaml";
  const stage = status.stage === "current" ? "notice" : status.stage;
  const lines = [
    reviewMarker(ref, input.markerKey),
    `## Re-evaluation due: ${inlineText(status.name, 120)} ${inlineText(status.version, 60)}`,
    "",
    STAGE_LINES[stage](status),
    "",
    `The security evaluation of this version, dated ${inlineText(status.evaluation.date, 40)} by @${inlineText(status.evaluation.evaluator, 60)}, counts for ${policy.evaluation.max_age_days} days (\`evaluation.max_age_days\` in ${code(POLICY_PATH)}). EN 304 223 asks for evaluations of models in use to be run again (5.2.3-3) and threat modelling to be reviewed regularly (5.1.3-1).`,
    "",
    "| | |",
    "|---|---|",
    `| Model | ${inlineText(status.name, 120)} |`,
    `| Version | ${inlineText(status.version, 60)} |`,
    `| Digest | ${code(status.digest, true)} |`,
    `| Evaluated | ${inlineText(status.evaluation.date, 40)} by @${inlineText(status.evaluation.evaluator, 60)} |`,
    `| Expires | ${status.expiresOn} |`,
    `| In use | ${status.at.map((at) => `${at.kind} ${code(at.ref, true)} (${code(at.manifestPath, true)})`).join("<br>")} |`,
    "",
    mentions.length > 0
      ? `${mentions.map((m) => inlineText(m, 140)).join(" ")}: please re-evaluate these artefacts.`
      : "No developer or system operator holders are declared: declare them in the policy so that someone is told.",
    "",
    "**To close this issue:** evaluate the same artefacts again and add a record to `evaluations` in",
    `${code(manifest)} on the default branch, with ${code(`version: ${status.version}`)} and \`model_digest: ${status.digest}\`. modelgate closes the issue, with a link, on its next daily run.`,
  ];
  return truncateChars(lines.join("\n"), ISSUE_BODY_MAX_CHARS, "\n… truncated");
}

/** The comment that tells the holders the date is near or has passed (posted once per stage change). */
export function renderReviewStageComment(status: ReviewStatus, policy: Policy, org: string): string {
  const mentions = reviewMentions(policy, org)
    .map((m) => inlineText(m, 140))
    .join(" ");
  if (status.stage === "breach")
    return `${mentions ? `${mentions}: ` : ""}production monitoring of ${inlineText(status.name, 120)} ${inlineText(status.version, 60)} crossed a security threshold. Please re-evaluate it now.`;
  const stage =
    status.stage === "expired"
      ? `the evaluation of ${inlineText(status.name, 120)} ${inlineText(status.version, 60)} expired on ${status.expiresOn}`
      : `the evaluation of ${inlineText(status.name, 120)} ${inlineText(status.version, 60)} expires on ${status.expiresOn}`;
  return `${mentions ? `${mentions}: ` : ""}${stage}. Please re-evaluate it.`;
}

/** The comment a review issue is closed with. */
export type ReviewClosing =
  { kind: "re-evaluated"; date: string; link: string } | { kind: "not-in-use" } | { kind: "no-longer-due" };

export function renderReviewClosedComment(reason: ReviewClosing): string {
  switch (reason.kind) {
    case "re-evaluated":
      return `A new evaluation of this digest, dated ${inlineText(reason.date, 40)}, landed on the default branch: ${reason.link}. Closing.`;
    case "not-in-use":
      return "This version is no longer on the default branch nor in the latest release. Closing.";
    case "no-longer-due":
      return `Under the policy now in force (\`evaluation.max_age_days\`, \`evaluation.notice_days\` in ${code(POLICY_PATH)}), this evaluation is no longer near its expiry. Closing.`;
  }
}

/** The stage a review issue body shows, read back from its stage line (to tell holders only when it changes). */
export function stageOfBody(body: string): Exclude<ReviewStage, "current"> | undefined {
  if (body.includes("❌ **Expired on")) return "expired";
  if (body.includes("🚨 **Due now")) return "breach";
  if (body.includes("less than a week left")) return "soon";
  if (body.includes("⏳ **Due by")) return "notice";
  return undefined;
}
