import type { ProbotOctokit } from "probot";
import type { TreeEntry } from "../core/detect/snapshot.js";
import { CouldNotEvaluate, describeTarget, rethrowAsCouldNotEvaluate } from "./errors.js";

export interface CommitLocation {
  owner: string;
  repo: string;
  commit: string;
}

/**
 * Every blob of a commit, from one recursive git tree request. The diff of a pull
 * request is computed from two such trees, so it has no 3,000-file listing ceiling;
 * a tree GitHub truncates fails closed instead of hiding files.
 */
export async function readTree(
  octokit: ProbotOctokit,
  { owner, repo, commit }: CommitLocation,
): Promise<Map<string, TreeEntry>> {
  const target = { owner, repo, what: "the tree", ref: commit };
  let data: Awaited<ReturnType<ProbotOctokit["rest"]["git"]["getTree"]>>["data"];
  try {
    ({ data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: commit, recursive: "true" }));
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, target);
  }
  if (data.truncated) {
    throw new CouldNotEvaluate(
      `${describeTarget(target)} has more entries than GitHub lists (truncated); modelgate cannot see every file`,
    );
  }
  const entries = new Map<string, TreeEntry>();
  for (const item of data.tree) {
    // directories are implied by paths; submodules ("commit") hold no files of this repository
    if (item.type !== "blob" || !item.path || !item.sha) continue;
    entries.set(item.path, {
      path: item.path,
      blobSha: item.sha,
      mode: item.mode ?? "100644",
      ...(item.size !== undefined ? { size: item.size } : {}),
    });
  }
  return entries;
}

/** The commit a pull request's changes are measured from, as GitHub's "Files changed" does. */
export async function readMergeBase(
  octokit: ProbotOctokit,
  { owner, repo, base, head }: { owner: string; repo: string; base: string; head: string },
): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${base}...${head}`,
      per_page: 1,
    });
    return data.merge_base_commit.sha;
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, {
      owner,
      repo,
      what: `the merge base of ${base.slice(0, 7)} and ${head.slice(0, 7)}`,
    });
  }
}
