import type { Decision, ModelVerdict } from "../evaluate/types.js";
import { byStatus, byVerdict, pendingApprovals } from "./requirement-kinds.js";
import { truncateChars } from "./truncate.js";

/** A check run annotation as the GitHub API takes it. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

/** GitHub accepts at most 50 annotations per check run request; further updates append. */
export const ANNOTATIONS_PER_REQUEST = 50;

const MAX_MESSAGE_CHARS = 4000;
const MAX_TITLE_CHARS = 255;

export function annotationBatches<T>(items: ReadonlyArray<T>, size = ANNOTATIONS_PER_REQUEST): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/**
 * Annotations, failures first (so the first request carries them):
 * - a failed requirement: failure at its line (line 1 of the manifest when it has none);
 *   on an overridden model it is a warning, kept as evidence of what was overridden;
 * - pending approvals: ONE notice per model, at the line of the first pending approval that
 *   has one (else line 1), listing every role it waits for — one per role would repeat itself;
 * - an invalid file: failure at the line of the error;
 * - an unmanaged model file: failure or warning (per policy) at line 1 of that file.
 */
export function decisionAnnotations(decision: Decision): Annotation[] {
  if (decision.couldNotEvaluate !== undefined) return [];
  const annotations: Annotation[] = [];
  for (const error of decision.errors) {
    annotations.push(annotation(error.path, error.line, "failure", error.message, "Invalid file"));
  }
  for (const model of byVerdict(decision.models)) annotations.push(...modelAnnotations(model));
  for (const unmanaged of decision.unmanaged) {
    annotations.push(
      annotation(
        unmanaged.path, 1, unmanaged.level,
        `This model file (${unmanaged.source}, ${unmanaged.change}) is not declared by any model manifest: add it to a manifest's components, or remove it (5.2.1-2).`,
        "Unmanaged model file",
      ),
    );
  }
  const rank = { failure: 0, warning: 1, notice: 2 } as const;
  return annotations.map((a, index) => ({ a, index })).sort((x, y) => rank[x.a.annotation_level] - rank[y.a.annotation_level] || x.index - y.index).map(({ a }) => a);
}

function modelAnnotations(model: ModelVerdict): Annotation[] {
  const annotations: Annotation[] = [];
  for (const requirement of byStatus(model.requirements)) {
    if (requirement.status !== "failed") continue;
    const overridden = model.override ? ` (overridden by @${model.override.by}: ${model.override.reason})` : "";
    annotations.push(
      annotation(
        requirement.path ?? model.manifestPath,
        requirement.line ?? 1,
        model.override ? "warning" : "failure",
        `${requirement.message}${overridden} [${requirement.provision}]`,
        `${model.name}: ${requirement.id}`,
      ),
    );
  }
  const pending = pendingApprovals(model);
  if (!model.override && pending.length > 0) {
    const at = pending.find((p) => p.requirement.line !== undefined)?.requirement;
    annotations.push(
      annotation(
        at?.path ?? model.manifestPath,
        at?.line ?? 1,
        "notice",
        `${model.name} ${model.to ?? model.from ?? ""} waits for sign-off by: ${pending.map((p) => p.role).join(", ")}. ${pending.map((p) => p.requirement.message).join(" ")}`,
        `${model.name}: sign-off needed`,
      ),
    );
  }
  return annotations;
}

function annotation(path: string, line: number, level: Annotation["annotation_level"], message: string, title: string): Annotation {
  const safeLine = Number.isInteger(line) && line >= 1 ? line : 1;
  return {
    path,
    start_line: safeLine,
    end_line: safeLine,
    annotation_level: level,
    message: truncateChars(message, MAX_MESSAGE_CHARS, "…"),
    title: truncateChars(title, MAX_TITLE_CHARS, "…"),
  };
}
