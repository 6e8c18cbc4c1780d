import type { Logger } from "pino";
import type { Decision } from "../core/evaluate/types.js";
import { evaluations } from "../metrics.js";

export interface DecisionLogTarget {
  delivery: string;
  owner: string;
  repo: string;
  /** null when the pull request could not be identified. */
  pullRequest: number | null;
  headSha: string;
  /** The release a `modelgate / release` decision is about (pullRequest is then null). */
  release?: { id: number; tag: string };
  /** The deployment a deployment protection rule decision is about (pullRequest is then null). */
  deployment?: {
    id: number;
    environment: string;
    state: "approved" | "rejected" | "pending";
    /** approved without judgement (not in deployments.environments) */ judged?: false;
  };
  /** What became of the check run that shows the decision: written, or the failure that stopped it. */
  checkRun?: { conclusion: string; written: boolean; error?: string };
}

/**
 * One structured line per decision: the audit trail of lifecycle decisions
 * (EN 304 223 5.1.2-3, 5.4.2-1). Facts only — never tokens or file contents.
 */
export function logDecision(log: Logger, target: DecisionLogTarget, decision: Decision): void {
  evaluations.inc({
    kind: target.release ? "release" : "pull_request",
    verdict: decision.couldNotEvaluate !== undefined ? "could_not_evaluate" : decision.verdict,
  });
  log.info(
    {
      delivery: target.delivery,
      repo: `${target.owner}/${target.repo}`,
      pull_request: target.pullRequest,
      ...(target.release ? { release: target.release } : {}),
      ...(target.deployment ? { deployment: target.deployment } : {}),
      head_sha: target.headSha,
      verdict: decision.couldNotEvaluate !== undefined ? "failure" : decision.verdict,
      models: decision.models.map((model) => ({
        name: model.name,
        version: model.to ?? model.from ?? null,
        digest: model.digest,
        verdict: model.verdict,
        failed: model.requirements.filter((r) => r.status === "failed").map((r) => r.id),
        pending: model.requirements.filter((r) => r.status === "pending").map((r) => r.id),
        override: model.override ?? null,
        // what each requirement rested on, so the log alone can answer an auditor
        evidence: model.requirements.map((r) => ({
          id: r.id,
          status: r.status,
          provision: r.provision,
          message: r.message.slice(0, 500),
        })),
      })),
      unmanaged: decision.unmanaged.map(({ path, source, change, level }) => ({ path, source, change, level })),
      errors: decision.errors.map(({ path, line, message }) => ({ path, line, message })),
      ...(decision.couldNotEvaluate !== undefined ? { could_not_evaluate: decision.couldNotEvaluate } : {}),
      ...(target.checkRun ? { check_run: target.checkRun } : {}),
    },
    "modelgate decision",
  );
}
