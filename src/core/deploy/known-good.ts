import type { DetectedChanges } from "../detect/detect-changes.js";
import type { ModelChange } from "../detect/types.js";
import { evaluationRequirements } from "../evaluate/evaluation-requirements.js";
import type { Decision, ModelVerdict, Requirement, Verdict } from "../evaluate/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { Policy } from "../policy/schema.js";
import { compareSemver } from "../manifest/semver.js";
import { signOffKey } from "../sign-off/subject.js";
import { evidenceCopies, type ModelsAt } from "../evidence/model-evidence.js";

/** Restoring a known good state (EN 304 223 5.2.1-3.1). */
export const KNOWN_GOOD_PROVISION = "5.2.1-3.1";

/**
 * A model version that passed its gate and shipped in a release that passed (its release check
 * run concluded success): the evidence a rollback to it rests on.
 */
export interface KnownGoodEvidence {
  name: string;
  version: string;
  digest: string;
  /** The tag of the passing release it shipped in. */
  release: string;
  /**
   * Where it was judged instead, when that is no release (a deployment's approved baseline, a gated merge):
   * "unchanged since …", said in place of "released in …".
   */
  unchangedSince?: string;
  /** The sign-off issue of its digest, when one was found. */
  signOffIssue?: string;
  /** Its manifest as the release shipped it: its evaluation records count with every other copy's. */
  shipped?: LoadedManifest;
}

/** The model identity known good evidence must match: name, version and digest (the exact artefacts). */
export function knownGoodKey(model: { name: string; version: string; digest: string }): string {
  return `${model.name}\n${model.version}\n${model.digest}`;
}

/** The evaluation requirements a known good version must still meet: its own record, passing and current. */
const EVALUATION_STILL_NEEDED = new Set(["evaluation.bound", "evaluation.result", "evaluation.current"]);
/** What the artefacts are is checked again (hashes, data provenance, documentation); who approved it and how its version moved are not. */
const STILL_CHECKED_PREFIXES = ["hash:", "data:", "documentation:"];

/**
 * Whether a change looks like a rollback, i.e. may restore a released version: its version went
 * down, or a decommissioned model became active again. Only these are looked up in earlier
 * releases, so an ordinary change costs no extra reads.
 */
export function isRollbackCandidate(change: ModelChange): boolean {
  if (!change.base || !change.head) return false;
  if (change.head.manifest.status === "decommissioned") return false;
  if (change.base.manifest.status === "decommissioned") return true;
  return compareSemver(change.head.manifest.version, change.base.manifest.version) < 0;
}

/** The models of a decision that need known good evidence: not passing, and rollback candidates. */
export function modelsToLookUp(
  decision: Decision,
  detected: DetectedChanges,
  policy: Policy,
): Array<{ name: string; version: string; digest: string }> {
  if (policy.rollback !== "known_good") return [];
  return detected.changes
    .filter(
      (change) =>
        isRollbackCandidate(change) && decision.models.some((m) => m.name === change.name && m.verdict !== "success"),
    )
    .flatMap((change) =>
      change.head ? [{ name: change.name, version: change.head.manifest.version, digest: change.head.digest }] : [],
    );
}

/** The evidence with the sign-off issue of each version's digest, where the gate found one. */
export function withSignOffIssues(
  evidence: ReadonlyArray<KnownGoodEvidence>,
  detected: DetectedChanges,
  signOffIssues: Readonly<Record<string, string>>,
): KnownGoodEvidence[] {
  return evidence.map((found) => {
    const change = detected.changes.find((c) => c.name === found.name && c.digest === found.digest);
    const key = change ? signOffKey(change) : undefined;
    const url = key !== undefined && Object.hasOwn(signOffIssues, key) ? signOffIssues[key] : undefined;
    return url ? { ...found, signOffIssue: url } : found;
  });
}

/** "known good: fraud 1.0.0, released in v3, signed off in #12" */
export function knownGoodMessage(evidence: KnownGoodEvidence): string {
  const issue = evidence.signOffIssue ? `, signed off in ${issueReference(evidence.signOffIssue)}` : "";
  const basis = evidence.unchangedSince
    ? `unchanged since ${evidence.unchangedSince}`
    : `released in ${evidence.release}`;
  return `known good: ${evidence.name} ${evidence.version}, ${basis}${issue}`;
}

function issueReference(url: string): string {
  const number = /\/issues\/(\d+)$/.exec(url)?.[1];
  return number ? `#${number}` : url;
}

