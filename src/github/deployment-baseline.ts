import type { ProbotOctokit } from "probot";
import { sameEnvironment } from "../core/deploy/judge-deployment.js";
import { latestCheckRunConclusion } from "./check-runs.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";
import { readMergeBase } from "./read-tree.js";
import type { RepositoryLocation } from "./releases.js";

/** Deployments of the environment read at most (one page, newest first): the bound of the lookup's reads. */
export const MAX_DEPLOYMENTS_LISTED = 100;
/** Distinct commits of those deployments whose deployment check run is read at most. */
export const MAX_DEPLOYED_COMMITS_CHECKED = 10;

/**
 * The commit of the latest earlier deployment to `environment` that modelgate approved: one
 * page of the environment's deployments (`GET /deployments?environment=`, newest first; names
 * compared again without case, as GitHub compares environment names), the current deployment
 * and later ones left out, then, newest first, this app's `checkName` run on each distinct
 * commit (at most MAX_DEPLOYED_COMMITS_CHECKED): the first that concluded `success` is the one.
 * That run is only written by the deployment gate, so success means modelgate approved that
 * commit for this environment. `undefined` when none qualifies. GitHub errors throw CouldNotEvaluate.
 */
export async function lastApprovedDeployment(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  lookup: { environment: string; currentDeploymentId: number; check: { name: string; appId: number } },
): Promise<string | undefined> {
  let listed: Array<{ id: number; sha: string; environment: string }>;
  try {
    ({ data: listed } = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      environment: lookup.environment,
      per_page: MAX_DEPLOYMENTS_LISTED,
    }));
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the deployments to ${lookup.environment}` });
  }
  const earlier = listed
    .filter(
      (d) =>
        sameEnvironment(d.environment, lookup.environment) &&
        (lookup.currentDeploymentId === 0 || d.id < lookup.currentDeploymentId) &&
        /^[0-9a-f]{40}$/.test(d.sha),
    )
    .sort((a, b) => b.id - a.id);
  const commits = [...new Set(earlier.map((d) => d.sha))].slice(0, MAX_DEPLOYED_COMMITS_CHECKED);
  for (const commit of commits) {
    const conclusion = await latestCheckRunConclusion(octokit, {
      owner,
      repo,
      headSha: commit,
      ...lookup.check,
    }).catch((error: unknown) =>
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the check run "${lookup.check.name}"`, ref: commit }),
    );
    if (conclusion === "success") return commit;
  }
  return undefined;
}

/** The pull request a commit was merged by, when its `modelgate` check passed: what the PR gate compared it with. */
export interface GatedMerge {
  pullRequest: number;
  /** The merge base of the pull request's base and head: the commit its gate judged against. */
  base: string;
}

/**
 * The pull request that merged `commit` (`GET /commits/{sha}/pulls`: the merged one whose
 * merge_commit_sha is the commit), if this app's `checkName` run on its head concluded
 * `success`; its merge base with the base branch (as the PR gate computed it) is the base.
 * At most three reads. `undefined` when there is none. GitHub errors throw CouldNotEvaluate.
 */
export async function gatedMergeOf(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  commit: string,
  check: { name: string; appId: number },
): Promise<GatedMerge | undefined> {
  let pulls: Array<{
    number: number;
    merged_at: string | null;
    merge_commit_sha: string | null;
    base: { sha: string };
    head: { sha: string };
  }>;
  try {
    ({ data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: commit,
      per_page: 100,
    }));
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the pull request that merged the commit", ref: commit });
  }
  const merged = pulls.find((pr) => pr.merged_at !== null && pr.merge_commit_sha === commit);
  if (!merged) return undefined;
  const conclusion = await latestCheckRunConclusion(octokit, {
    owner,
    repo,
    headSha: merged.head.sha,
    ...check,
  }).catch((error: unknown) =>
    rethrowAsCouldNotEvaluate(error, {
      owner,
      repo,
      what: `the check run "${check.name}" of pull request #${merged.number}`,
      ref: merged.head.sha,
    }),
  );
  if (conclusion !== "success") return undefined;
  const base = await readMergeBase(octokit, { owner, repo, base: merged.base.sha, head: merged.head.sha });
  return { pullRequest: merged.number, base };
}
