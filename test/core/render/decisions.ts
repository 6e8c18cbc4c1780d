import type { Decision, ModelVerdict, Requirement, UnmanagedFinding } from "../../../src/core/evaluate/types.js";

export const DIGEST_A = `sha256:${"a".repeat(64)}`;
export const DIGEST_B = `sha256:${"b".repeat(64)}`;

export function requirement(id: string, status: Requirement["status"], extra: Partial<Requirement> = {}): Requirement {
  return { id, status, message: `${id} is ${status}`, provision: "5.2.5-1", ...extra };
}

export function model(name: string, requirements: Requirement[], extra: Partial<ModelVerdict> = {}): ModelVerdict {
  let verdict: ModelVerdict["verdict"] = "success";
  if (requirements.some((r) => r.status === "failed")) verdict = "failure";
  else if (requirements.some((r) => r.status === "pending")) verdict = "action_required";
  return {
    name,
    manifestPath: `models/${name}/model.yaml`,
    kinds: ["retrain"],
    from: "1.0.0",
    to: "1.1.0",
    digest: DIGEST_A,
    requirements,
    verdict,
    ...extra,
  };
}

export function unmanaged(path: string, level: UnmanagedFinding["level"] = "failure"): UnmanagedFinding {
  return { path, source: "artifact", change: "added", level };
}

/** A decision whose verdict follows from its parts, as the evaluation computes it. */
export function decision(parts: Partial<Decision> = {}): Decision {
  const models = parts.models ?? [];
  const unmanagedFindings = parts.unmanaged ?? [];
  const errors = parts.errors ?? [];
  const failing =
    errors.length > 0 ||
    models.some((m) => m.verdict === "failure") ||
    unmanagedFindings.some((u) => u.level === "failure") ||
    parts.couldNotEvaluate !== undefined;
  let verdict: Decision["verdict"] = "success";
  if (failing) verdict = "failure";
  else if (models.some((m) => m.verdict === "action_required")) verdict = "action_required";
  return { verdict, models, unmanaged: unmanagedFindings, errors, ...parts };
}
