import type { ProbotOctokit } from "probot";
import { detectChanges } from "../core/detect/detect-changes.js";
import { globMatcher } from "../core/policy/glob.js";
import type { Policy } from "../core/policy/schema.js";
import { emptySnapshot, type FileContent, type Snapshot, type TreeEntry } from "../core/detect/snapshot.js";
import type { FileError } from "../core/yaml/load-yaml.js";
import { readFileContents } from "./read-contents.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import { readTree } from "./read-tree.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

export interface ModelsAtCommit {
  /** Every valid manifest at the commit. */
  models: LoadedManifest[];
  /** Manifests that could not be read or validated. */
  errors: FileError[];
  /** Every blob path of the commit (the committed monitoring reports are found among them). */
  entries: ReadonlyMap<string, TreeEntry>;
}

/**
 * The models declared at a commit, and nothing else: its tree and its manifests (one batched
 * GraphQL read per 250), without the component files a gate reads to verify hashes. Used to
 * know what a release shipped and what the default branch holds. GitHub errors throw
 * CouldNotEvaluate.
 */
export async function readModelsAt(
  octokit: ProbotOctokit,
  { owner, repo, commit }: { owner: string; repo: string; commit: string },
  policy: Policy,
): Promise<ModelsAtCommit> {
  const entries = await readTree(octokit, { owner, repo, commit });
  const isManifest = globMatcher(policy.models.manifests);
  const manifests = [...entries.values()].filter((entry) => isManifest(entry.path));
  const byBlob = await readFileContents(
    octokit,
    { owner, repo },
    manifests.map((entry) => ({ commit, path: entry.path, blobSha: entry.blobSha })),
  );
  const contents = new Map<string, FileContent>(
    manifests.map((entry) => [entry.path, byBlob.get(entry.blobSha) ?? { kind: "unreadable", reason: "missing" }]),
  );
  const snapshot: Snapshot = { commit, entries, contents };
  // every model at the commit is "new" compared with nothing: the detector's loading and its errors, reused
  const detected = detectChanges(policy, emptySnapshot(), snapshot);
  return { models: detected.models.head, errors: detected.errors, entries };
}

/** The commit a branch points at now. GitHub errors throw CouldNotEvaluate. */
export async function readBranchHead(
  octokit: ProbotOctokit,
  { owner, repo, branch }: { owner: string; repo: string; branch: string },
  /** What the branch is, for the reason a failed read gives. */
  what = `the branch ${branch}`,
): Promise<string> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what });
  }
}
