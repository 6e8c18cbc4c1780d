import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import type { Policy } from "../policy/schema.js";
import { countingEvaluation, evaluationTime, type EvidenceCopy } from "../evidence/evaluation.js";
import { compareCodeUnits } from "../compare-code-units.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Within this many days of expiry the issue says the date is near (and mentions the holders again). */
export const SOON_DAYS = 7;

/** Where a model version is in use: the default branch, or the latest release. */
export interface InUseAt {
  /** e.g. `main` or `v2.1.0`. */
  ref: string;
  kind: "default branch" | "latest release";
  commit: string;
  manifestPath: string;
}

/** One model version in use, with the freshest passing evaluation bound to its digest. */
export interface ModelInUse {
  name: string;
  version: string;
  digest: string;
  at: InUseAt[];
  /** The latest passing record for this version and digest in any copy of its manifest; undefined when there is none. */
  evaluation?: EvaluationRecord;
}

/**
 * How near a version's evaluation is to expiring: `current` needs no issue. `breach`: production monitoring shows a
 * security threshold crossed since the evaluation (docs/monitoring.md): due at once.
 */
export type ReviewStage = "current" | "notice" | "soon" | "expired" | "breach";

/** A security threshold a model version's monitoring crossed, and the date of the report that shows it. */
export interface SecurityBreach {
  name: string;
  version: string;
  digest: string;
  at: string;
  metrics: string[];
}

export interface ReviewStatus extends ModelInUse {
  evaluation: EvaluationRecord;
  /** The day the evaluation stops counting (date + evaluation.max_age_days), YYYY-MM-DD. */
  expiresOn: string;
  /** Whole days until it expires (negative once expired). */
  daysLeft: number;
  stage: ReviewStage;
  /** With stage `breach`: what monitoring showed. */
  breach?: SecurityBreach;
}

/**
 * The model versions in use at each place (default branch, latest release), one entry per
 * name + version + digest. A decommissioned model is not in use. The evaluation that counts is
 * the gates' own (countingEvaluation over every copy of the manifest): the newest record of the
 * version and digest in any copy, so a re-evaluation that lands on the default branch counts for
 * the release's copy too, and a newer failed one leaves the version out (its gates fail it).
 */
export function modelsInUse(
  places: ReadonlyArray<{ at: Omit<InUseAt, "manifestPath">; models: ReadonlyArray<LoadedManifest> }>,
): ModelInUse[] {
  const byKey = new Map<string, { entry: ModelInUse; copies: EvidenceCopy[] }>();
  for (const place of places) {
    for (const loaded of place.models) {
      const { manifest } = loaded;
      if (manifest.status === "decommissioned") continue;
      const key = `${manifest.name}\n${manifest.version}\n${loaded.digest}`;
      const found = byKey.get(key) ?? {
        entry: { name: manifest.name, version: manifest.version, digest: loaded.digest, at: [] },
        copies: [],
      };
      found.entry.at.push({ ...place.at, manifestPath: loaded.path });
      found.copies.push({ where: `${place.at.kind} ${place.at.ref}`, loaded });
      byKey.set(key, found);
    }
  }
  const models: ModelInUse[] = [];
  for (const { entry, copies } of byKey.values()) {
    const counting = countingEvaluation(entry, copies);
    models.push(counting?.record.result === "pass" ? { ...entry, evaluation: counting.record } : entry);
  }
  return models.sort((a, b) => compareCodeUnits(a.name, b.name) || (a.version < b.version ? -1 : 1));
}

/**
 * docs/re-evaluation.md: how near each version's evaluation is to `evaluation.max_age_days`: `notice` within
 * `evaluation.notice_days`, `soon` within SOON_DAYS, `expired` once past. A version without a
 * passing evaluation of its digest is left out: its gates already fail it.
 */
export function reviewStatuses(
  policy: Policy,
  models: ReadonlyArray<ModelInUse>,
  now: Date,
  securityBreaches: ReadonlyArray<SecurityBreach> = [],
): ReviewStatus[] {
  const statuses: ReviewStatus[] = [];
  for (const model of models) {
    const evaluation = model.evaluation;
    if (!evaluation) continue;
    const evaluated = evaluationTime(evaluation.date);
    if (Number.isNaN(evaluated)) continue;
    const expires = evaluated + policy.evaluation.max_age_days * DAY_MS;
    // || 0: no "-0 days"
    const daysLeft = Math.ceil((expires - now.getTime()) / DAY_MS) || 0;
    // expired as the gate sees it: older than max_age_days
    let stage: ReviewStage;
    if (now.getTime() > expires) stage = "expired";
    else if (daysLeft <= Math.min(SOON_DAYS, policy.evaluation.notice_days)) stage = "soon";
    else if (daysLeft <= policy.evaluation.notice_days) stage = "notice";
    else stage = "current";
    // a security breach seen after the evaluation makes it due now; a re-evaluation after the report answers it
    const breach = securityBreaches.find(
      (b) =>
        b.name === model.name &&
        b.version === model.version &&
        b.digest === model.digest &&
        Date.parse(b.at) > evaluated,
    );
    if (breach && stage !== "expired") stage = "breach";
    statuses.push({
      ...model,
      evaluation,
      expiresOn: new Date(expires).toISOString().slice(0, 10),
      daysLeft,
      stage,
      ...(breach && stage === "breach" ? { breach } : {}),
    });
  }
  return statuses;
}
