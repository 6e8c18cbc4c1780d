/** A parsed Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md). */
export interface LfsPointer {
  /** SHA-256 of the real file, hex. */
  oid: string;
  size: number;
  /** `ext-*` lines: the oid is then the hash of the extension's output, not of the file. */
  extensions: string[];
}

const MAX_POINTER_BYTES = 1024;

/** Parses a pointer file; anything else (including an empty file) is `undefined`. */
export function parseLfsPointer(text: string): LfsPointer | undefined {
  if (text.length === 0 || text.length > MAX_POINTER_BYTES) return undefined;
  const lines = text.split("\n");
  if (lines[0] !== "version https://git-lfs.github.com/spec/v1") return undefined;
  let oid: string | undefined;
  let size: number | undefined;
  const extensions: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const oidMatch = /^oid sha256:([0-9a-f]{64})$/.exec(line);
    const sizeMatch = /^size (\d+)$/.exec(line);
    if (oidMatch) oid = oidMatch[1];
    else if (sizeMatch) size = Number(sizeMatch[1]);
    else if (/^ext-\d+-\S+ /.test(line)) extensions.push(line);
    else if (!/^[a-z0-9.-]+ /.test(line)) return undefined;
  }
  return oid && size !== undefined ? { oid, size, extensions } : undefined;
}
