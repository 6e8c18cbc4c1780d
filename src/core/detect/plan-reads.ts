import type { Policy } from "../policy/schema.js";
import { MAX_HASHED_FILE_BYTES, type Snapshot } from "./snapshot.js";
import { globMatcher } from "../policy/glob.js";
import { componentRepoPath } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import { detectChanges } from "./detect-changes.js";
import { discoveryReads } from "../discover/discover-unmanaged.js";
import { folderFiles, MAX_FOLDER_FILES } from "../evaluate/hash-requirements.js";
import { modelFolderFiles, signaturePath } from "../evaluate/signature-requirements.js";
import { TRAINING_ROSTER_PATH } from "../governance/training-schema.js";
import { REVIEWS_PATH } from "../governance/documents.js";

export interface PlannedReads {
  base: string[];
  head: string[];
}

/**
 * The file contents the evaluation still needs, at each end: only paths present in
 * that end's tree and not yet in its `contents`. The edges (app, CLI) read them, add
 * them to `contents` and call again until both lists are empty:
 *   round 1: every manifest at both ends, and what discovery needs;
 *   round 2: the component files at head of the models that changed (to verify their hashes).
 * The number of rounds does not depend on the number of models.
 */
export function plannedReads(policy: Policy, base: Snapshot, head: Snapshot): PlannedReads {
  const wanted = { base: new Set<string>(), head: new Set<string>() };
  const discovery = discoveryReads(policy, base, head);
  for (const path of discovery.base) wanted.base.add(path);
  for (const path of discovery.head) wanted.head.add(path);

  const isManifest = globMatcher(policy.models.manifests);
  const unreadManifests = (snapshot: Snapshot): string[] =>
    [...snapshot.entries.keys()].filter((p) => isManifest(p) && !snapshot.contents.has(p));
  const manifests = { base: unreadManifests(base), head: unreadManifests(head) };
  for (const path of manifests.base) wanted.base.add(path);
  for (const path of manifests.head) wanted.head.add(path);
  // a pull request that changes the training roster: its new roster is checked before anyone approves it
  if (rosterToCheck(base, head)) wanted.head.add(TRAINING_ROSTER_PATH);
  // a pull request that changes review records: which records are new is known from both sides (docs/governance.md)
  for (const side of reviewRecordReads(base, head)) wanted[side].add(REVIEWS_PATH);

  // components are known only once every manifest is read
  if (manifests.base.length === 0 && manifests.head.length === 0) {
    for (const change of detectChanges(policy, base, head).changes) {
      if (!change.head) continue;
      // the model's signature (a small JSON bundle), judged with the components
      const signature = signaturePath(change.head, head)?.path;
      if (signature !== undefined && head.entries.has(signature) && !head.contents.has(signature))
        wanted.head.add(signature);
      // a signed model: every file of its folder must be signed, so each is hashed (signatureRequirements)
      const signedFolder = signature === undefined ? [] : modelFolderFiles(change.head.path, head);
      const toHash = signedFolder.length > MAX_FOLDER_FILES ? [] : signedFolder;
      for (const component of change.head.manifest.components) {
        if (!isFileComponent(component)) continue;
        const componentPath = componentRepoPath(change.head.path, component);
        // a folder component is hashed from every file in it (hashRequirements): each is read, up to the limit it fails beyond
        const inFolder = head.entries.has(componentPath) ? [] : folderFiles(head, change.head.path, componentPath);
        let paths = [componentPath];
        if (inFolder.length > MAX_FOLDER_FILES) paths = [];
        else if (inFolder.length > 0) paths = inFolder;
        toHash.push(...paths);
      }
      for (const path of toHash) {
        const entry = head.entries.get(path);
        // a file too large to hash is not read: the evaluation reports it from the tree entry
        if (!entry || head.contents.has(path) || (entry.size !== undefined && entry.size > MAX_HASHED_FILE_BYTES))
          continue;
        wanted.head.add(path);
      }
    }
  }
  return { base: [...wanted.base].sort(), head: [...wanted.head].sort() };
}

function rosterToCheck(base: Snapshot, head: Snapshot): boolean {
  const changed = head.entries.get(TRAINING_ROSTER_PATH);
  return (
    changed !== undefined &&
    changed.blobSha !== base.entries.get(TRAINING_ROSTER_PATH)?.blobSha &&
    !head.contents.has(TRAINING_ROSTER_PATH)
  );
}

function reviewRecordReads(base: Snapshot, head: Snapshot): Array<"base" | "head"> {
  const changed = head.entries.get(REVIEWS_PATH);
  if (changed === undefined || changed.blobSha === base.entries.get(REVIEWS_PATH)?.blobSha) return [];
  const sides: Array<"base" | "head"> = [];
  if (!head.contents.has(REVIEWS_PATH)) sides.push("head");
  if (base.entries.has(REVIEWS_PATH) && !base.contents.has(REVIEWS_PATH)) sides.push("base");
  return sides;
}
