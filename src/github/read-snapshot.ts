import type { ProbotOctokit } from "probot";
import type { Policy } from "../core/policy/schema.js";
import type { FileContent, Snapshot, TreeEntry } from "../core/detect/snapshot.js";
import { plannedReads } from "../core/detect/plan-reads.js";
import { CouldNotEvaluate } from "./errors.js";
import { readFileContents, type FileToRead } from "./read-contents.js";
import { readMergeBase, readTree } from "./read-tree.js";

/** The core asks for what it needs in rounds (manifests, then component files); it never needs more. */
export const MAX_READ_ROUNDS = 3;

export interface SnapshotPair {
  base: Snapshot;
  head: Snapshot;
}

/** Snapshots of a pull request: its merge base (what "Files changed" compares against) and its head. */
export async function readPullRequestSnapshots(
  octokit: ProbotOctokit,
  pr: { owner: string; repo: string; baseSha: string; headSha: string },
  policy: Policy,
): Promise<SnapshotPair> {
  const mergeBase = await readMergeBase(octokit, {
    owner: pr.owner,
    repo: pr.repo,
    base: pr.baseSha,
    head: pr.headSha,
  });
  return readSnapshots(
    octokit,
    { owner: pr.owner, repo: pr.repo, baseCommit: mergeBase, headCommit: pr.headSha },
    policy,
  );
}

/**
 * Snapshots of two commits: both trees, then the files the core plans to read, in at most
 * MAX_READ_ROUNDS rounds of batched reads for both commits together. A `null` base (the
 * first release of a repository) is the empty snapshot: every model at head is new.
 */
export async function readSnapshots(
  octokit: ProbotOctokit,
  target: { owner: string; repo: string; baseCommit: string | null; headCommit: string },
  policy: Policy,
): Promise<SnapshotPair> {
  const { owner, repo, baseCommit, headCommit } = target;
  const baseEntries =
    baseCommit === null ? new Map<string, TreeEntry>() : await readTree(octokit, { owner, repo, commit: baseCommit });
  const headEntries =
    baseCommit === headCommit ? baseEntries : await readTree(octokit, { owner, repo, commit: headCommit });
  const baseContents = new Map<string, FileContent>();
  const headContents = new Map<string, FileContent>();
  const base: Snapshot = { commit: baseCommit ?? "", entries: baseEntries, contents: baseContents };
  const head: Snapshot = { commit: headCommit, entries: headEntries, contents: headContents };

  for (let round = 1; ; round++) {
    const planned = plannedReads(policy, base, head);
    if (planned.base.length === 0 && planned.head.length === 0) break;
    if (round > MAX_READ_ROUNDS) {
      throw new CouldNotEvaluate(
        `the files to check of ${owner}/${repo} were not all known after ${MAX_READ_ROUNDS} rounds of reads`,
      );
    }
    const baseRequests = toRead(base.commit, baseEntries, planned.base, baseContents);
    const headRequests = toRead(headCommit, headEntries, planned.head, headContents);
    const byBlob = await readFileContents(octokit, { owner, repo }, [...baseRequests, ...headRequests]);
    for (const [requests, contents] of [
      [baseRequests, baseContents],
      [headRequests, headContents],
    ] as const) {
      for (const request of requests)
        contents.set(request.path, byBlob.get(request.blobSha) ?? { kind: "unreadable", reason: "missing" });
    }
  }
  return { base, head };
}

function toRead(
  commit: string,
  entries: ReadonlyMap<string, TreeEntry>,
  paths: ReadonlyArray<string>,
  contents: Map<string, FileContent>,
): FileToRead[] {
  const files: FileToRead[] = [];
  for (const path of paths) {
    const entry = entries.get(path);
    // a path outside the tree cannot be read; recording it stops the core from asking again
    if (!entry) contents.set(path, { kind: "unreadable", reason: "missing" });
    else files.push({ commit, path, blobSha: entry.blobSha });
  }
  return files;
}
