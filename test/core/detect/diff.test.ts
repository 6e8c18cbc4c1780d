import { describe, expect, it } from "vitest";
import { diffSnapshots, type FileChange } from "../../../src/core/detect/diff.js";
import type { TreeEntry } from "../../../src/core/detect/snapshot.js";

/** A tree from `path: blob` pairs (blob SHAs shortened: equal letters, equal content). */
function tree(files: Record<string, string>): { entries: Map<string, TreeEntry> } {
  return {
    entries: new Map(Object.entries(files).map(([path, blobSha]) => [path, { path, blobSha, mode: "100644" }])),
  };
}

describe("diffSnapshots", () => {
  it.each<{ name: string; base: Record<string, string>; head: Record<string, string>; changes: FileChange[] }>([
    { name: "identical trees", base: { "a.pt": "X" }, head: { "a.pt": "X" }, changes: [] },
    {
      name: "a new file is added",
      base: {},
      head: { "w/model.onnx": "X" },
      changes: [{ path: "w/model.onnx", change: "added" }],
    },
    {
      name: "new content at a path is modified",
      base: { "a.pt": "X" },
      head: { "a.pt": "Y" },
      changes: [{ path: "a.pt", change: "modified" }],
    },
    {
      name: "a removed file is deleted",
      base: { "a.pt": "X", "b.txt": "Y" },
      head: { "b.txt": "Y" },
      changes: [{ path: "a.pt", change: "deleted" }],
    },
    {
      name: "a pure rename (same content) is not a change",
      base: { "old/model.pt": "X" },
      head: { "new/model.pt": "X" },
      changes: [],
    },
    {
      name: "a copy (old path kept) is an addition",
      base: { "a.pt": "X" },
      head: { "a.pt": "X", "copy.pt": "X" },
      changes: [{ path: "copy.pt", change: "added" }],
    },
    {
      name: "a rename with an edit is a deletion and an addition",
      base: { "old.pt": "X" },
      head: { "new.pt": "Y" },
      changes: [
        { path: "new.pt", change: "added" },
        { path: "old.pt", change: "deleted" },
      ],
    },
    {
      name: "an empty file turned into an LFS pointer is a modification",
      base: { "m.pt": "EMPTY" },
      head: { "m.pt": "POINTER" },
      changes: [{ path: "m.pt", change: "modified" }],
    },
    {
      name: "swapping two files' contents modifies both",
      base: { "a.pt": "X", "b.pt": "Y" },
      head: { "a.pt": "Y", "b.pt": "X" },
      changes: [
        { path: "a.pt", change: "modified" },
        { path: "b.pt", change: "modified" },
      ],
    },
    {
      name: "deleting one of two identical copies is a deletion",
      base: { "a.pt": "X", "b.pt": "X" },
      head: { "a.pt": "X" },
      changes: [{ path: "b.pt", change: "deleted" }],
    },
    {
      name: "moving a file and copying it again: one rename, one addition",
      base: { "a.pt": "X" },
      head: { "b.pt": "X", "c.pt": "X" },
      changes: [{ path: "c.pt", change: "added" }],
    },
    {
      name: "moving one of two identical copies is not a change",
      base: { "a.pt": "X", "b.pt": "X" },
      head: { "a.pt": "X", "moved/b.pt": "X" },
      changes: [],
    },
    {
      name: "results are sorted by path",
      base: { "z.pt": "Z" },
      head: { "b.pt": "B", "a.pt": "A" },
      changes: [
        { path: "a.pt", change: "added" },
        { path: "b.pt", change: "added" },
        { path: "z.pt", change: "deleted" },
      ],
    },
  ])("$name", ({ base, head, changes }) => {
    expect(diffSnapshots(tree(base), tree(head))).toEqual(changes);
  });
});
