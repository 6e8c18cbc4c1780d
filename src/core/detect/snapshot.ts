/**
 * What modelgate knows about the files of one commit. The app fills it from the
 * GitHub API (git trees + batched blob reads), the CLI from `git`, tests by hand.
 */

/** One blob in the commit's tree. */
export interface TreeEntry {
  path: string;
  /** Git blob SHA-1: equal blob SHAs mean equal content (used for diffs and renames). */
  blobSha: string;
  /** Size in bytes, when known. */
  size?: number;
  /** Git file mode: 100644, 100755, 120000 (symlink). Submodules are not listed. */
  mode: string;
}

/** The content of a file, as far as it was read. */
export type FileContent =
  /** Read in full and valid UTF-8. */
  | { kind: "text"; text: string; size: number }
  /** Read in full but not text: the reader hashed it. */
  | { kind: "binary"; sha256: string; size: number; bytes?: Uint8Array }
  /** Not read: too large, missing, or the read failed. */
  | { kind: "unreadable"; reason: string; size?: number };

export interface Snapshot {
  commit: string;
  /** Every blob path of the commit (recursive tree). */
  entries: ReadonlyMap<string, TreeEntry>;
  /** Contents of the files that were read (manifests, pointers, small components, DVC/MLflow/HF files). */
  contents: ReadonlyMap<string, FileContent>;
}

/** Largest file modelgate reads in full to hash it; larger ones must be Git LFS pointers. */
export const MAX_HASHED_FILE_BYTES = 1024 * 1024;

export function emptySnapshot(commit = ""): Snapshot {
  return { commit, entries: new Map(), contents: new Map() };
}
