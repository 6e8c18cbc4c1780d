import type { Decision } from "../evaluate/types.js";
import { plural } from "./markdown.js";
import { approvalRole } from "./requirement-kinds.js";
import { truncateChars } from "./truncate.js";
import { rosterTitlePart } from "./training.js";
import { reviewRecordsTitlePart } from "./review-records.js";

const MAX_TITLE_CHARS = 255;

/** A check run title that counts what is missing, e.g. "2 models: 1 failing, 3 sign-offs missing". */
export function checkRunTitle(decision: Decision): string {
  return truncateChars(titleText(decision), MAX_TITLE_CHARS, "…");
}

function titleText(decision: Decision): string {
  if (decision.couldNotEvaluate !== undefined) return `Could not evaluate: ${oneLine(decision.couldNotEvaluate)}`;
  const models = decision.models;
  const failing = models.filter((m) => m.verdict === "failure").length;
  const overridden = models.filter((m) => m.override).length;
  let signOffsMissing = 0;
  let otherPending = 0;
  for (const model of models) {
    if (model.override) continue;
    for (const requirement of model.requirements) {
      if (requirement.status !== "pending") continue;
      if (approvalRole(requirement) !== undefined) signOffsMissing += 1;
      else otherPending += 1;
    }
  }
  const unmanagedFailing = decision.unmanaged.filter((u) => u.level === "failure").length;
  const unmanagedWarning = decision.unmanaged.length - unmanagedFailing;
  const invalidFiles = new Set(decision.errors.map((e) => e.path)).size;

  const modelProblems = [
    failing > 0 ? `${failing} failing` : "",
    signOffsMissing > 0 ? `${plural(signOffsMissing, "sign-off")} missing` : "",
    otherPending > 0 ? `${plural(otherPending, "requirement")} pending` : "",
  ].filter(Boolean);
  const others = [
    invalidFiles > 0 ? plural(invalidFiles, "invalid file") : "",
    unmanagedFailing > 0 ? plural(unmanagedFailing, "unmanaged model file") : "",
    unmanagedWarning > 0 ? `${plural(unmanagedWarning, "unmanaged model file")} (warning)` : "",
    rosterTitlePart(decision),
    reviewRecordsTitlePart(decision),
  ].filter(Boolean);
  const overriddenNote = overridden > 0 ? ` (${overridden} overridden)` : "";

  let modelPart: string;
  if (models.length === 0) modelPart = others.length > 0 && decision.verdict !== "success" ? "" : "No model changes";
  else if (modelProblems.length > 0)
    modelPart = `${plural(models.length, "model")}: ${modelProblems.join(", ")}${overriddenNote}`;
  else if (models.length === 1) modelPart = `The model change meets its gate${overriddenNote}`;
  else modelPart = `All ${models.length} model changes meet their gates${overriddenNote}`;
  return [modelPart, ...others].filter(Boolean).join("; ");
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim() || "unknown reason";
}
