import { compareSemver, isSemver } from "../manifest/semver.js";
import { compareCodeUnits } from "../compare-code-units.js";

/** What ordering releases needs to know about one (github/releases.ts reads the rest). */
export interface ReleaseOrderFields {
  id: number;
  tagName: string;
  draft: boolean;
  prerelease: boolean;
  /** ISO 8601; null for a draft. */
  publishedAt: string | null;
}

/**
 * The releases a release may be compared with (docs/releases.md "What a release is compared with"), newest first: the published releases
 * before it, in the order the baseline is looked for.
 * - Drafts never count, nor the release itself. A full release skips prereleases (its users
 *   come from the previous full release, so its notes must list every model change since then);
 *   a prerelease compares with the previous published release of either kind.
 * - Tags that are semantic versions (a leading `v` allowed) are ordered by semver: the
 *   highest lower version first, so a hotfix v1.4.1 published after v2.0.0 looks at v1.4.0 first.
 * - Then (or when the tag is not a version) by publication time: the releases published before
 *   this one, the latest first; for a draft, every published release. When the current tag is a
 *   version, only releases whose tags are not versions are ordered this way (a higher version is
 *   never "before" it).
 * Empty: this is the first release, every model in it is new.
 */
export function releaseCandidates<T extends ReleaseOrderFields>(
  current: ReleaseOrderFields,
  releases: ReadonlyArray<T>,
): T[] {
  const candidates = releases.filter(
    (r) => r.id !== current.id && !r.draft && r.publishedAt !== null && (current.prerelease || !r.prerelease),
  );
  const currentVersion = tagVersion(current.tagName);
  const lower =
    currentVersion === undefined
      ? []
      : candidates
          .filter((r) => {
            const version = tagVersion(r.tagName);
            return version !== undefined && compareSemver(version, currentVersion) < 0;
          })
          .sort((a, b) => compareReleaseVersions(b, a));
  // when the current tag is a version, a release with a higher version is never "before" it
  const unordered =
    currentVersion === undefined ? candidates : candidates.filter((r) => tagVersion(r.tagName) === undefined);
  const until = current.draft || current.publishedAt === null ? undefined : current.publishedAt;
  const earlier = unordered
    .filter((r) => until === undefined || (r.publishedAt ?? "") < until)
    .sort((a, b) => byPublication(b, a));
  return [...lower, ...earlier];
}

/** The previous published release (the first of releaseCandidates), whether or not it passed its gate. */
export function previousRelease<T extends ReleaseOrderFields>(
  current: ReleaseOrderFields,
  releases: ReadonlyArray<T>,
): T | undefined {
  return releaseCandidates(current, releases)[0];
}

/** How many earlier releases are looked at for one that passed its gate: beyond, the release compares with nothing. */
export const MAX_BASELINE_CANDIDATES = 20;

/** The semantic version a tag names (`v1.2.3` and `1.2.3`), if it names one. */
export function tagVersion(tag: string): string | undefined {
  const version = tag.replace(/^v(?=\d)/i, "");
  return isSemver(version) ? version : undefined;
}

function compareReleaseVersions(a: ReleaseOrderFields, b: ReleaseOrderFields): number {
  return compareSemver(tagVersion(a.tagName) ?? "0.0.0", tagVersion(b.tagName) ?? "0.0.0") || byPublication(a, b);
}

function byPublication(a: ReleaseOrderFields, b: ReleaseOrderFields): number {
  const at = a.publishedAt ?? "";
  const bt = b.publishedAt ?? "";
  return compareCodeUnits(at, bt) || a.id - b.id;
}
