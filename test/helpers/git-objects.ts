import { createHash } from "node:crypto";

/** The git blob SHA-1 of a file's content, as in a real tree. */
export function gitBlobSha(content: string | Buffer): string {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** A stable 40-hex commit SHA for a label, so fixtures read as "base", "head"... */
export function commitSha(label: string): string {
  return createHash("sha1").update(`commit ${label}`).digest("hex");
}

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The text of a Git LFS pointer for a file with this content. */
export function lfsPointerFor(content: string | Buffer): string {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`;
}
