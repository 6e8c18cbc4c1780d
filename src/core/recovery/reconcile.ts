import type { ModelChange } from "../detect/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";

/** The models of a branch whose manifest says `status: decommissioned`, as the changes that need an end-of-life issue. */
function decommissionedModels(models: ReadonlyArray<LoadedManifest>): ModelChange[] {
  return models
    .filter((loaded) => loaded.manifest.status === "decommissioned")
    .map((loaded) => ({
      name: loaded.manifest.name,
      manifestPath: loaded.path,
      head: loaded,
      kinds: ["decommission"],
      toVersion: loaded.manifest.version,
      digest: loaded.digest,
      changedComponents: [],
      findings: [],
    }));
}

/**
 * The models reconciliation makes sure have their end-of-life issue: those the default branch
 * decommissioned since its last reconciled commit (a `decommission` change: status set, or
 * manifest deleted) and those whose manifest at the head says `status: decommissioned`. One
 * entry per model and digest; the issue itself is opened once (docs/end-of-life.md).
 */
export function endOfLifeToReconcile(
  changesSincePrevious: ReadonlyArray<ModelChange>,
  headModels: ReadonlyArray<LoadedManifest>,
): ModelChange[] {
  const chosen = new Map<string, ModelChange>();
  for (const change of [
    ...changesSincePrevious.filter((c) => c.kinds.includes("decommission")),
    ...decommissionedModels(headModels),
  ]) {
    const key = `${change.name}\n${change.digest}`;
    if (!chosen.has(key)) chosen.set(key, change);
  }
  return [...chosen.values()];
}

/** A release reconciliation judges: published (not a draft), and published since modelgate was installed (older ones were never its to gate). */
export function releaseToReconcile(
  release: { draft: boolean; publishedAt: string | null },
  installedAt: string | undefined,
): boolean {
  if (release.draft || release.publishedAt === null) return false;
  return installedAt === undefined || Date.parse(release.publishedAt) >= Date.parse(installedAt);
}
