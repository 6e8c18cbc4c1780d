import type { DetectedChanges } from "../detect/detect-changes.js";
import type { Decision, ModelVerdict } from "../evaluate/types.js";
import type { Policy } from "../policy/schema.js";
import type { ModelsAt } from "../evidence/model-evidence.js";
import { globMatcher } from "../policy/glob.js";
import { failureLines } from "../render/release-check-run.js";
import { truncateChars } from "../render/truncate.js";
import { decisionVerdict, knownGoodRequirements, verdictOf, type KnownGoodEvidence } from "./known-good.js";
import { compareCodeUnits } from "../compare-code-units.js";

/** The release a deployment is compared with: the latest release that passed its gate. */
export interface DeploymentBaseline {
  tag: string;
  commit: string;
  /** Taken as it is because it was published before modelgate was installed (no gate judged it). */
  beforeInstallation?: boolean;
}

/**
 * Whether the deployment protection rule judges an environment (`deployments.environments`,
 * globs matched against the whole name, case-sensitively as GitHub names them).
 */
export function isGatedEnvironment(policy: Policy, environment: string): boolean {
  return globMatcher(policy.deployments.environments)(environment);
}

/**
 * docs/deployments.md "What is judged": every model at the deployment's commit, judged as the release gate would. The
 * release judgement covers the models that changed since the latest release that passed its
 * gate (`baseline`); every other model shipped in that release, so it is known good and needs
 * only its evaluation, still passing and current. A decommissioned model is not deployed and
 * is not judged. `releaseDecision` is the release judgement at the commit (judgeReleaseModels).
 */
export function judgeDeployment(
  releaseDecision: Decision,
  detected: DetectedChanges,
  policy: Policy,
  now: Date,
  baseline: DeploymentBaseline | undefined,
  /** Every place besides the commit the gate sees (placesSeen): the baseline and the default branch. */
  places: ReadonlyArray<ModelsAt>,
): Decision {
  if (releaseDecision.couldNotEvaluate !== undefined) return releaseDecision;
  const changed = new Set(detected.changes.map((change) => change.name));
  const unchanged: ModelVerdict[] = [];
  if (baseline) {
    for (const loaded of detected.models.head) {
      const { manifest } = loaded;
      if (changed.has(manifest.name) || manifest.status === "decommissioned") continue;
      const release = baseline.beforeInstallation
        ? `${baseline.tag} (published before modelgate was installed)`
        : baseline.tag;
      const evidence: KnownGoodEvidence = {
        name: manifest.name,
        version: manifest.version,
        digest: loaded.digest,
        release,
      };
      const { requirements } = knownGoodRequirements(policy, loaded, evidence, now, places);
      unchanged.push({
        name: manifest.name,
        manifestPath: loaded.path,
        kinds: [],
        from: manifest.version,
        to: manifest.version,
        digest: loaded.digest,
        requirements,
        verdict: verdictOf(requirements),
      });
    }
  }
  const models = [...releaseDecision.models, ...unchanged].sort((a, b) => compareCodeUnits(a.name, b.name));
  const verdict = decisionVerdict({ ...releaseDecision, models });
  // a deployment is a release's moment of truth: what is still pending fails it, as for a release
  return { ...releaseDecision, models, verdict: verdict === "action_required" ? "failure" : verdict };
}

/** GitHub's limit on the comment of a deployment protection rule answer. */
export const DEPLOYMENT_COMMENT_MAX_CHARS = 1024;

export type DeploymentAnswer =
  | { state: "approved" | "rejected"; comment: string }
  /** A status report (no state): the rule stays pending while a retry is queued. */
  | { state: "pending"; comment: string };

export interface DeploymentAnswerInput {
  environment: string;
  commit: string;
  decision: Decision;
  /** The full report (the deployment check run). */
  reportUrl?: string;
  /** Set when the decision could not be made because of GitHub and a retry is queued. */
  retry?: { attempt: number; maxAttempts: number; inMinutes: number };
}

/**
 * The answer to a deployment protection rule: approved only for a decision that was made and
 * passed (never when it could not decide); a comment of at most 1,024 characters that names
 * each model version and what it misses, and links the full report.
 */
export function deploymentAnswer(input: DeploymentAnswerInput): DeploymentAnswer {
  const { decision, environment } = input;
  const where = `${truncateChars(environment, 100, "…")} at ${input.commit.slice(0, 7)}`;
  const report = input.reportUrl ? `Full report: ${input.reportUrl}` : "";
  if (decision.couldNotEvaluate !== undefined && input.retry) {
    const { attempt, maxAttempts, inMinutes } = input.retry;
    const head = `modelgate could not decide on ${where} yet, so it neither approves nor rejects now: ${decision.couldNotEvaluate}. It tries again in ${inMinutes} min (attempt ${attempt + 1} of ${maxAttempts}).`;
    return { state: "pending", comment: fit([head], [], report) };
  }
  if (decision.couldNotEvaluate === undefined && decision.verdict === "success") {
    const lines = decision.models.map(
      (model) => `- ${model.name} ${model.to ?? model.from ?? ""}: ${passedBecause(model)}`,
    );
    const head =
      decision.models.length === 0
        ? `modelgate approved ${where}: no model in the repository.`
        : `modelgate approved ${where}: every model version meets its gates.`;
    return { state: "approved", comment: fit([head], lines, report) };
  }
  const reasons = failureLines(decision, { kind: "off" }).map((line) => `- ${line}`);
  const head =
    decision.couldNotEvaluate !== undefined
      ? `modelgate rejected ${where}: it could not decide, and it never approves what it could not judge.`
      : `modelgate rejected ${where}: not every model version meets its gates.`;
  return { state: "rejected", comment: fit([head], reasons, report) };
}

function passedBecause(model: ModelVerdict): string {
  const knownGood = model.requirements.find((r) => r.id === "known_good" && r.status === "met");
  if (knownGood) return knownGood.message;
  if (model.override) return `overridden by @${model.override.by}`;
  return "meets its gates";
}

/** Head, as many lines as fit, a count of the rest, and the report link, within the limit. */
function fit(head: string[], lines: string[], report: string): string {
  const tail = report ? `\n${report}` : "";
  const budget = DEPLOYMENT_COMMENT_MAX_CHARS - tail.length;
  let text = truncateChars(head.join("\n"), budget, "…");
  for (const [index, line] of lines.entries()) {
    const rest = lines.length - index - 1;
    const more = rest > 0 ? `\n… ${rest} more (see the report)` : "";
    const candidate = `${text}\n${truncateChars(line, 300, "…")}`;
    if (candidate.length + (rest > 0 ? more.length : 0) > budget) {
      const remaining = `\n… ${lines.length - index} more (see the report)`;
      if (text.length + remaining.length <= budget) text += remaining;
      break;
    }
    text = candidate;
  }
  return text + tail;
}
