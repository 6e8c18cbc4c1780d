import type { LoadedManifest } from "../manifest/load-manifest.js";
import { countingEvaluation, type CountingEvaluation, type EvidenceCopy } from "./evaluation.js";
import type { ModelsAt } from "./model-evidence.js";

/**
 * The model version a regression comparison measures against, and its record that counts: the
 * version the change replaces (a pull request's base, the release gate's last released version,
 * the audit's previous version).
 */
export interface RegressionBaseline {
  version: string;
  digest: string;
  /** Where the replaced version was read, as the user knows it ("the base branch", "release v3"). */
  where: string;
  /** Its counting evaluation; undefined when no copy the gate trusts holds one. */
  evaluation: CountingEvaluation | undefined;
}

/**
 * "Which record does a candidate's metrics answer to?" — the one answer of the PR gate, the release
 * gate, the CLI and the audit (docs/regression.md). The baseline is the manifest of the version
 * replaced (`replaced`: the model at the base); its record is countingEvaluation of that version
 * and digest over the copies in `places` (the base first, then the default branch or a release).
 * The commit under judgement is never one of them: its author could rewrite the baseline's metrics
 * there. `undefined` when nothing is replaced (a new model: "no baseline: first version").
 */
export function regressionBaseline(
  replaced: LoadedManifest | undefined,
  places: ReadonlyArray<ModelsAt>,
): RegressionBaseline | undefined {
  if (!replaced) return undefined;
  const where = places.find((place) => place.models.includes(replaced))?.where ?? "the base";
  const copies: EvidenceCopy[] = [{ where, loaded: replaced }];
  for (const place of places) {
    for (const loaded of place.models)
      if (loaded !== replaced && loaded.manifest.name === replaced.manifest.name)
        copies.push({ where: place.where, loaded });
  }
  const { version } = replaced.manifest;
  const evaluation = countingEvaluation({ version, digest: replaced.digest }, copies);
  return { version, digest: replaced.digest, where, evaluation };
}
