import type { Decision, ModelVerdict, ScheduledTry } from "../evaluate/types.js";
import type { Policy } from "../policy/schema.js";
import { code, holderMentions, inlineText, plural, shortDigest } from "./markdown.js";
import { STATUS_ICON, VERDICT_ICON, byStatus, byVerdict, pendingApprovals } from "./requirement-kinds.js";
import { CHECK_RUN_TEXT_MAX_BYTES, truncateUtf8, utf8Bytes } from "./truncate.js";
import { signOffKey } from "../sign-off/subject.js";
import { regressionTable } from "./regression-table.js";
import { rosterSection } from "./training.js";
import { reviewRecordsSection } from "./review-records.js";

export interface SummaryContext {
  checkName: string;
  /** Sign-off issue URL per signOffKey (the digest, or `<digest>#decommission`). */
  signOffUrls?: Record<string, string>;
  policyPath?: string;
  /** Role holders and approval channels, to say who can sign off and how. */
  policy?: Pick<Policy, "roles" | "approvals">;
  /** Organisation of the repository, to write teams as @org/team. */
  org?: string;
  /** How to reach a digest's sign-off issue when there is no link yet (default: press "Open sign-off"). */
  missingSignOffIssue?: string;
}

const VERDICT_WORDS: Record<Decision["verdict"], string> = {
  success: "success",
  action_required: "action required",
  failure: "failure",
};

// room kept for the "… truncated" notes and the footer
const RESERVE_BYTES = 600;
// the unmanaged and file error lists each get at most this share, so models are never crowded out
const LIST_SHARE_BYTES = 12_000;

/** The markdown summary of a check run, at most `maxBytes` UTF-8 bytes. */
export function renderSummary(
  decision: Decision,
  title: string,
  ctx: SummaryContext,
  maxBytes = CHECK_RUN_TEXT_MAX_BYTES,
): string {
  if (decision.couldNotEvaluate !== undefined)
    return truncateUtf8(
      couldNotEvaluateSummary(decision.couldNotEvaluate, ctx, decision.transient?.next),
      maxBytes,
      "\n\n… truncated",
    );

  const head = `**${VERDICT_ICON[decision.verdict]} ${VERDICT_WORDS[decision.verdict]}:** ${inlineText(title)}\n`;
  const footer = `\n---\nGates are set by ${code(ctx.policyPath ?? ".github/modelgate.yml")}. ✅ met · ⏳ pending · ❌ failed. Provisions cite ETSI EN 304 223 V2.1.1.\n`;
  const unmanaged = unmanagedSection(decision, Math.min(LIST_SHARE_BYTES, maxBytes / 4));
  const errors = errorsSection(decision, Math.min(LIST_SHARE_BYTES, maxBytes / 4));
  const roster = rosterSection(decision) + reviewRecordsSection(decision);

  let budget =
    maxBytes -
    RESERVE_BYTES -
    utf8Bytes(head) -
    utf8Bytes(footer) -
    utf8Bytes(unmanaged) -
    utf8Bytes(errors) -
    utf8Bytes(roster);
  const modelSections: string[] = [];
  const models = byVerdict(decision.models);
  for (const model of models) {
    const section = modelSection(model, ctx, budget);
    if (section === undefined) break;
    modelSections.push(section);
    budget -= utf8Bytes(section);
  }
  const notShown = models.length - modelSections.length;
  const truncatedNote =
    notShown > 0
      ? `\n… truncated (${plural(notShown, "model")} not shown; see the decision record in the details)\n`
      : "";
  const noChanges =
    models.length === 0 && decision.unmanaged.length === 0 && decision.errors.length === 0 && roster === ""
      ? "\nNo model manifest or model file changed.\n"
      : "";
  const summary = [head, noChanges, ...modelSections, truncatedNote, roster, unmanaged, errors, footer].join("");
  return truncateUtf8(summary, maxBytes, "\n… truncated");
}

function couldNotEvaluateSummary(reason: string, ctx: SummaryContext, next: ScheduledTry | undefined): string {
  const retry = next
    ? `GitHub's failure may pass by itself: modelgate tries again in ${plural(next.inMinutes, "minute")} (retry ${next.attempt} of ${next.of}), and the check fails closed until a try decides. `
    : "";
  return [
    `**❌ Could not evaluate.** modelgate could not read what it needs from GitHub:`,
    "",
    `> ${inlineText(reason, 4000)}`,
    "",
    `Nothing was decided, so the ${code(ctx.checkName)} check fails closed. ${retry}Press **Re-evaluate** above (or re-run the check) to try again.`,
    "",
  ].join("\n");
}

/** One model's section, or `undefined` when not even its heading fits in `budget` bytes. */
function modelSection(model: ModelVerdict, ctx: SummaryContext, budget: number): string | undefined {
  const head = modelHeading(model);
  const approvals = regressionTable(model) + approvalBlock(model, ctx);
  const tableHead = "\n| Requirement | Status | Evidence or fix | Provision |\n|---|---|---|---|\n";
  const fixed =
    head + approvals + (model.requirements.length > 0 ? tableHead : "\nNo requirements apply to this change.\n");
  if (utf8Bytes(fixed) + 200 > budget) return undefined;
  if (model.requirements.length === 0) return head + "\nNo requirements apply to this change.\n" + approvals;

  let rowsBudget = budget - utf8Bytes(fixed) - 200;
  const rows: string[] = [];
  const requirements = byStatus(model.requirements);
  for (const requirement of requirements) {
    const row = `| ${code(requirement.id, true)} | ${STATUS_ICON[requirement.status]} ${requirement.status} | ${inlineText(requirement.message)} | ${inlineText(requirement.provision, 100)} |\n`;
    const size = utf8Bytes(row);
    if (size > rowsBudget) break;
    rows.push(row);
    rowsBudget -= size;
  }
  const hidden = requirements.length - rows.length;
  const hiddenNote =
    hidden > 0 ? `\n… ${plural(hidden, "more requirement")} not shown (see the decision record).\n` : "";
  return head + tableHead + rows.join("") + hiddenNote + approvals;
}

