import type { ProbotOctokit } from "probot";

/**
 * The workflow run a deployment protection rule request belongs to, from its
 * `deployment_callback_url` (`…/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`).
 * `undefined` unless the URL names exactly this repository: the answer always goes to the
 * repository of the delivery, never to an address the payload makes up.
 */
export function workflowRunOfCallback(
  callbackUrl: string | undefined,
  { owner, repo }: { owner: string; repo: string },
): number | undefined {
  if (!callbackUrl) return undefined;
  let path: string;
  try {
    path = new URL(callbackUrl).pathname;
  } catch {
    return undefined;
  }
  const match = /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d{1,20})\/deployment_protection_rule$/.exec(
    path,
  );
  if (!match) return undefined;
  const [, pathOwner, pathRepo, runId] = match;
  if (
    decodeURIComponent(pathOwner ?? "").toLowerCase() !== owner.toLowerCase() ||
    decodeURIComponent(pathRepo ?? "").toLowerCase() !== repo.toLowerCase()
  )
    return undefined;
  const id = Number(runId);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export interface DeploymentRuleAnswer {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  /** `undefined` posts a status report and leaves the rule pending. */
  state?: "approved" | "rejected";
  comment: string;
}

/**
 * Approves or rejects a deployment waiting on this app's protection rule, or (without a state)
 * posts a status report on it: `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`.
 * Errors are rethrown.
 */
export async function answerDeploymentRule(octokit: ProbotOctokit, answer: DeploymentRuleAnswer): Promise<void> {
  await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", {
    owner: answer.owner,
    repo: answer.repo,
    run_id: answer.runId,
    environment_name: answer.environment,
    ...(answer.state ? { state: answer.state } : {}),
    comment: answer.comment,
  });
}
