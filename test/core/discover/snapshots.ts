import { createHash } from "node:crypto";
import type { FileContent, Snapshot, TreeEntry } from "../../../src/core/detect/snapshot.js";
import { gitBlobSha } from "../../fixtures/git-objects.js";

/** A file as a test writes it: text (read and valid UTF-8) or raw bytes of a given size. */
export type TestFile = string | { binarySize: number; seed?: string };

export function lfsPointer(seed: string, size = 123_456_789): string {
  const oid = createHash("sha256").update(seed).digest("hex");
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

/**
 * A snapshot of the given files. With `read: true` (default) every file's content is in
 * `contents`, as after the edges read everything discovery asked for.
 */
export function snapshot(files: Record<string, TestFile>, options: { read?: boolean | string[] } = {}): Snapshot {
  const entries = new Map<string, TreeEntry>();
  const contents = new Map<string, FileContent>();
  for (const [path, file] of Object.entries(files)) {
    const bytes =
      typeof file === "string" ? Buffer.from(file, "utf8") : Buffer.alloc(file.binarySize, file.seed ?? path);
    entries.set(path, { path, blobSha: gitBlobSha(bytes), size: bytes.length, mode: "100644" });
    const read = options.read ?? true;
    if (read === true || (Array.isArray(read) && read.includes(path))) {
      contents.set(
        path,
        typeof file === "string"
          ? { kind: "text", text: file, size: bytes.length }
          : { kind: "binary", sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length },
      );
    }
  }
  return { commit: "c".repeat(40), entries, contents };
}
