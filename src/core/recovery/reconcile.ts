import type { ModelChange } from "../detect/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";

/** The models of a branch whose manifest says `status: decommissioned`, as the changes that need an end-of-life issue. */
export function decommissionedModels(models: ReadonlyArray<LoadedManifest>): ModelChange[] {
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

/** A release reconciliation judges: published (not a draft), and published since modelgate was installed (older ones were never its to gate). */
export function releaseToReconcile(release: { draft: boolean; publishedAt: string | null }, installedAt: string | undefined): boolean {
  if (release.draft || release.publishedAt === null) return false;
  return installedAt === undefined || Date.parse(release.publishedAt) >= Date.parse(installedAt);
}
