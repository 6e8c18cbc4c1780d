import type { ProbotOctokit } from "probot";
import { knownGoodKey, type KnownGoodEvidence } from "../core/deploy/known-good.js";
import type { Policy } from "../core/policy/schema.js";
import { latestCheckRunConclusion } from "./check-runs.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";
import { readModelsAt } from "./read-models.js";
import { MAX_BASELINE_CANDIDATES, releaseCandidates, type ReleaseOrderFields } from "../core/release/order.js";
import { readTagCommit, type RepositoryLocation } from "./releases.js";

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
 * Where each wanted model version shipped in a release that passed its gate (docs/deployments.md "Known good rollback"; known
 * good): the earlier releases in baseline order (at most MAX_BASELINE_CANDIDATES), each
 * checked for a successful release run, then its manifests read, until every wanted version is
 * found. Versions found nowhere have no evidence. GitHub errors throw CouldNotEvaluate.
 */
export async function findKnownGood(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  lookup: KnownGoodLookup,
): Promise<KnownGoodEvidence[]> {
  const missing = new Map(lookup.wanted.map((w) => [knownGoodKey(w), w]));
  const evidence: KnownGoodEvidence[] = [];
  const { owner, repo } = location;
  for (const candidate of releaseCandidates(lookup.current, lookup.releases).slice(0, MAX_BASELINE_CANDIDATES)) {
    if (missing.size === 0) break;
    const commit = await readTagCommit(octokit, location, candidate.tagName);
    // a release whose tag is gone cannot show what it shipped
    if (commit === undefined) continue;
    const conclusion = await latestCheckRunConclusion(octokit, {
      owner,
      repo,
      headSha: commit,
      name: lookup.check.name,
      appId: lookup.check.appId,
    }).catch((error: unknown) =>
      rethrowAsCouldNotEvaluate(error, {
        owner,
        repo,
        what: `the check run "${lookup.check.name}" of the release ${candidate.tagName}`,
        ref: commit,
      }),
    );
    if (conclusion !== "success") continue;
    const { models } = await readModelsAt(octokit, { owner, repo, commit }, lookup.policy);
    for (const loaded of models) {
      // a release that retired the model did not ship it
      if (loaded.manifest.status === "decommissioned") continue;
      const key = knownGoodKey({ name: loaded.manifest.name, version: loaded.manifest.version, digest: loaded.digest });
      const wanted = missing.get(key);
      if (!wanted) continue;
      evidence.push({ ...wanted, release: candidate.tagName, shipped: loaded });
      missing.delete(key);
    }
  }
  return evidence;
}
