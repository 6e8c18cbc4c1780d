import type { Verdict } from "../evaluate/types.js";
import type { ChangeKind } from "../policy/schema.js";
import { versionChange } from "./check-run-summary.js";
import { code, inlineText, plural } from "./markdown.js";
import { VERDICT_ICON } from "./requirement-kinds.js";

export const RELEASE_SECTION_START = "<!-- modelgate:release:start -->";
export const RELEASE_SECTION_END = "<!-- modelgate:release:end -->";

/** GitHub's release body limit is 125,000 characters; the section keeps well below to leave room for the notes. */
const MAX_SECTION_CHARS = 60_000;

export interface ReleaseModel {
  name: string;
  from?: string;
  to: string;
  digest: string;
  kinds: ChangeKind[];
  verdict: Verdict;
  /** What the manifest tells users (documentation fields), each with its texts. */
  documentation?: Array<{ label: string; texts: string[] }>;
}

export interface ReleaseSectionInput {
  models: ReleaseModel[];
  /** Present when the release does not meet its gates: one line per reason. */
  failure?: { summary: string[] };
  /** The `modelgate / release` check run. */
  checkUrl?: string;
}

/**
 * The modelgate section of a release body (users are told which model versions change,
 * EN 304 223 5.2.3-4), between markers so that a re-run replaces it.
 */
export function renderReleaseSection(input: ReleaseSectionInput): string {
  const lines = [RELEASE_SECTION_START, "## Model versions in this release", ""];
  if (input.failure) {
    lines.push(
      "> [!CAUTION]",
      `> **modelgate:** this release does not meet its model gates${input.checkUrl ? ` — see the [check run](${input.checkUrl})` : ""}.`,
      ...input.failure.summary.map((line) => `> - ${inlineText(line, 500)}`),
      "",
    );
  }
  if (input.models.length === 0) {
    lines.push("No model version changes in this release.");
  } else {
    // the documentation column appears only when a model documents something (users are told its uses and limits)
    const documented = input.models.some((model) => (model.documentation ?? []).length > 0);
    lines.push(
      `| Model | Version | Digest | Change | Gate |${documented ? " Documentation |" : ""}`,
      `|---|---|---|---|---|${documented ? "---|" : ""}`,
    );
    let used = lines.join("\n").length;
    let shown = 0;
    for (const model of input.models) {
      const docs = documented ? ` ${documentationCell(model.documentation ?? [])} |` : "";
      const row = `| ${inlineText(model.name, 120)} | ${inlineText(versionChange(model), 120)} | ${code(model.digest, true)} | ${model.kinds.join(", ")} | ${VERDICT_ICON[model.verdict]} |${docs}`;
      if (used + row.length + 1 > MAX_SECTION_CHARS) break;
      lines.push(row);
      used += row.length + 1;
      shown += 1;
    }
    if (shown < input.models.length)
      lines.push(
        "",
        `… ${plural(input.models.length - shown, "more model")} not shown (see the ML-BOM asset or \`modelgate inventory\`).`,
      );
  }
  if (!input.failure && input.checkUrl) lines.push("", `Checked by [modelgate](${input.checkUrl}).`);
  lines.push(RELEASE_SECTION_END);
  return lines.join("\n");
}

function documentationCell(documentation: ReadonlyArray<{ label: string; texts: string[] }>): string {
  if (documentation.length === 0) return "—";
  return documentation.map(({ label, texts }) => `**${label}:** ${inlineText(texts.join("; "), 400)}`).join("<br>");
}

/**
 * Puts the modelgate section into a release body: replaces the section already there (so a
 * re-run changes nothing), else appends it. A start marker whose end marker was deleted is
 * replaced up to the end of the body.
 */
export function upsertReleaseSection(body: string | null | undefined, section: string): string {
  const current = body ?? "";
  const start = current.indexOf(RELEASE_SECTION_START);
  if (start < 0) return current.trim() === "" ? section : `${current.replace(/\s+$/, "")}\n\n${section}`;
  const endMarker = current.indexOf(RELEASE_SECTION_END, start);
  const end = endMarker < 0 ? current.length : endMarker + RELEASE_SECTION_END.length;
  return current.slice(0, start) + section + current.slice(end);
}
