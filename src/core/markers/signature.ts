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
  return createHmac("sha256", markerKey)
    .update(`${kind}\n${canonicalJson(payload)}`)
    .digest("hex");
}

/** Whether `sig` is the signature of `payload` under `markerKey`, compared in constant time. */
export function verifyMarkerSignature(markerKey: string, kind: string, payload: unknown, sig: unknown): boolean {
  if (typeof sig !== "string" || !markerSigSchemaPattern.test(sig)) return false;
  const expected = Buffer.from(markerSignature(markerKey, kind, payload), "hex");
  const given = Buffer.from(sig, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Where a marker sits: the repository and the number of the issue whose body holds it. */
export interface MarkerPlace {
  owner: string;
  repo: string;
  issue: number;
}

/**
 * The key that signs the markers of one issue: derived from the marker key and the issue's place,
 * so a marker signs what it claims AND where it is. A marker copied into another issue (or another
 * repository) does not verify there, and so is ignored (docs/security.md). Repository names are
 * compared as GitHub does, without case.
 */
export function issueMarkerKey(markerKey: string, { owner, repo, issue }: MarkerPlace): string {
  return createHmac("sha256", markerKey)
    .update(`modelgate-issue\n${owner.toLowerCase()}/${repo.toLowerCase()}#${issue}`)
    .digest("hex");
}
