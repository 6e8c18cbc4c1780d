import { z } from "zod";
import { digestSchema, modelNameSchema } from "../manifest/schema.js";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";

const endOfLifeMarkerSchema = z.strictObject({
  model: modelNameSchema,
  digest: digestSchema,
  sig: z.string().max(128),
});

const END_OF_LIFE_KIND = "end-of-life";

export interface EndOfLifeRef {
  model: string;
  digest: string;
}

/**
 * The hidden marker that makes the end-of-life issue of a model findable (one per model and last
 * digest), signed with the marker key: anyone can edit the issue, only modelgate can sign.
 */
export function endOfLifeMarker({ model, digest }: EndOfLifeRef, markerKey: string): string {
  return renderMarker(END_OF_LIFE_KIND, {
    model,
    digest,
    sig: markerSignature(markerKey, END_OF_LIFE_KIND, { model, digest }),
  });
}

/**
 * The model and last digest an end-of-life issue is for; `undefined` when its first marker is
 * missing, garbled, unsigned or edited (its signature does not verify under `markerKey`).
 */
export function parseEndOfLifeMarker(body: string | null | undefined, markerKey: string): EndOfLifeRef | undefined {
  const parsed = parseMarker(END_OF_LIFE_KIND, body, endOfLifeMarkerSchema);
  if (!parsed) return undefined;
  const { model, digest, sig } = parsed;
  return verifyMarkerSignature(markerKey, END_OF_LIFE_KIND, { model, digest }, sig) ? { model, digest } : undefined;
}
