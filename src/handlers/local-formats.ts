import type { Snapshot } from "../core/detect/snapshot.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import type { Policy } from "../core/policy/schema.js";
import type { ProbotOctokit } from "probot";
import {
  lfsObjectsToScan,
  lfsPointersWithExtensions,
  type FormatFact,
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
 * (the Action), and every object the checkout does not hold (or the server's every object) read from
 * the repository's Git LFS storage by range requests.
 */
export async function formatFacts(
  octokit: ProbotOctokit,
  repositoryUrl: string,
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): Promise<FormatFacts> {
  const local = await localFormatFacts(policy, changes, head);
  const objects = lfsObjectsToScan(policy, changes, head);
  // what the checkout lacks (not fetched, or another size) is read from GitHub like the server reads it: never passed
  const unread = local ? objects.filter(({ path }) => isNotScanned(local.get(path))) : objects;
  const facts = new Map(local ?? []);
  if (unread.length > 0)
    for (const [path, fact] of await readLfsFormatFacts(octokit, repositoryUrl, unread)) facts.set(path, fact);
  for (const path of lfsPointersWithExtensions(policy, changes, head))
    facts.set(path, {
      notScanned:
        "a Git LFS object whose pointer names extensions (its content is transformed): the app does not read it",
      failsClosed: true,
    });
  return facts;
}

function isNotScanned(fact: FormatFact | undefined): boolean {
  return fact === undefined || "notScanned" in fact;
}
