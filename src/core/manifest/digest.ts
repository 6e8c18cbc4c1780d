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

/**
 * The SHA-256 of a folder component (docs/configuration.md, "Folder components"): hex SHA-256 of the
 * UTF-8 text made of one line `<sha256> <relative path>\n` per file in the folder (every depth),
 * sorted by relative path in byte order; a file's sha256 is its Git LFS oid when it is a pointer,
 * else the SHA-256 of its content. The same text and order as the model digest, one level down.
 */
export function folderDigest(files: ReadonlyArray<{ relativePath: string; sha256: string }>): string {
  const lines = [...files]
    .sort((a, b) => Buffer.compare(Buffer.from(a.relativePath, "utf8"), Buffer.from(b.relativePath, "utf8")))
    .map(({ relativePath, sha256 }) => `${sha256} ${relativePath}\n`)
    .join("");
  return sha256Hex(lines);
}
