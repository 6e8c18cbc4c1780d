import { posix } from "node:path";
import type { Policy } from "../policy/schema.js";
import type { FileContent, Snapshot } from "../detect/snapshot.js";
import type { UnmanagedModel, UnmanagedSource } from "../detect/types.js";
import { diffSnapshots, type FileChange } from "../detect/diff.js";
import { artifactMatcher } from "../policy/glob.js";
import { parseLfsPointer } from "../manifest/lfs-pointer.js";
import { isDeclared, isFolderDeclared, indexDeclared } from "./declared.js";
import { dvcFileKind, readDvcYamlModels, readDvcOuts, type DvcOut } from "./dvc.js";
import { readModelCard } from "./model-card.js";
import { compareCodeUnits } from "../compare-code-units.js";

type Change = UnmanagedModel["change"];

/** Git's blob id of the empty file: an empty placeholder is not a model. */
const EMPTY_BLOB_SHA = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
/** A file larger than this cannot be a Git LFS pointer, so it is not read to tell. */
const MAX_POINTER_BYTES = 1024;

/**
 * Model files that changed between base and head and that no manifest declares
 * (shadow AI). Rules and their reasons: docs/cli.md "Discovery rules".
 * `declared`: repository paths of every file component of every manifest at either end.
 * With `unmanaged_artifacts: off` nothing is discovered (and nothing is read for it).
 */
export function discoverUnmanaged(
  policy: Policy,
  base: Snapshot,
  head: Snapshot,
  declared: ReadonlySet<string>,
): UnmanagedModel[] {
  if (policy.unmanaged_artifacts === "off") return [];
  const changes = diffSnapshots(base, head);
  const index = indexDeclared(declared);
  const found = new Map<string, UnmanagedModel>();
  const report = (path: string, source: UnmanagedSource, change: Change): void => {
    const previous = found.get(path);
    if (!previous || CHANGE_PRIORITY[change] > CHANGE_PRIORITY[previous.change])
      found.set(path, { path, source, change });
  };

  const isArtifact = artifactMatcher(policy.models.artifacts);
  for (const change of changes) {
    if (isArtifact(change.path) && !isDeclared(index, change.path)) {
      const finding = artifactFinding(change, base, head);
      if (finding) report(change.path, finding.source, finding.change);
    }
  }
  for (const { path, source, change } of discoverDvc(changes, base, head, isArtifact)) {
    // a DVC output may be a folder: it is managed when it holds a declared component
    if (!isDeclared(index, path) && !isFolderDeclared(index, path)) report(path, source, change);
  }
  for (const change of changes) {
    if (posix.basename(change.path) !== "MLmodel") continue;
    // every MLmodel file describes an MLflow model: its folder is the model
    const folder = folderOf(change.path);
    if (!isDeclared(index, change.path) && !isFolderDeclared(index, folder)) report(folder, "mlflow", change.change);
  }
  for (const change of changes) {
    if (posix.basename(change.path) !== "README.md") continue;
    if (isDeclared(index, change.path) || isFolderDeclared(index, folderOf(change.path))) continue;
    const cardChange = modelCardChange(change, base, head);
    if (cardChange) report(change.path, "hf-card", cardChange);
  }
  return [...found.values()].sort((a, b) => compareCodeUnits(a.path, b.path));
}

/** The ends of a changed artefact that discovery reads, in this order. */
const ENDS_TO_READ: Record<FileChange["change"], ReadonlyArray<"base" | "head">> = {
  added: ["head"],
  deleted: ["base"],
  modified: ["base", "head"],
};

/**
 * The files whose content discovery needs and that are not yet in `contents`:
 * at each end, paths present in that end's tree only. The edges read them and call again.
 */
