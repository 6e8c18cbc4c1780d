import { MAX_HASHED_FILE_BYTES, type Snapshot } from "../detect/snapshot.js";
import { parseLfsPointer } from "../manifest/lfs-pointer.js";
import { folderDigest, sha256Hex } from "../manifest/digest.js";
import { pathsUnder } from "../detect/detect-changes.js";
import { componentRepoPath, type LoadedManifest } from "../manifest/load-manifest.js";
import { componentId, isFileComponent, type Component, type FileComponent } from "../manifest/schema.js";
import type { Requirement } from "./types.js";

const PROVISION = "5.2.4-1.2";
const UNVERIFIED_PROVISION = "5.2.4-1.2, 5.2.3-2";
const SYMLINK_MODE = "120000";

/**
 * Hash verification (docs/configuration.md "The manifest"), for every component of a changed model: a declared SHA-256,
 * checked against the file at head (LFS pointer oid, or the content itself). A component
 * that cannot be verified counts only when marked `verified: false` with a justification.
 */
export function hashRequirements(loaded: LoadedManifest, head: Snapshot): Requirement[] {
  return loaded.manifest.components.map((component, index) => {
    const id = `hash:${componentId(component)}`;
    const hashLine = loaded.lineOf(["components", index, "sha256"]);
    const at = { path: loaded.path, line: hashLine };
    if (!component.sha256) {
      return {
        id,
        status: "failed",
        message: `no sha256 declared for ${componentId(component)}: add the SHA-256 of the artefact`,
        provision: PROVISION,
        ...at,
      };
    }
    if (!isFileComponent(component))
      return upstreamRequirement(id, component, at, loaded.lineOf(["components", index, "verified"]));
    return fileRequirement(id, component, component.sha256, loaded.path, head, at);
  });
}

function upstreamRequirement(
  id: string,
  component: Component,
  at: { path: string; line: number },
  verifiedLine: number,
): Requirement {
  // modelgate cannot fetch an upstream artefact: unless the manifest states it was verified, it is unverified
  if (component.verified !== true) {
    if (component.justification) {
      return {
        id,
        status: "met",
        message: `not verified: ${component.justification}`,
        provision: UNVERIFIED_PROVISION,
        ...at,
      };
    }
    return {
      id,
      status: "failed",
      message: `upstream component ${componentId(component)} is not verified${component.verified === false ? "" : " (no verified: true)"} and has no justification: record that you verified its sha256 (verified: true), or say why an unverified component is acceptable (justification)`,
      provision: UNVERIFIED_PROVISION,
      path: at.path,
      line: verifiedLine,
    };
  }
  const source = "source" in component ? component.source : "";
  return {
    id,
    status: "met",
    message: `declared verified by the manifest: sha256 ${component.sha256} of upstream ${source}`,
    provision: PROVISION,
    ...at,
  };
}

/** How a hash mismatch names what was hashed, by how it was hashed. */
const MISMATCH_SUBJECT = {
  "LFS pointer oid": "the LFS pointer's oid is",
  "folder digest": "the folder digest is",
  "content hash": "file is",
} as const;

function fileRequirement(
  id: string,
  component: FileComponent,
  declared: string,
  manifestPath: string,
  head: Snapshot,
  at: { path: string; line: number },
): Requirement {
  const repoPath = componentRepoPath(manifestPath, component);
  const actual = fileHash(head, manifestPath, repoPath);
  if ("hash" in actual) {
    if (actual.hash === declared)
      return {
        id,
        status: "met",
        message: `${repoPath}: ${actual.how} matches the declared sha256`,
        provision: PROVISION,
        ...at,
      };
    const what = MISMATCH_SUBJECT[actual.how];
    return {
      id,
      status: "failed",
      message: `${repoPath}: declared ${declared}, ${what} ${actual.hash}`,
      provision: PROVISION,
      ...at,
    };
  }
  if (actual.reject)
    return { id, status: "failed", message: `${repoPath}: ${actual.problem}`, provision: PROVISION, ...at };
  if (component.verified === false && component.justification) {
    return {
      id,
      status: "met",
      message: `not verified: ${component.justification} (${repoPath} ${actual.problem})`,
      provision: UNVERIFIED_PROVISION,
      ...at,
    };
  }
  return {
    id,
    status: "failed",
    message: `${repoPath} ${actual.problem}: its sha256 cannot be verified; store it with Git LFS, or mark it verified: false with a justification`,
    provision: PROVISION,
    ...at,
  };
}

export type FileHash =
  { hash: string; how: "LFS pointer oid" | "content hash" | "folder digest" } | { problem: string; reject: boolean };

/** Most files a folder component may hold: each is read (LFS pointers, small files) to hash the folder. */
export const MAX_FOLDER_FILES = 1000;

/** The files a folder component holds at a commit, without the manifest that declares it. */
export function folderFiles(snapshot: Snapshot, manifestPath: string, folder: string): string[] {
  return pathsUnder(snapshot, folder).filter((path) => path !== manifestPath);
}

/**
 * The folder digest of a folder component (docs/configuration.md), or why it cannot be computed.
 * A folder is always verified: a file in it that cannot be hashed (too large and not a Git LFS
 * pointer, a symbolic link, unreadable) or too many files fail it even with `verified: false`,
 * because an unverified folder could change inside without changing its declared hash.
 */
function folderHash(head: Snapshot, manifestPath: string, folder: string, files: ReadonlyArray<string>): FileHash {
  if (files.length > MAX_FOLDER_FILES) {
    return {
      problem: `is a folder of ${files.length} files, more than ${MAX_FOLDER_FILES}: declare its parts as components (files or smaller folders)`,
      reject: true,
    };
  }
  const hashed: Array<{ relativePath: string; sha256: string }> = [];
  for (const path of files) {
    const file = fileHash(head, manifestPath, path);
    if (!("hash" in file))
      return {
        problem: `is a folder whose file ${path.slice(folder.length + 1)} ${file.problem}: a folder is hashed from every file in it`,
        reject: true,
      };
    hashed.push({ relativePath: path.slice(folder.length + 1), sha256: file.hash });
  }
  return { hash: folderDigest(hashed), how: "folder digest" };
}

/** The SHA-256 of a file (or folder) at head, or why it is not known (`reject`: known to be wrong, not merely unknown). */
export function fileHash(head: Snapshot, manifestPath: string, repoPath: string): FileHash {
  const entry = head.entries.get(repoPath);
  if (!entry) {
    const files = folderFiles(head, manifestPath, repoPath);
    return files.length > 0
      ? folderHash(head, manifestPath, repoPath, files)
      : { problem: "is missing", reject: false };
  }
  if (entry.mode === SYMLINK_MODE) return { problem: "is a symbolic link, not the artefact", reject: false };
  const content = head.contents.get(repoPath);
  if (!content) {
    if (entry.size !== undefined && entry.size > MAX_HASHED_FILE_BYTES)
      return { problem: `is too large to hash (${entry.size} bytes)`, reject: false };
    return { problem: "was not read", reject: false };
  }
  if (content.kind === "unreadable") return { problem: `could not be read (${content.reason})`, reject: false };
  if (content.kind === "binary") return { hash: content.sha256, how: "content hash" };
  const pointer = parseLfsPointer(content.text);
  if (pointer) {
    if (pointer.extensions.length > 0)
      return { problem: "is a Git LFS pointer with ext-* lines: its oid is not the file's hash", reject: true };
    return { hash: pointer.oid, how: "LFS pointer oid" };
  }
  return { hash: sha256Hex(content.text), how: "content hash" };
}
