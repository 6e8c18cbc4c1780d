import type { Snapshot } from "./snapshot.js";
import { compareCodeUnits } from "../compare-code-units.js";

export type FileChangeKind = "added" | "modified" | "deleted";

export interface FileChange {
  path: string;
  change: FileChangeKind;
}

/**
 * Files whose content differs between two commits (by git blob SHA). A file
 * moved with the same content is not a change: its old path is not reported
 * deleted and its new path is not reported added. Moves are paired one to one:
 * a copy beyond the moved one is an addition, and a removed duplicate whose
 * content did not go anywhere new is a deletion.
 */
export function diffSnapshots(base: Pick<Snapshot, "entries">, head: Pick<Snapshot, "entries">): FileChange[] {
  const changes: FileChange[] = [];
  // per blob: paths only at one end, and how many paths gained or lost that blob
  const addedPaths = new Map<string, string[]>();
  const deletedPaths = new Map<string, string[]>();
  const gained = new Map<string, number>();
  const lost = new Map<string, number>();
  for (const [path, entry] of head.entries) {
    const before = base.entries.get(path);
    if (!before) push(addedPaths, entry.blobSha, path);
    else if (before.blobSha !== entry.blobSha) changes.push({ path, change: "modified" });
    if (before?.blobSha !== entry.blobSha) gained.set(entry.blobSha, (gained.get(entry.blobSha) ?? 0) + 1);
  }
  for (const [path, entry] of base.entries) {
    const after = head.entries.get(path);
    if (!after) push(deletedPaths, entry.blobSha, path);
    if (after?.blobSha !== entry.blobSha) lost.set(entry.blobSha, (lost.get(entry.blobSha) ?? 0) + 1);
  }
  for (const [blobSha, paths] of addedPaths) {
    // as many new paths as the blob left elsewhere are the moves; the rest are copies
    for (const path of paths.sort().slice(lost.get(blobSha) ?? 0)) changes.push({ path, change: "added" });
  }
  for (const [blobSha, paths] of deletedPaths) {
    for (const path of paths.sort().slice(gained.get(blobSha) ?? 0)) changes.push({ path, change: "deleted" });
  }
  return changes.sort((a, b) => compareCodeUnits(a.path, b.path));
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