export function discoveryReads(policy: Policy, base: Snapshot, head: Snapshot): { base: string[]; head: string[] } {
  const wanted = { base: new Set<string>(), head: new Set<string>() };
  if (policy.unmanaged_artifacts === "off") return { base: [], head: [] };
  const want = (end: "base" | "head", path: string): void => {
    const snapshot = end === "base" ? base : head;
    const entry = snapshot.entries.get(path);
    if (entry && !snapshot.contents.has(path)) wanted[end].add(path);
  };
  const isArtifact = artifactMatcher(policy.models.artifacts);
  const changes = diffSnapshots(base, head);
  let dvcChanged = false;
  for (const { path, change } of changes) {
    const name = posix.basename(path);
    if (isArtifact(path)) {
      // a pointer at either end makes the source lfs, so a modified file is read at both ends;
      // only a small file can be an LFS pointer; an empty one is known empty without reading
      const ends = ENDS_TO_READ[change];
      for (const end of ends) {
        const entry = (end === "base" ? base : head).entries.get(path);
        if (
          entry &&
          entry.size !== 0 &&
          entry.blobSha !== EMPTY_BLOB_SHA &&
          (entry.size === undefined || entry.size <= MAX_POINTER_BYTES)
        )
          want(end, path);
      }
    }
    if (dvcFileKind(path)) {
      dvcChanged = true;
      want("base", path);
      want("head", path);
    }
    if (name === "README.md") {
      want("base", path);
      want("head", path);
    }
  }
  if (dvcChanged) {
    // which DVC outputs are models is declared in dvc.yaml `artifacts`, wherever they are
    for (const [end, snapshot] of [
      ["base", base],
      ["head", head],
    ] as const) {
      for (const path of snapshot.entries.keys()) if (dvcFileKind(path) === "dvc.yaml") want(end, path);
    }
  }
  return { base: [...wanted.base].sort(), head: [...wanted.head].sort() };
}

// When one path is found twice (e.g. an artifact glob and a dvc.yaml type: model), the strongest change wins.
const CHANGE_PRIORITY: Record<Change, number> = { modified: 0, deleted: 1, added: 2 };

function folderOf(path: string): string {
  const dir = posix.dirname(path);
  return dir === "" ? "." : dir;
}

function isEmptyFile(snapshot: Snapshot, path: string): boolean {
  const entry = snapshot.entries.get(path);
  if (!entry) return false;
  if (entry.size === 0 || entry.blobSha === EMPTY_BLOB_SHA) return true;
  const content = snapshot.contents.get(path);
  return content !== undefined && content.kind !== "unreadable" && content.size === 0;
}

function artifactFinding(
  change: FileChange,
  base: Snapshot,
  head: Snapshot,
): { source: UnmanagedSource; change: Change } | undefined {
  const emptyAtBase = change.change !== "added" && isEmptyFile(base, change.path);
  const emptyAtHead = change.change !== "deleted" && isEmptyFile(head, change.path);
  let kind: Change = change.change;
  if (change.change === "modified") {
    // an empty placeholder that gains content is a model arriving; the reverse is one leaving
    if (emptyAtBase && emptyAtHead) return undefined;
    if (emptyAtBase) kind = "added";
    else if (emptyAtHead) kind = "deleted";
  } else if ((kind === "added" && emptyAtHead) || (kind === "deleted" && emptyAtBase)) {
    return undefined;
  }
  // the source is lfs when the file is an LFS pointer at either end it exists at: a pointer replaced
  // by raw bytes or emptied is still the LFS-tracked model changing, not a new raw artifact
  const isPointerAt = (snapshot: Snapshot): boolean => {
    const content = snapshot.contents.get(change.path);
    return content?.kind === "text" && parseLfsPointer(content.text) !== undefined;
  };
  const pointer =
    (change.change !== "added" && isPointerAt(base)) || (change.change !== "deleted" && isPointerAt(head));
  return { source: pointer ? "lfs" : "artifact", change: kind };
}

/**
 * Card-ness at each end decides the change: a README that becomes a card is an addition, one that
 * stops being a card a deletion. A card that cannot be read at the end that matters is reported.
 */
