import type { FileContent } from "../detect/snapshot.js";
import { loadYaml } from "../yaml/load-yaml.js";

/** Front-matter keys that make a README a Hugging Face model card (docs/cli.md "Discovery rules"). */
export const MODEL_CARD_KEYS = ["base_model", "model-index", "pipeline_tag"] as const;

export type ModelCardState = "card" | "not-a-card" | "cannot-tell";

/**
 * Whether a README.md is a Hugging Face model card: YAML front matter (between a first line `---`
 * and the next `---`) that has one of MODEL_CARD_KEYS. Front matter that is not valid YAML, and a
 * README that was not read, cannot be told apart from a card.
 */
export function readModelCard(path: string, content: FileContent | undefined): ModelCardState {
  if (content === undefined || content.kind === "unreadable") return "cannot-tell";
  if (content.kind === "binary") return "not-a-card";
  const lines = content.text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") return "not-a-card";
  const end = lines.findIndex((line, index) => index > 0 && (line.trimEnd() === "---" || line.trimEnd() === "..."));
  // an opening `---` with no closing one is a Markdown rule, not front matter
  if (end === -1) return "not-a-card";
  const parsed = loadYaml(path, lines.slice(1, end).join("\n"));
  if (!parsed.ok) return "cannot-tell";
  const value = parsed.yaml.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not-a-card";
  return MODEL_CARD_KEYS.some((key) => key in value) ? "card" : "not-a-card";
}
