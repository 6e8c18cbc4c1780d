import type { Snapshot } from "./snapshot.js";

export type FileChangeKind = "added" | "modified" | "deleted";

export interface FileChange {
  path: string;
  change: FileChangeKind;
}

/**
 * Files whose content differs between two commits (by git blob SHA). A file
 * moved with the same content is not a change: its old path is not reported
 * deleted and its new path is not reported added.
 */
export function diffSnapshots(base: Pick<Snapshot, "entries">, head: Pick<Snapshot, "entries">): FileChange[] {
  const changes: FileChange[] = [];
  const baseBlobs = new Set<string>();
  const headBlobs = new Set<string>();
  for (const entry of base.entries.values()) baseBlobs.add(entry.blobSha);
  for (const entry of head.entries.values()) headBlobs.add(entry.blobSha);
  for (const [path, entry] of head.entries) {
    const before = base.entries.get(path);
    if (!before) {
      if (!baseBlobs.has(entry.blobSha) || wasCopiedInPlace(entry.blobSha, base, head)) changes.push({ path, change: "added" });
    } else if (before.blobSha !== entry.blobSha) {
      changes.push({ path, change: "modified" });
    }
  }
  for (const [path, entry] of base.entries) {
    if (!head.entries.has(path) && !headBlobs.has(entry.blobSha)) changes.push({ path, change: "deleted" });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// A blob that still exists at its old path was copied, not moved: the copy is an addition.
function wasCopiedInPlace(blobSha: string, base: Pick<Snapshot, "entries">, head: Pick<Snapshot, "entries">): boolean {
  for (const [path, entry] of base.entries) {
    if (entry.blobSha === blobSha && head.entries.get(path)?.blobSha !== blobSha) return false;
  }
  return true;
}