function modelCardChange(change: FileChange, base: Snapshot, head: Snapshot): Change | undefined {
  const atBase = change.change === "added" ? "not-a-card" : readModelCard(change.path, base.contents.get(change.path));
  const atHead =
    change.change === "deleted" ? "not-a-card" : readModelCard(change.path, head.contents.get(change.path));
  const maybeCard = (state: string): boolean => state !== "not-a-card";
  if (change.change === "deleted") return maybeCard(atBase) ? "deleted" : undefined;
  if (maybeCard(atHead)) return maybeCard(atBase) ? "modified" : "added";
  return atBase === "card" ? "deleted" : undefined;
}

interface DvcFinding {
  path: string;
  source: "dvc";
  change: Change;
}

function contentOf(snapshot: Snapshot, path: string): FileContent | undefined {
  return snapshot.entries.has(path) ? snapshot.contents.get(path) : undefined;
}

/**
 * DVC: per output path, the content hash of `outs` (dvc.lock stages, *.dvc files) at base and head;
 * a `type: model` artifact in dvc.yaml appearing or disappearing. Only model outputs count.
 */
function discoverDvc(
  changes: FileChange[],
  base: Snapshot,
  head: Snapshot,
  isArtifact: (path: string) => boolean,
): DvcFinding[] {
  const dvcChanges = changes.filter((c) => dvcFileKind(c.path));
  if (dvcChanges.length === 0) return [];
  const findings: DvcFinding[] = [];
  const cannotTell = (path: string, change: Change): void => {
    findings.push({ path, source: "dvc", change });
  };

  // outputs declared `type: model` in any dvc.yaml at either end
  const modelArtifacts = { base: new Set<string>(), head: new Set<string>() };
  let classificationKnown = true;
  for (const [end, snapshot] of [
    ["base", base],
    ["head", head],
  ] as const) {
    for (const path of snapshot.entries.keys()) {
      if (dvcFileKind(path) !== "dvc.yaml") continue;
      const models = readDvcYamlModels(path, snapshot.contents.get(path));
      if (models === undefined) {
        const change = changes.find((c) => c.path === path);
        // a dvc.yaml that cannot be read: fail closed on it when it changed, and on every changed output
        if (change && (end === "head" ? change.change !== "deleted" : change.change === "deleted"))
          cannotTell(path, change.change);
        classificationKnown = false;
        continue;
      }
      for (const model of models) modelArtifacts[end].add(model);
    }
  }
  for (const path of modelArtifacts.head)
    if (!modelArtifacts.base.has(path)) findings.push({ path, source: "dvc", change: "added" });
  for (const path of modelArtifacts.base)
    if (!modelArtifacts.head.has(path)) findings.push({ path, source: "dvc", change: "deleted" });

  const isModelOut = (out: DvcOut): boolean =>
    !classificationKnown ||
    out.type === "model" ||
    isArtifact(out.path) ||
    modelArtifacts.base.has(out.path) ||
    modelArtifacts.head.has(out.path);

  for (const change of dvcChanges) {
    const kind = dvcFileKind(change.path);
    if (kind === "dvc.yaml") continue;
    const baseOuts =
      change.change === "added" ? new Map<string, DvcOut>() : readDvcOuts(change.path, contentOf(base, change.path));
    const headOuts =
      change.change === "deleted" ? new Map<string, DvcOut>() : readDvcOuts(change.path, contentOf(head, change.path));
    // the end that matters cannot be read: cannot tell what changed, so the file itself is reported
    if (change.change === "deleted" ? baseOuts === undefined : headOuts === undefined) {
      cannotTell(change.path, change.change);
      continue;
    }
    const before = baseOuts ?? new Map<string, DvcOut>();
    const after = headOuts ?? new Map<string, DvcOut>();
    for (const [path, out] of after) {
      const previous = before.get(path);
      if (previous && previous.hash === out.hash) continue;
      if (isModelOut(out) || (previous && isModelOut(previous)))
        findings.push({ path, source: "dvc", change: previous ? "modified" : "added" });
    }
    for (const [path, out] of before) {
      if (!after.has(path) && isModelOut(out)) findings.push({ path, source: "dvc", change: "deleted" });
    }
  }
  return findings;
}
