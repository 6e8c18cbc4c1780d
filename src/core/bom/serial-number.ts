import { createHash } from "node:crypto";

/**
 * A BOM serial number (`urn:uuid:…`) derived from the repository and commit, so that
 * building the BOM of one commit twice gives the same serial number. GitHub names are
 * case-insensitive and commits are hex, so both are lower-cased first.
 *
 * Name-based like UUID v5, but hashed with SHA-256: RFC 9562 (B.2) names such a UUID
 * version 8, so the version nibble is 8 and the variant bits are RFC 4122's `10`.
 */
export function bomSerialNumber(repository: string, commit: string): string {
  // NUL separates the parts so that ("a/b", "c") and ("a/bc", "") cannot collide
  const bytes = createHash("sha256")
    .update(`modelgate-bom\0${repository.toLowerCase()}\0${commit.toLowerCase()}`, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
