import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { Snapshot } from "../core/detect/snapshot.js";
import type { ByteSource } from "../core/supply-chain/formats/byte-source.js";
import {
  lfsObjectsToScan,
  type FormatFact,
  type FormatFacts,
} from "../core/supply-chain/formats/format-requirements.js";
import { scanFormat } from "../core/supply-chain/formats/scan.js";
import type { Policy } from "../core/policy/schema.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import { runGit } from "./git.js";

/** Bytes read from local files by the format scan, for the benchmark (docs/performance.md). */
export interface ReadCounter {
  bytes: number;
}

/**
 * A local file as a ByteSource: each range is read with one pread, so a 2 GB `.pt` costs its
 * central directory and the members the scan walks, not 2 GB (docs/supply-chain.md).
 */
export function fileSource(fd: number, counter?: ReadCounter): ByteSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const start = Math.max(0, offset);
      const wanted = Math.max(0, Math.min(length, size - start));
      const buffer = Buffer.alloc(wanted);
      let done = 0;
      while (done < wanted) {
        const n = readSync(fd, buffer, done, wanted - done, start + done);
        if (n === 0) break;
        done += n;
      }
      if (counter) counter.bytes += done;
      return buffer.subarray(0, done);
    },
  };
}

/** Scans a local file (docs/supply-chain.md "Unsafe serialisation"); an unreadable one is "not scanned". */
export function scanLocalFile(path: string, expectedSize?: number, counter?: ReadCounter): FormatFact {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { notScanned: "a Git LFS object that is not checked out here (git lfs pull fetches it)" };
  }
  try {
    const source = fileSource(fd, counter);
    if (expectedSize !== undefined && source.size !== expectedSize)
      return {
        notScanned: `a Git LFS object whose local copy has ${source.size} bytes, not the pointer's ${expectedSize}`,
      };
    return { scan: scanFormat(source) };
  } finally {
    closeSync(fd);
  }
}

/** Where git-lfs keeps an object: `<git common dir>/lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>`. */
export function lfsObjectPath(gitCommonDir: string, oid: string): string {
  return join(gitCommonDir, "lfs", "objects", oid.slice(0, 2), oid.slice(2, 4), oid);
}

/**
 * The format scans of the Git LFS objects the gate judges, from the repository's local LFS store
 * (content-addressed by the pointer's oid, so whatever commit is checked out, the object is the
 * pointer's). An object not fetched is "not scanned".
 */
export async function localLfsFormatFacts(
  repo: string,
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
  counter?: ReadCounter,
): Promise<FormatFacts> {
  const objects = lfsObjectsToScan(policy, changes, head);
  const facts = new Map<string, FormatFact>();
  if (objects.length === 0) return facts;
  const gitDir = await gitCommonDir(repo);
  for (const object of objects) {
    if (!gitDir) facts.set(object.path, { notScanned: "the repository's git directory could not be found" });
    else facts.set(object.path, scanLocalFile(lfsObjectPath(gitDir, object.oid), object.size, counter));
  }
  return facts;
}

/** The repository's common git directory (where git-lfs keeps objects, shared by worktrees), or undefined when there is none. */
async function gitCommonDir(repo: string): Promise<string | undefined> {
  try {
    const result = await runGit(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
    return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
  } catch {
    return undefined;
  }
}
