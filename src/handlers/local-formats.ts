import type { Snapshot } from "../core/detect/snapshot.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import type { Policy } from "../core/policy/schema.js";
import type { ProbotOctokit } from "probot";
import {
  lfsObjectsToScan,
  lfsPointersWithExtensions,
  type FormatFacts,
} from "../core/supply-chain/formats/format-requirements.js";
import { readLfsFormatFacts } from "../github/lfs-objects.js";

/**
 * Scans of Git LFS objects from a local checkout (docs/supply-chain.md "Unsafe serialisation"): the
 * GitHub Action has the repository checked out beside it, the server has not. Set once per process
 * by the Action before its one delivery; the server never sets it: it reads the LFS objects from GitHub by range (`formatFacts`).
 */
export type LocalFormatScanner = (
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
) => Promise<FormatFacts>;

let scanner: LocalFormatScanner | undefined;

export function scanLocalFormatsWith(local: LocalFormatScanner | undefined): void {
  scanner = local;
}

/** The local scans, when this process has a checkout to read; else undefined (nothing local is read). */
export async function localFormatFacts(
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): Promise<FormatFacts | undefined> {
  return scanner ? scanner(policy, changes, head) : undefined;
}

/**
 * The scans of the Git LFS objects an evaluation judges: from the checkout when this process has one
 * (the Action), else read from the repository's Git LFS storage by range requests (the server).
 */
export async function formatFacts(
  octokit: ProbotOctokit,
  repositoryUrl: string,
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): Promise<FormatFacts> {
  const local = await localFormatFacts(policy, changes, head);
  if (local) return local;
  const facts = new Map(await readLfsFormatFacts(octokit, repositoryUrl, lfsObjectsToScan(policy, changes, head)));
  for (const path of lfsPointersWithExtensions(policy, changes, head))
    facts.set(path, {
      notScanned:
        "a Git LFS object whose pointer names extensions (its content is transformed): the app does not read it",
      failsClosed: true,
    });
  return facts;
}
