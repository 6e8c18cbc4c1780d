import type { FileError } from "../yaml/load-yaml.js";
import type { PolicyDifference } from "../policy/compare-policies.js";
import type { Annotation } from "./annotations.js";
import type { CheckRunAction } from "./check-run.js";
import { inlineText, plural } from "./markdown.js";
import { CHECK_RUN_TEXT_MAX_BYTES, truncateUtf8 } from "./truncate.js";

export const POLICY_CHECK_NAME = "modelgate / policy";

export type PolicyProposal =
  { valid: true; path: string; differences: PolicyDifference[] } | { valid: false; path: string; errors: FileError[] };

export interface PolicyCheckOutput {
  /** A proposal that lowers the bar is `neutral`: it needs a human decision, not a red build. */
  conclusion: "success" | "neutral" | "failure";
  title: string;
  summary: string;
  text: string;
  annotations: Annotation[];
  actions: CheckRunAction[];
}

const EFFECT_LABEL = { weakens: "⚠️ weakens", strengthens: "strengthens", changes: "changes" } as const;

/** The `modelgate / policy` check run of a PR that edits the policy (docs/check-run.md "A PR that edits the policy"). */
export function renderPolicyCheck(proposal: PolicyProposal): PolicyCheckOutput {
  const note =
    "This pull request is still judged by the policy of its base branch; the proposal takes effect once it is merged. " +
    `Protect \`${proposal.path}\` with CODEOWNERS so that the security owners review every change to it.`;
  if (!proposal.valid) {
    const lines = proposal.errors.map((e) => `- \`${e.path}:${e.line}\` ${inlineText(e.message)}`);
    return {
      conclusion: "failure",
      title: `Proposed policy is invalid: ${plural(proposal.errors.length, "error")}`,
      summary: fit(
        [
          "The proposed policy cannot be used; every check run would fail once it is merged.",
          "",
          ...lines,
          "",
          note,
        ].join("\n"),
      ),
      text: "",
      annotations: proposal.errors.map((e) => ({
        path: e.path,
        start_line: e.line,
        end_line: e.line,
        annotation_level: "failure",
        message: e.message,
        title: "Invalid modelgate policy",
      })),
      actions: [],
    };
  }
  const weakening = proposal.differences.filter((d) => d.effect === "weakens");
  let title: string;
  if (proposal.differences.length === 0) title = "Proposed policy is valid and requires the same";
  else if (weakening.length > 0)
    title = `Proposed policy weakens the gate: ${plural(weakening.length, "setting")} (${plural(proposal.differences.length, "change")} in all)`;
  else title = `Proposed policy is valid: ${plural(proposal.differences.length, "change")}, none weakens the gate`;
  const table =
    proposal.differences.length === 0
      ? ["The proposed file requires exactly what the current policy requires."]
      : [
          "| setting | current | proposed | effect |",
          "|---|---|---|---|",
          ...proposal.differences.map(
            (d) =>
              `| \`${d.setting}\` | ${inlineText(d.from, 300)} | ${inlineText(d.to, 300)} | ${EFFECT_LABEL[d.effect]} |`,
          ),
        ];
  return {
    conclusion: weakening.length > 0 ? "neutral" : "success",
    title,
    summary: fit([...table, "", note].join("\n")),
    text: fit(
      [
        "```json",
        JSON.stringify({ format: "modelgate-policy-diff/1", differences: proposal.differences }, null, 2),
        "```",
      ].join("\n"),
    ),
    annotations: [],
    actions: [],
  };
}

function fit(markdown: string): string {
  return truncateUtf8(markdown, CHECK_RUN_TEXT_MAX_BYTES, "\n\n… truncated");
}
