import { createHash } from "node:crypto";
import { componentId, type Component } from "./schema.js";

/** Written in place of a hash a component does not declare (allowed only when `require_hashes` is off). */
export const MISSING_HASH = "-";

/**
 * docs/configuration.md "The manifest", model digest: `sha256:` + hex SHA-256 of the UTF-8 text made of one line
 * `<sha256> <path-or-name>\n` per component, sorted by path-or-name in byte order.
 */
export function modelDigest(components: ReadonlyArray<Component>): string {
  const lines = components
    .map((c) => ({ id: componentId(c), hash: c.sha256 ?? MISSING_HASH }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.id, "utf8"), Buffer.from(b.id, "utf8")))
    .map(({ id, hash }) => `${hash} ${id}\n`)
    .join("");
  return `sha256:${sha256Hex(lines)}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
