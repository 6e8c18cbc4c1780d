import type {
  Decision,
  ModelVerdict,
  Requirement,
  RequirementStatus,
  UnmanagedFinding,
} from "../core/evaluate/types.js";
import type { UnmanagedSource } from "../core/detect/types.js";
import { requirementLocation } from "../core/render/annotations.js";
import { plural } from "../core/render/markdown.js";

/** One end of what was compared, as the CLI resolved it (docs/cli.md "Which refs are compared"). */
export interface RangeEnd {
  /** The commit compared; the policy is read at base's. */
  commit: string;
  /** The --base / --head argument; null when the CLI chose the ref (the default branch). */
  given: string | null;
  /** The full ref name it resolved to (refs/heads/main); null when it names a commit directly (a SHA, main~1). */
  ref: string | null;
  /** The commit the ref names; for the default base, `commit` is its merge-base with head. */
  refCommit: string;
}

/** What was compared, for the report's first line and the JSON. */
export interface CheckRange {
  base: RangeEnd;
  head: RangeEnd;
}

const STATUS_MARK: Record<RequirementStatus, string> = { met: "✓ met    ", pending: "… pending", failed: "✗ failed " };

const SOURCE_LABEL: Record<UnmanagedSource, string> = {
  artifact: "file matching the artifact globs",
  lfs: "Git LFS pointer matching the artifact globs",
  dvc: "DVC-tracked model output",
  mlflow: "MLflow model (MLmodel file)",
  "hf-card": "Hugging Face model card",
};

/** C0 and C1 controls and the Unicode line/paragraph separators: any of them can break or rewrite a terminal line. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const NOT_ESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * Text from the repository (file and model names, and the messages that embed them) as the human
 * report prints it: unchanged, or JSON-quoted when it holds a control character, so that a hostile
 * file name cannot break the report's lines or forge one (e.g. a fake "✓ met" line).
 */
