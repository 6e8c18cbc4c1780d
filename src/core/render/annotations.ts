import type { Decision, ModelVerdict, Requirement } from "../evaluate/types.js";
import { byStatus, byVerdict } from "./requirement-kinds.js";
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
 * Annotations, failures first (so the first request carries them). They depend only on the
 * files and the policy, never on who approved: one head commit keeps one check run, GitHub
 * appends annotations on every update and cannot delete them, so an annotation that an
 * approval or an override could withdraw would linger on the run (approvals and overrides are
 * in the title and summary instead).
 * - a failed requirement: failure at its line (line 1 of the manifest when it has none);
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
        unmanaged.path,
        1,
        unmanaged.level,
        `This model file (${unmanaged.source}, ${unmanaged.change}) is not declared by any model manifest: add it to a manifest's components, or remove it (5.2.1-2).`,
        "Unmanaged model file",
      ),
    );
  }
  const rank = { failure: 0, warning: 1, notice: 2 } as const;
  return annotations
    .map((a, index) => ({ a, index }))
    .sort((x, y) => rank[x.a.annotation_level] - rank[y.a.annotation_level] || x.index - y.index)
    .map(({ a }) => a);
}

/**
 * Where a requirement is fixed: its file and line, or line 1 of the model's manifest when it names none.
 * The check run's annotations and the CLI's `file:line` read it here, so both point at the same line.
 */
export function requirementLocation(
  model: Pick<ModelVerdict, "manifestPath">,
  requirement: Pick<Requirement, "path" | "line">,
): { path: string; line: number } {
  return { path: requirement.path ?? model.manifestPath, line: safeLine(requirement.line ?? 1) };
}

function modelAnnotations(model: ModelVerdict): Annotation[] {
  return byStatus(model.requirements)
    .filter((requirement) => requirement.status === "failed")
    .map((requirement) => {
      const { path, line } = requirementLocation(model, requirement);
      return annotation(
        path,
        line,
        "failure",
        `${requirement.message} [${requirement.provision}]`,
        `${model.name}: ${requirement.id}`,
      );
    });
}

function annotation(
  path: string,
  line: number,
  level: Annotation["annotation_level"],
  message: string,
  title: string,
): Annotation {
  return {
    path,
    start_line: safeLine(line),
    end_line: safeLine(line),
    annotation_level: level,
    message: truncateChars(message, MAX_MESSAGE_CHARS, "…"),
    title: truncateChars(title, MAX_TITLE_CHARS, "…"),
  };
}

/** GitHub refuses an annotation whose line is not a positive integer. */
function safeLine(line: number): number {
  return Number.isInteger(line) && line >= 1 ? line : 1;
}