/**
 * The requirements of a known good model version: the evidence it rests on, and its own
 * evaluation record, still passing and current. `undefined` when that evaluation no longer
 * counts (a rollback then needs the ordinary gate).
 */
export function knownGoodRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  evidence: KnownGoodEvidence,
  now: Date,
  elsewhere: ReadonlyArray<ModelsAt>,
): { requirements: Requirement[]; current: boolean } {
  // the newest record of these artefacts anywhere the gate sees counts: a later failed re-evaluation ends known good
  const shipped: ModelsAt[] = evidence.shipped ? [{ where: evidence.release, models: [evidence.shipped] }] : [];
  const copies = evidenceCopies(loaded, loaded.manifest.name, [...shipped, ...elsewhere]);
  const evaluation = evaluationRequirements(policy, loaded, loaded.digest, [], now, copies).filter((r) =>
    EVALUATION_STILL_NEEDED.has(r.id),
  );
  const current = evaluation.every((r) => r.status === "met");
  const at = { path: loaded.path, line: loaded.lineOf(["version"]) };
  const knownGood: Requirement = current
    ? { id: "known_good", status: "met", message: knownGoodMessage(evidence), provision: KNOWN_GOOD_PROVISION, ...at }
    : {
        id: "known_good",
        status: "failed",
        message: `${knownGoodMessage(evidence)} — but its evaluation no longer counts: re-evaluate these artefacts to restore it`,
        provision: KNOWN_GOOD_PROVISION,
        ...at,
      };
  return { requirements: [knownGood, ...evaluation], current };
}

/**
 * docs/deployments.md "Known good rollback" (rollback: known_good): a changed model whose version, digest and name shipped in a
 * release that passed needs no new evaluation or sign-off while its own evaluation is current.
 * Its ordinary approval, evaluation and version requirements are replaced by the known good
 * evidence; hashes, data provenance and documentation are still checked. A known good version
 * whose evaluation expired keeps its ordinary gate, with a note why it is not restored.
 */
export function applyKnownGood(
  decision: Decision,
  detected: DetectedChanges,
  policy: Policy,
  now: Date,
  evidence: ReadonlyArray<KnownGoodEvidence>,
  /** Every place besides the judged commit the gate sees (placesSeen): the base first. */
  places: ReadonlyArray<ModelsAt>,
): Decision {
  if (policy.rollback !== "known_good" || evidence.length === 0 || decision.couldNotEvaluate !== undefined)
    return decision;
  const byKey = new Map(evidence.map((e) => [knownGoodKey(e), e]));
  const models = decision.models.map((model): ModelVerdict => {
    if (model.verdict === "success") return model;
    const change = detected.changes.find((c) => c.name === model.name);
    if (!change?.head || !isRollbackCandidate(change)) return model;
    const found = byKey.get(
      knownGoodKey({ name: change.name, version: change.head.manifest.version, digest: change.head.digest }),
    );
    if (!found) return model;
    const known = knownGoodRequirements(policy, change.head, found, now, places);
    if (!known.current) return { ...model, requirements: [known.requirements[0]!, ...model.requirements] };
    const kept = model.requirements.filter((r) => STILL_CHECKED_PREFIXES.some((prefix) => r.id.startsWith(prefix)));
    const requirements = [...known.requirements, ...kept];
    // a restored version is not compared with the one it replaces (docs/regression.md): it passed its gate when it shipped
    const { regression: _notCompared, ...restored } = model;
    return { ...restored, requirements, verdict: verdictOf(requirements) };
  });
  return { ...decision, models, verdict: decisionVerdict({ ...decision, models }) };
}

/** A model's verdict from its requirements, as the gate computes it. */
export function verdictOf(requirements: ReadonlyArray<Requirement>): Verdict {
  if (requirements.some((r) => r.status === "failed")) return "failure";
  if (requirements.some((r) => r.status === "pending")) return "action_required";
  return "success";
}

/** A decision's verdict from its parts, as the gate computes it. */
export function decisionVerdict(decision: Pick<Decision, "models" | "unmanaged" | "errors">): Verdict {
  if (
    decision.errors.length > 0 ||
    decision.models.some((m) => m.verdict === "failure") ||
    decision.unmanaged.some((u) => u.level === "failure")
  )
    return "failure";
  return decision.models.some((m) => m.verdict === "action_required") ? "action_required" : "success";
}