export function printable(text: string): string {
  if (!CONTROL_CHARACTER.test(text)) return text;
  // JSON.stringify escapes U+0000–U+001F only; the other controls are escaped the same way
  return JSON.stringify(text).replace(
    NOT_ESCAPED_BY_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The human report of `modelgate check`: what a developer reads before pushing. */
export function renderCheckReport(decision: Decision, range: CheckRange): string {
  const lines: string[] = [];
  lines.push(
    `modelgate check: base ${short(range.base.commit)} (${printable(endLabel(range.base))}) → head ${short(range.head.commit)} (${printable(endLabel(range.head))})`,
  );
  lines.push("");
  lines.push(verdictLine(decision));
  if (decision.couldNotEvaluate) lines.push(`  could not evaluate: ${printable(decision.couldNotEvaluate)}`);

  for (const model of decision.models) {
    lines.push("", ...modelSection(model));
  }
  if (decision.unmanaged.length > 0) {
    lines.push("", "Unmanaged models (no manifest declares them; add them to a model.yaml or remove them):");
    for (const finding of decision.unmanaged) lines.push(unmanagedLine(finding));
  }
  if (decision.errors.length > 0) {
    lines.push("", "Files to fix:");
    for (const error of decision.errors)
      lines.push(`  ${printable(error.path)}:${error.line}: ${printable(error.message)}`);
  }
  const pendingApprovals = decision.models.some((m) => m.requirements.some((r) => r.status === "pending"));
  if (pendingApprovals) {
    lines.push(
      "",
      "Approvals, sign-offs and the evaluator's independence from the authors are read from GitHub: offline they are reported pending and do not fail this check.",
    );
  }
  return lines.join("\n") + "\n";
}

function verdictLine(decision: Decision): string {
  const requirements = decision.models.flatMap((m) => m.requirements);
  const failed = requirements.filter((r) => r.status === "failed").length;
  const pending = requirements.filter((r) => r.status === "pending").length;
  const unmanagedFailures = decision.unmanaged.filter((u) => u.level === "failure").length;
  const counts = [
    failed > 0 ? plural(failed, "requirement failed", "requirements failed") : "",
    invalidFiles(decision),
    unmanagedFailures > 0 ? plural(unmanagedFailures, "unmanaged model") : "",
    pending > 0 ? plural(pending, "requirement pending", "requirements pending") : "",
  ].filter(Boolean);
  const gated =
    decision.models.length > 0 ? ` (${plural(decision.models.length, "model changed", "models changed")})` : "";
  switch (decision.verdict) {
    case "failure":
      return `✗ FAILURE: ${counts.join(", ") || "could not evaluate"}${gated}`;
    case "action_required":
      return `… ACTION REQUIRED: ${counts.join(", ")}${gated}; nothing failed`;
    case "success":
      return decision.models.length === 0 && decision.unmanaged.length === 0
        ? "✓ SUCCESS: no gated change"
        : `✓ SUCCESS: every requirement met${gated}`;
  }
}

/** "1 invalid file (9 errors)": files are what a developer opens, errors what they fix in them. */
function invalidFiles(decision: Decision): string {
  if (decision.errors.length === 0) return "";
  const fileCount = new Set(decision.errors.map((error) => error.path)).size;
  const files = plural(fileCount, "invalid file");
  return decision.errors.length === fileCount ? files : `${files} (${plural(decision.errors.length, "error")})`;
}

function versionText(model: ModelVerdict): string {
  if (model.from === undefined) return `new at ${model.to ?? "?"}`;
  if (model.to === undefined) return `${model.from}, deleted`;
  return `${model.from} → ${model.to}`;
}

function modelSection(model: ModelVerdict): string[] {
  const version = versionText(model);
  const lines = [
    `${printable(model.name)}  (${printable(model.manifestPath)})  ${model.verdict.toUpperCase().replace("_", " ")}`,
    `  changes: ${model.kinds.join(", ")}   version: ${version}`,
    `  digest:  ${model.digest}`,
  ];
  if (model.override)
    lines.push(`  overridden by @${printable(model.override.by)}: ${printable(model.override.reason)}`);
  for (const requirement of sortRequirements(model.requirements)) {
    lines.push(
      `  ${STATUS_MARK[requirement.status]}  ${whereToFix(model, requirement)}${printable(requirement.id)}: ${printable(requirement.message)}  [${requirement.provision}]`,
    );
  }
  return lines;
}

/** `file:line: ` of a failed or pending requirement, as compilers print it (editors and terminals open it); nothing when met. */
function whereToFix(model: ModelVerdict, requirement: Requirement): string {
  if (requirement.status === "met") return "";
  const { path, line } = requirementLocation(model, requirement);
  return `${printable(path)}:${line}: `;
}

// what to fix first: failures, then pending approvals, then what is met
function sortRequirements(requirements: ReadonlyArray<Requirement>): Requirement[] {
  const order: Record<RequirementStatus, number> = { failed: 0, pending: 1, met: 2 };
  return [...requirements].sort((a, b) => order[a.status] - order[b.status]);
}

function unmanagedLine(finding: UnmanagedFinding): string {
  const mark = finding.level === "failure" ? "✗" : "!";
  return `  ${mark} ${finding.change.padEnd(8)} ${printable(finding.path)}  (${SOURCE_LABEL[finding.source]}${finding.level === "warning" ? "; warning only" : ""})`;
}

/** Which ref an end is, as resolved: "merge-base with refs/heads/main at 1a2b…", "main = refs/heads/main", "HEAD = refs/heads/x". */
function endLabel(end: RangeEnd): string {
  // the CLI chooses a ref only for the default base, and compares with its merge-base
  if (end.given === null) return `merge-base with ${end.ref ?? "?"} at ${short(end.refCommit)}`;
  if (end.ref === null || end.ref === end.given) return end.given;
  return `${end.given} = ${end.ref}`;
}

function short(commit: string): string {
  return commit.slice(0, 12);
}
