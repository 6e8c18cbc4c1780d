import { z } from "zod";
import { isSemver } from "../manifest/semver.js";
import { digestSchema, modelNameSchema } from "../manifest/schema.js";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";

const DRIFT_KIND = "drift";

/** What a "Drift detected" issue is about: one model version (its digest) in one repository. */
export interface DriftRef {
  repo: string;
  model: string;
  version: string;
  digest: string;
}

const driftMarkerSchema = z.strictObject({
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  model: modelNameSchema,
  version: z.string().max(100).refine(isSemver),
  digest: digestSchema,
  sig: z.string().max(128),
});

/** The signed hidden marker of a drift issue (an edited or copied marker never counts). */
export function driftMarker(ref: DriftRef, markerKey: string): string {
  const payload = { repo: ref.repo.toLowerCase(), model: ref.model, version: ref.version, digest: ref.digest };
  return renderMarker(DRIFT_KIND, { ...payload, sig: markerSignature(markerKey, DRIFT_KIND, payload) });
}

/** The marker as written, its signature not checked: the audit without the App's key says so (markersVerified). */
export function parseUnverifiedDriftMarker(body: string | null | undefined): Omit<DriftRef, "repo"> | undefined {
  const parsed = parseMarker(DRIFT_KIND, body, driftMarkerSchema);
  return parsed ? { model: parsed.model, version: parsed.version, digest: parsed.digest } : undefined;
}

export function parseDriftMarker(
  body: string | null | undefined,
  markerKey: string,
  repo: string,
): DriftRef | undefined {
  const parsed = parseMarker(DRIFT_KIND, body, driftMarkerSchema);
  if (!parsed) return undefined;
  const { sig, ...payload } = parsed;
  if (payload.repo !== repo.toLowerCase()) return undefined;
  return verifyMarkerSignature(markerKey, DRIFT_KIND, payload, sig) ? payload : undefined;
}
