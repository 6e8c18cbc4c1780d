import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signatures of the hidden markers modelgate writes into its own issues. Anyone with write
 * access can edit an issue body, so a marker counts only when its `sig` is the HMAC-SHA256,
 * under the app's marker key, of what it claims: an edited marker fails closed.
 */
export const markerSigSchemaPattern = /^[0-9a-f]{64}$/;

/** JSON with object keys sorted at every level, so one value always signs to one text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined) sorted[key] = sortKeys(field);
    }
    return sorted;
  }
  return value;
}

/** The hex HMAC-SHA256 of `kind` and the canonical JSON of `payload` (the kind keeps one marker's sig from passing as another's). */
export function markerSignature(markerKey: string, kind: string, payload: unknown): string {
  return createHmac("sha256", markerKey).update(`${kind}\n${canonicalJson(payload)}`).digest("hex");
}

/** Whether `sig` is the signature of `payload` under `markerKey`, compared in constant time. */
export function verifyMarkerSignature(markerKey: string, kind: string, payload: unknown, sig: unknown): boolean {
  if (typeof sig !== "string" || !markerSigSchemaPattern.test(sig)) return false;
  const expected = Buffer.from(markerSignature(markerKey, kind, payload), "hex");
  const given = Buffer.from(sig, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
