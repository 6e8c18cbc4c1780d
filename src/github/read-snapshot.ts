import type { ProbotOctokit } from "probot";
import type { Policy } from "../core/policy/schema.js";
import type { FileContent, Snapshot, TreeEntry } from "../core/detect/snapshot.js";
import { plannedReads } from "../core/detect/plan-reads.js";
import { CouldNotEvaluate } from "./errors.js";
import { readFileContents, type FileToRead } from "./read-contents.js";
import { readMergeBase, readTree } from "./read-tree.js";
import { globMatcher } from "../core/policy/glob.js";
import { loadManifest, type LoadedManifest } from "../core/manifest/load-manifest.js";

/** The core asks for what it needs in rounds (manifests, then component files); it never needs more. */
export const MAX_READ_ROUNDS = 3;

export interface SnapshotPair {
  base: Snapshot;
  head: Snapshot;
}

/**
 * Snapshots of a pull request: its merge base (what "Files changed" compares against) and its
 * head; and the head's manifests as the default branch holds them now, read in the same requests
 * (a merge base can predate a re-evaluation that landed there: its records count too).
 */
export async function readPullRequestSnapshots(
  octokit: ProbotOctokit,
  pr: { owner: string; repo: string; baseSha: string; headSha: string; baseIsDefaultBranch?: boolean },
  policy: Policy,
): Promise<SnapshotPair & { onDefaultBranch: LoadedManifest[] }> {
  const mergeBase = await readMergeBase(octokit, {
    owner: pr.owner,
    repo: pr.repo,
    base: pr.baseSha,
    head: pr.headSha,
  });
  const manifestsAtDefaultBranch = new Map<string, FileContent>();
  // a pull request up to date with the default branch compares with its head already: nothing more to read
  const upToDate = pr.baseIsDefaultBranch === true && mergeBase === pr.baseSha;
  const pair = await readSnapshots(
    octokit,
    { owner: pr.owner, repo: pr.repo, baseCommit: mergeBase, headCommit: pr.headSha },
    policy,
    upToDate ? undefined : manifestsAtDefaultBranch,
  );
  const onDefaultBranch: LoadedManifest[] = [];
  for (const [path, content] of manifestsAtDefaultBranch) {
    // a manifest that is not valid there adds no record (its own gates report it)
    const loaded = content.kind === "text" ? loadManifest(path, content.text) : undefined;
    if (loaded?.ok) onDefaultBranch.push(loaded.loaded);
  }
  return { ...pair, onDefaultBranch };
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
  /** When given, the head's manifests are also read at the default branch's head into it, by path. */
  manifestsAtDefaultBranch?: Map<string, FileContent>,
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

  const isManifest = globMatcher(policy.models.manifests);
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
    // the first round reads the manifests: their default-branch copies ride in the same requests
    const atDefaultBranch =
      manifestsAtDefaultBranch && round === 1
        ? { paths: headRequests.map((r) => r.path).filter(isManifest), contents: manifestsAtDefaultBranch }
        : undefined;
    const files = [...baseRequests, ...headRequests];
    const byBlob = await readFileContents(octokit, { owner, repo }, files, atDefaultBranch);
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
