import type { Decision, ModelVerdict } from "../evaluate/types.js";
import type {
  DeploymentDecision,
  GateDecisionInput,
  PullRequestDecision,
  ReleaseDecision,
  SignOffRecord,
} from "./types.js";

/** Which gate decided, with what the inventory shows of it (everything but the conclusion, taken from the decision). */
export type DecisionSource =
  | { gate: "pull_request"; url: string; headSha: string; number: number | null; decidedAt: string }
  | { gate: "release"; url: string; tag: string; decidedAt: string }
  | {
      gate: "deployment";
      url: string;
      environment: string;
      sha: string;
      answer: DeploymentDecision["answer"];
      decidedAt: string;
    };

/**
 * The inventory records of one gate decision: one per model version it judged that exists after the change
 * (a deleted model has no version to stand). A decision that could not be made is a failure, as the check run
 * says. Sign-offs are the standing approvals the gate saw; the awaited roles those it required without one.
 */
export function decisionRecords(repositoryId: number, decision: Decision, source: DecisionSource): GateDecisionInput[] {
  const conclusion = decision.couldNotEvaluate !== undefined ? "failure" : undefined;
  const records: GateDecisionInput[] = [];
  for (const model of decision.models) {
    const version = model.to;
    if (version === undefined) continue;
    const base = {
      repositoryId,
      model: model.name,
      digest: model.digest,
      version,
      signOffs: signOffsOf(model),
      awaitingRoles: awaitingRolesOf(model),
    };
    const modelConclusion = conclusion ?? model.verdict;
    if (source.gate === "pull_request") {
      const recorded: PullRequestDecision = {
        conclusion: modelConclusion,
        url: source.url,
        headSha: source.headSha,
        number: source.number,
        decidedAt: source.decidedAt,
      };
      records.push({ ...base, gate: "pull_request", decision: recorded });
    } else if (source.gate === "release") {
      const recorded: ReleaseDecision = {
        tag: source.tag,
        conclusion: modelConclusion,
        url: source.url,
        decidedAt: source.decidedAt,
      };
      records.push({ ...base, gate: "release", decision: recorded });
    } else {
      const recorded: DeploymentDecision = {
        environment: source.environment,
        answer: source.answer,
        url: source.url,
        sha: source.sha,
        decidedAt: source.decidedAt,
      };
      records.push({ ...base, gate: "deployment", decision: recorded });
    }
  }
  return records;
}

function signOffsOf(model: ModelVerdict): SignOffRecord[] {
  return Object.entries(model.signOffs ?? {})
    .filter(([, signOff]) => signOff.state === "approved")
    .map(([role, signOff]) => ({ role, login: signOff.by, at: signOff.at }))
    .sort((a, b) => (a.role < b.role ? -1 : 1));
}

/** The roles the gate required whose approval requirement was not met. */
function awaitingRolesOf(model: ModelVerdict): string[] {
  const prefix = "approval:";
  return model.requirements
    .filter((requirement) => requirement.id.startsWith(prefix) && requirement.status !== "met")
    .map((requirement) => requirement.id.slice(prefix.length))
    .sort();
}