function modelHeading(model: ModelVerdict): string {
  const lines = [
    "",
    `### ${VERDICT_ICON[model.verdict]} ${inlineText(model.name, 120)} ${inlineText(versionChange(model), 120)}`.trimEnd(),
    "",
    `**Changes:** ${model.kinds.length > 0 ? model.kinds.map((kind) => code(kind)).join(", ") : "none (as released)"} · **Version:** ${inlineText(versionChange(model), 120)} · **Manifest:** ${code(model.manifestPath)}  `,
    `**Digest:** ${code(shortDigest(model.digest))} (full: ${code(model.digest)})`,
  ];
  if (model.override) {
    lines.push(
      "",
      `> ⚠️ **Overridden by @${inlineText(model.override.by, 60)}:** ${inlineText(model.override.reason)} (${inlineText(model.override.at, 40)}). The failing requirements below are kept as evidence of what was overridden.`,
    );
  }
  return lines.join("\n") + "\n";
}

export function versionChange(model: Pick<ModelVerdict, "from" | "to">): string {
  if (model.from === undefined && model.to === undefined) return "";
  if (model.from === undefined) return `new → ${model.to}`;
  if (model.to === undefined) return `${model.from} → removed`;
  if (model.from === model.to) return `${model.to} (unchanged)`;
  return `${model.from} → ${model.to}`;
}

/** Which roles are still needed, who holds them, and how to sign off. */
function approvalBlock(model: ModelVerdict, ctx: SummaryContext): string {
  const pending = pendingApprovals(model);
  if (pending.length === 0 || model.override) return "";
  const roles = pending.map(({ role }) => {
    const holders = ctx.policy?.roles[role];
    const who = holders ? holderMentions(holders, ctx.org) : [];
    return `**${inlineText(role, 60)}** (${who.length > 0 ? `held by ${who.map((w) => inlineText(w, 140)).join(", ")}` : "see the policy for its holders"})`;
  });
  const via = ctx.policy?.approvals.via ?? ["review", "sign_off"];
  const key = signOffKey(model);
  const url = ctx.signOffUrls && Object.hasOwn(ctx.signOffUrls, key) ? ctx.signOffUrls[key] : undefined;
  const issue = url
    ? `the [sign-off issue](${url})`
    : (ctx.missingSignOffIssue ?? "the sign-off issue (press **Open sign-off** above to open it)");
  const how = [
    via.includes("review") ? "approves this pull request with a review" : "",
    via.includes("sign_off") ? `comments ${code("/approve <role>")} on ${issue}` : "",
  ]
    .filter(Boolean)
    .join(", or ");
  const rules = [
    ctx.policy?.approvals.allow_author === true ? "" : "the author's own approval does not count",
    ctx.policy?.approvals.distinct_people === false ? "" : "one person signs for one role only",
  ].filter(Boolean);
  return [
    "",
    `**Sign-off needed:** ${roles.join(", ")}.`,
    `To sign off, a holder of the role ${how}.${rules.length > 0 ? ` ${capitalise(rules.join("; "))}.` : ""}`,
    "",
  ].join("\n");
}

function unmanagedSection(decision: Decision, maxBytes: number): string {
  if (decision.unmanaged.length === 0) return "";
  const head = [
    "",
    "### Unmanaged model files",
    "",
    "Model files that no manifest declares (shadow AI, 5.2.1-2): declare each in a model manifest's `components`, or remove it.",
    "",
    "| Path | Source | Change | Level |",
    "|---|---|---|---|",
    "",
  ].join("\n");
  const rows = decision.unmanaged.map(
    (u) =>
      `| ${code(u.path, true)} | ${u.source} | ${u.change} | ${u.level === "failure" ? "❌ failure" : "⚠️ warning"} |\n`,
  );
  return (
    head + fitLines(rows, maxBytes - utf8Bytes(head), (n) => `\n… ${plural(n, "more unmanaged file")} not shown.\n`)
  );
}

function errorsSection(decision: Decision, maxBytes: number): string {
  if (decision.errors.length === 0) return "";
  const head = "\n### Invalid files\n\nFix these files; until then the check fails closed.\n\n";
  const rows = decision.errors.map((e) => `- ${code(`${e.path}:${e.line}`)} ${inlineText(e.message)}\n`);
  return head + fitLines(rows, maxBytes - utf8Bytes(head), (n) => `\n… ${plural(n, "more error")} not shown.\n`);
}

/** As many lines as fit in `maxBytes`, then a note saying how many were left out. */
function fitLines(lines: ReadonlyArray<string>, maxBytes: number, notShown: (count: number) => string): string {
  const total = lines.reduce((sum, line) => sum + utf8Bytes(line), 0);
  if (total <= maxBytes) return lines.join("");
  let budget = maxBytes - utf8Bytes(notShown(lines.length));
  let shown = 0;
  for (const line of lines) {
    const size = utf8Bytes(line);
    if (size > budget) break;
    budget -= size;
    shown += 1;
  }
  return lines.slice(0, shown).join("") + notShown(lines.length - shown);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
