import { z } from "zod";
import { digestSchema, modelNameSchema } from "../manifest/schema.js";
import { isSemver } from "../manifest/semver.js";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";
import { SIGN_OFF_INTENTS, type ModelVersionRef, type SignOffIntent } from "./subject.js";

const signOffMarkerSchema = z.strictObject({
  model: modelNameSchema,
  version: z.string().max(256).refine(isSemver),
  digest: digestSchema,
  intent: z.enum(SIGN_OFF_INTENTS).optional(),
  sig: z.string().max(128),
});

const SIGN_OFF_KIND = "sign-off";

/** What a sign-off marker's signature covers: the subject, with the intent always spelled out. */
export function signedSubject({ model, version, digest, intent }: ModelVersionRef): {
  model: string;
  version: string;
  digest: string;
  intent: SignOffIntent;
} {
  return { model, version, digest, intent: intent ?? "ship" };
}

/**
 * The hidden marker that binds a sign-off issue to one model version, digest and (for a
 * decommission) intent, signed with the marker key: anyone can edit the issue, only modelgate can sign.
 */
export function signOffMarker(ref: ModelVersionRef, markerKey: string): string {
  const { model, version, digest, intent } = ref;
  const sig = markerSignature(markerKey, SIGN_OFF_KIND, signedSubject(ref));
  return renderMarker(SIGN_OFF_KIND, {
    model,
    version,
    digest,
    ...(intent && intent !== "ship" ? { intent } : {}),
    sig,
  });
}

/**
 * The model version a sign-off issue is for; `undefined` when its first marker is missing,
 * garbled, unsigned or edited (its signature does not verify under `markerKey`). A marker
 * without intent is a ship issue.
 */
export function parseSignOffMarker(body: string | null | undefined, markerKey: string): ModelVersionRef | undefined {
  const parsed = parseMarker(SIGN_OFF_KIND, body, signOffMarkerSchema);
  if (!parsed) return undefined;
  const { intent, sig, ...fields } = parsed;
  const ref: ModelVersionRef = intent === undefined || intent === "ship" ? fields : { ...fields, intent };
  return verifyMarkerSignature(markerKey, SIGN_OFF_KIND, signedSubject(ref), sig) ? ref : undefined;
}
