import type { ProbotOctokit } from "probot";
import { knownGoodKey, type KnownGoodEvidence } from "../core/deploy/known-good.js";
import type { Policy } from "../core/policy/schema.js";
import { readModelsAt } from "./read-models.js";
import type { ReleaseOrderFields } from "../core/release/order.js";
import { gatedReleases, readInstallationCreatedAt, type RepositoryLocation } from "./releases.js";

/** What a commit that is not a release is ordered as (a pull request head, a deployment): after every published release. */
export const NOT_A_RELEASE: ReleaseOrderFields = {
  id: 0,
  tagName: "",
  draft: true,
  prerelease: true,
  publishedAt: null,
};

export interface KnownGoodLookup {
  /** The model versions to find (name, version, digest). */
  wanted: ReadonlyArray<{ name: string; version: string; digest: string }>;
  /** The release (or deployment) being judged: earlier releases are those releaseCandidates orders before it. */
  current: ReleaseOrderFields;
  releases: ReadonlyArray<ReleaseOrderFields>;
  /** This app's release check run: a release passed when its latest run concluded success. */
  check: { name: string; appId: number };
  policy: Policy;
}

/**
 * Where each wanted model version shipped in a release that counts (docs/deployments.md "Known
 * good rollback"): the earlier releases of the one walk the baseline takes too (gatedReleases:
 * passed their gate, or published before the App was installed), each one's manifests read,
 * until every wanted version is found. Versions found nowhere have no evidence. GitHub errors
 * throw CouldNotEvaluate.
 */
export async function findKnownGood(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  lookup: KnownGoodLookup,
): Promise<KnownGoodEvidence[]> {
  const missing = new Map(lookup.wanted.map((w) => [knownGoodKey(w), w]));
  const evidence: KnownGoodEvidence[] = [];
  if (missing.size === 0) return evidence;
  const { owner, repo } = location;
  let installedAt: Promise<string> | undefined;
  const installed = (): Promise<string> => (installedAt ??= readInstallationCreatedAt(octokit, location));
  const walk = gatedReleases(octokit, location, lookup.current, lookup.releases, lookup.check, installed);
  for await (const gated of walk) {
    const tag = gated.release.tagName;
    const release = gated.reason === "before-installation" ? `${tag} (published before modelgate was installed)` : tag;
    const { models } = await readModelsAt(octokit, { owner, repo, commit: gated.commit }, lookup.policy);
    for (const loaded of models) {
      // a release that retired the model did not ship it
      if (loaded.manifest.status === "decommissioned") continue;
      const key = knownGoodKey({ name: loaded.manifest.name, version: loaded.manifest.version, digest: loaded.digest });
      const wanted = missing.get(key);
      if (!wanted) continue;
      evidence.push({ ...wanted, release, shipped: loaded });
      missing.delete(key);
    }
    if (missing.size === 0) break;
  }
  return evidence;
}
