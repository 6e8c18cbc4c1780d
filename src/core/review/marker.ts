import { z } from "zod";
import { digestSchema, modelNameSchema } from "../manifest/schema.js";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";

const REVIEW_KIND = "re-evaluation";

/**
 * What a "Re-evaluation due" issue is about: one evaluation of one model version's digest in one
 * repository. The evaluation's date is part of it: once a new evaluation lands and later ages in
 * turn, that is a new issue.
 */
export interface ReviewRef {
  repo: string;
  model: string;
  digest: string;
  /** The date of the evaluation that expires. */
  evaluated: string;
}

const reviewMarkerSchema = z.strictObject({
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  model: modelNameSchema,
  digest: digestSchema,
  evaluated: z.string().regex(/^\d{4}-\d{2}-\d{2}(T[0-9:.+Z-]{1,30})?$/),
  sig: z.string().max(128),
});

/** The signed hidden marker of a review issue: an edited or copied marker (another repository, digest or date) never counts. */
export function reviewMarker(ref: ReviewRef, markerKey: string): string {
  const payload = { repo: ref.repo.toLowerCase(), model: ref.model, digest: ref.digest, evaluated: ref.evaluated };
  return renderMarker(REVIEW_KIND, { ...payload, sig: markerSignature(markerKey, REVIEW_KIND, payload) });
}

/** The review an issue body is for, or `undefined` when its first marker is missing, garbled, unsigned, edited or for another repository. */
export function parseReviewMarker(
  body: string | null | undefined,
  markerKey: string,
  repo: string,
): ReviewRef | undefined {
  const parsed = parseMarker(REVIEW_KIND, body, reviewMarkerSchema);
  if (!parsed) return undefined;
  const { sig, ...payload } = parsed;
  if (payload.repo !== repo.toLowerCase()) return undefined;
  return verifyMarkerSignature(markerKey, REVIEW_KIND, payload, sig) ? payload : undefined;
}
