import type { ChangeKind } from "../policy/schema.js";
import type { Override } from "../evaluate/types.js";
import { signOffMarker } from "../sign-off/marker.js";
import type { ModelVersionRef, SignOffIntent } from "../sign-off/subject.js";
import { code, holderMentions, inlineText, isHttpUrl, plural } from "./markdown.js";
import { truncateChars } from "./truncate.js";

/** GitHub rejects an issue body longer than 65,536 characters. */
export const ISSUE_BODY_MAX_CHARS = 65_536;

export const SIGN_OFF_LABEL = "modelgate:sign-off";

/** `Sign-off: <model> <version>`, and ` (decommission)` after it for the issue of a retirement. */
export function signOffIssueTitle(model: string, version: string, intent: SignOffIntent = "ship"): string {
  return `Sign-off: ${model} ${version}${intentSuffix(intent)}`;
}

function intentSuffix(intent: SignOffIntent | undefined): string {
  return intent === "decommission" ? " (decommission)" : "";
}

export interface SignOffRoleRow {
  role: string;
  state: "approved" | "rejected" | "pending";
  by?: string;
  reason?: string;
  holders: { users: string[]; teams: string[] };
}

export interface SignOffIssueInput extends ModelVersionRef {
  manifestPath: string;
  kinds: ChangeKind[];
  roles: SignOffRoleRow[];
  evaluation?: { date: string; evaluator: string; result: "pass" | "fail"; report?: string };
  pullRequests: Array<{ number: number; url: string; title?: string }>;
  override?: Override;
  /** Organisation that owns the teams, for @org/team mentions. */
  org: string;
  /** Signs the identity marker (see signOffMarker). */
  markerKey: string;
}

const STATE_CELL: Record<SignOffRoleRow["state"], string> = {
  approved: "✅ approved",
  rejected: "❌ rejected",
  pending: "⏳ pending",
};

/** The body of a sign-off issue; at most 65,536 characters (the pull request list is cut first). */
export function renderSignOffIssueBody(input: SignOffIssueInput): string {
  const decommission = input.intent === "decommission";
  const version = `${inlineText(input.model)} ${inlineText(input.version)}`;
  const head = [
    signOffMarker(input, input.markerKey),
    `## Sign-off: ${version}${intentSuffix(input.intent)}`,
    "",
    decommission
      ? `This issue collects the sign-offs that the **decommission** of **${version}** needs before it may be merged (EN 304 223 5.1.4-3, human oversight; 5.5.1, end of life). Sign-offs given when this version shipped do not count here: retiring a model needs its own approvals. A sign-off here counts only for the decommission of the digest below.`
      : `This issue collects the sign-offs that **${version}** needs before it may be merged, released or deployed (EN 304 223 5.1.4-3, human oversight). A sign-off counts only for the digest below: new artefacts need a new sign-off issue.`,
    "",
    "| | |",
    "|---|---|",
    `| Manifest | ${code(input.manifestPath, true)} |`,
    `| Digest | ${code(input.digest, true)} |`,
    `| Changes | ${input.kinds.map((kind) => code(kind, true)).join(", ") || "none"} |`,
    `| Security evaluation | ${evaluationCell(input.evaluation)} |`,
    "",
  ];
  if (input.override) {
    head.push(
      `> ⚠️ **Overridden by @${inlineText(input.override.by, 60)}:** ${inlineText(input.override.reason)} (${inlineText(input.override.at, 40)}). The gate of this digest passes by break glass; the reason is part of the audit trail.`,
      "",
    );
  }
  head.push(
    "### Required roles",
    "",
    "| Role | State | By | Who can sign |",
    "|---|---|---|---|",
    ...input.roles.map((role) => {
      const state =
        role.state === "rejected" && role.reason
          ? `${STATE_CELL.rejected}: ${inlineText(role.reason, 500)}`
          : STATE_CELL[role.state];
      const who =
        holderMentions(role.holders, input.org)
          .map((mention) => inlineText(mention, 140))
          .join(", ") || "nobody (declare holders in the policy)";
      return `| ${inlineText(role.role, 60)} | ${state} | ${role.by ? `@${inlineText(role.by, 60)}` : ""} | ${who} |`;
    }),
    "",
    "### How to sign off",
    "",
    "Post a **new comment** whose first line is one command:",
    "",
    `- \`/approve <role>\` — approve ${decommission ? "the decommission of " : ""}this model version as a holder of \`<role>\``,
    "- `/reject <role> <reason>` — reject it, with the reason",
    "- `/revoke <role>` — withdraw the approval or rejection standing for `<role>`",
    "- `/override <reason>` — break glass: let the gate pass despite failing requirements (holders of an override role only; the reason is recorded)",
    "",
    "Only a current holder of the role can sign for it, the pull request author cannot sign, and one person signs for one role only (unless the policy says otherwise). Edited or deleted comments never count: post a new comment instead. Pull request reviews by role holders count too where the policy allows.",
    "",
    "### Pull requests",
    "",
  );
  const headText = head.join("\n") + "\n";
  const prLines = input.pullRequests.map(
    (pr) => `- [#${pr.number}](${pr.url})${pr.title ? ` ${inlineText(pr.title, 300)}` : ""}\n`,
  );
  const noPrs = prLines.length === 0 ? "None open yet.\n" : "";
  const room = ISSUE_BODY_MAX_CHARS - headText.length - 100;
  let used = 0;
  let shown = 0;
  for (const line of prLines) {
    if (used + line.length > room) break;
    used += line.length;
    shown += 1;
  }
  const more = shown < prLines.length ? `\n… and ${plural(prLines.length - shown, "more pull request")}.\n` : "";
  // the head alone can only overflow with absurd inputs (thousands of roles): cut, never fail
  return truncateChars(
    headText + noPrs + prLines.slice(0, shown).join("") + more,
    ISSUE_BODY_MAX_CHARS,
    "\n… truncated\n",
  );
}

function evaluationCell(evaluation: SignOffIssueInput["evaluation"]): string {
  if (!evaluation) return "none recorded for this digest";
  const result = evaluation.result === "pass" ? "✅ pass" : "❌ fail";
  const report = evaluation.report
    ? ` — report: ${isHttpUrl(evaluation.report) ? `[link](${evaluation.report})` : code(evaluation.report, true)}`
    : "";
  return `${result} by @${inlineText(evaluation.evaluator, 60)} on ${inlineText(evaluation.date, 40)}${report}`;
}
