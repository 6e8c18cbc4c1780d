import { buildBom, validateBom } from "../bom/build-bom.js";
import type { DetectedChanges } from "../detect/detect-changes.js";
import type { Decision } from "../evaluate/types.js";
import type { Policy } from "../policy/schema.js";
import { plural } from "../render/markdown.js";
import { regressionsByModel } from "../bom/performance-metrics.js";
import { formatsOfDecision } from "../supply-chain/formats/format-requirements.js";

/** The BOM of the release, or why there is none. */
export type BomOutcome =
  | { kind: "off" }
  | { kind: "valid"; json: string; models: number }
  | { kind: "invalid"; errors: string[] }
  | { kind: "not-built"; reason: string };

/**
 * The release a release was compared with, and why: its gate passed, or it was published before
 * modelgate was installed (taken as it is); `none` when no earlier release qualifies (`earlier`
 * counts the published releases that could have been).
 */
export type BaselineNote =
  | { kind: "passed"; tag: string; publishedAt: string }
  | { kind: "before-installation"; tag: string; publishedAt: string; installedAt?: string }
  | { kind: "none"; earlier: number };

/** What the release gate does to the release itself (docs/releases.md "What it writes"). */
export interface ReleaseWrites {
  /** The gate failed, or the BOM did not validate: the release body gets the failure section. */
  failed: boolean;
  /** release.on_failure: draft turns a failed published release back into a draft. */
  backToDraft: boolean;
}

export function releaseWrites(
  decision: Decision,
  bom: BomOutcome,
  policy: Policy | undefined,
  release: { draft: boolean },
): ReleaseWrites {
  const failed = decision.verdict !== "success" || bom.kind === "invalid";
  return { failed, backToDraft: failed && policy?.release.on_failure === "draft" && !release.draft };
}

/**
 * The ML-BOM of every model at the release's commit (release.attach_bom), validated against
 * CycloneDX 1.6. A manifest that could not be read builds none: a BOM that leaves a model out is
 * worse than none.
 */
export async function releaseBom(
  policy: Policy,
  detected: DetectedChanges,
  release: { repository: string; tag: string; commit: string; timestamp: string; toolVersion: string },
  decision?: Decision,
): Promise<BomOutcome> {
  if (!policy.release.attach_bom) return { kind: "off" };
  if (detected.errors.length > 0) {
    return {
      kind: "not-built",
      reason: `${plural(new Set(detected.errors.map((e) => e.path)).size, "manifest")} at ${release.tag} could not be read: a BOM that leaves a model out is worse than none`,
    };
  }
  const built = buildBom({
    repository: release.repository,
    ref: release.tag,
    commit: release.commit,
    models: detected.models.head,
    timestamp: release.timestamp,
    toolVersion: release.toolVersion,
    ...(decision
      ? {
          regressions: regressionsByModel(decision.models),
          formats: formatsOfDecision(decision.models),
          verified: decision,
        }
      : {}),
  });
  const validation = await validateBom(built);
  return validation.ok
    ? { kind: "valid", json: `${JSON.stringify(built, null, 2)}\n`, models: detected.models.head.length }
    : { kind: "invalid", errors: validation.errors };
}
