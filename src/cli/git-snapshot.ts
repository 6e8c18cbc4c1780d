import { createHash } from "node:crypto";
import { MAX_HASHED_FILE_BYTES, type FileContent, type Snapshot, type TreeEntry } from "../core/detect/snapshot.js";
import type { Policy } from "../core/policy/schema.js";
import { plannedReads } from "../core/detect/plan-reads.js";
import { CliError } from "./cli-error.js";
import { runGit, streamGit } from "./git.js";

/** A snapshot whose contents the CLI fills as the core asks for them. */
export interface GitSnapshot extends Snapshot {
  entries: Map<string, TreeEntry>;
  contents: Map<string, FileContent>;
}

const SUBMODULE_MODE = "160000";
/** Rounds of reads the core may ask for before the CLI stops (plannedReads needs 2 or 3). */
const MAX_READ_ROUNDS = 5;

/** Every blob of a commit from `git ls-tree -r -l -z` (submodules skipped); no working-tree reads. */
export async function snapshotAt(repo: string, commit: string): Promise<GitSnapshot> {
  const result = await runGit(repo, ["ls-tree", "-r", "-l", "-z", "--full-tree", commit]);
  if (result.code !== 0) throw new CliError(`cannot list the files of ${commit}: ${result.stderr}`);
  return { commit, entries: parseLsTree(result.stdout), contents: new Map() };
}

/** Parses `<mode> SP <type> SP <object> SP+ <size> TAB <path> NUL` records. */
export function parseLsTree(output: Buffer): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of output.toString("utf8").split("\0")) {
    if (record === "") continue;
    const tab = record.indexOf("\t");
    const [mode, type, blobSha, size] = record.slice(0, tab).split(/ +/);
    const path = record.slice(tab + 1);
    if (!mode || !blobSha || type !== "blob" || mode === SUBMODULE_MODE) continue;
    const bytes = Number(size);
    entries.set(path, { path, blobSha, mode, ...(Number.isFinite(bytes) ? { size: bytes } : {}) });
  }
  return entries;
}

/** What a file's bytes are to the core: text when valid UTF-8, else hashed binary. */
export function fileContent(bytes: Buffer): FileContent {
  try {
    // ignoreBOM keeps a byte-order mark in the text, so the text hashes to the file's bytes
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    return { kind: "text", text, size: bytes.length };
  } catch {
    // the bytes are kept (a copy: the caller's buffer is reused) so the format scan reads them (docs/supply-chain.md)
    const copy = Uint8Array.from(bytes);
    return {
      kind: "binary",
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
      bytes: copy,
    };
  }
}

/**
 * Reads the given paths of one or more snapshots with ONE `git cat-file --batch` process
 * and stores their contents. Files larger than MAX_HASHED_FILE_BYTES are not read ("too large").
 * A blob whose bytes are in `known` (text or binary, by sha) is not read again; the blobs read are added to it.
 */
export async function readContents(
  repo: string,
  requests: ReadonlyArray<{ snapshot: GitSnapshot; paths: ReadonlyArray<string> }>,
  known?: Map<string, FileContent>,
): Promise<void> {
  const wanted = new Map<string, Array<{ snapshot: GitSnapshot; path: string }>>();
  for (const { snapshot, paths } of requests) {
    for (const path of paths) {
      const entry = snapshot.entries.get(path);
      if (!entry) continue;
      if (entry.size !== undefined && entry.size > MAX_HASHED_FILE_BYTES) {
        snapshot.contents.set(path, {
          kind: "unreadable",
          reason: `too large (${entry.size} bytes; larger than ${MAX_HASHED_FILE_BYTES})`,
          size: entry.size,
        });
        continue;
      }
      // only bytes are shared: why a blob could not be read is said by each reader in its own words
      const read = known?.get(entry.blobSha);
      if (read && read.kind !== "unreadable") {
        snapshot.contents.set(path, read);
        continue;
      }
      const readers = wanted.get(entry.blobSha) ?? [];
      readers.push({ snapshot, path });
      wanted.set(entry.blobSha, readers);
    }
  }
  if (wanted.size === 0) return;
  const read = new Map<string, FileContent>();
  await readBlobContents(repo, [...wanted.keys()], (sha, content) => read.set(sha, content));
  for (const [sha, readers] of wanted) {
    const bytes = read.get(sha);
    const content: FileContent = bytes ?? { kind: "unreadable", reason: "missing from the git object database" };
    if (bytes && !known?.has(sha)) known?.set(sha, content);
    for (const { snapshot, path } of readers) snapshot.contents.set(path, content);
  }
}

/**
 * The contents of blobs, from one `git cat-file --batch`, handed to `onBlob` as git writes them
 * (a blob git does not have is not handed). The caller sees to it that none is large.
 */
export async function readBlobContents(
  repo: string,
  shas: ReadonlyArray<string>,
  onBlob: (sha: string, content: FileContent) => void,
): Promise<void> {
  if (shas.length === 0) return;
  const reader = new CatFileBatchReader((sha, bytes) => onBlob(sha, fileContent(bytes)));
  const result = await streamGit(
    repo,
    ["cat-file", "--batch", "--buffer"],
    shas.map((sha) => `${sha}\n`).join(""),
    (chunk) => reader.push(chunk),
  );
  if (result.code !== 0) throw new CliError(`cannot read files from git: ${result.stderr}`);
}

/**
 * Reads `<oid> <type> <size>\n<bytes>\n` records (and `<oid> missing\n`) as they arrive, in chunks
 * cut anywhere: each whole blob is handed to `onBlob` (its bytes are valid during the call only).
 */
export class CatFileBatchReader {
  private rest: Buffer = Buffer.alloc(0);
  private header: { oid: string; type: string; size: number } | undefined;

  constructor(private readonly onBlob: (oid: string, bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buffer = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    for (;;) {
      if (!this.header) {
        const newline = buffer.indexOf(0x0a);
        if (newline === -1) break;
        const [oid, type, size] = buffer.subarray(0, newline).toString("utf8").split(" ");
        buffer = buffer.subarray(newline + 1);
        if (!oid || type === "missing" || size === undefined) continue;
        this.header = { oid, type: type ?? "", size: Number(size) };
      }
      const { oid, type, size } = this.header;
      if (buffer.length < size + 1) break;
      if (type === "blob") this.onBlob(oid, buffer.subarray(0, size));
      buffer = buffer.subarray(size + 1);
      this.header = undefined;
    }
    // what is left is less than one record: copied, so the chunk it came from is not kept
    this.rest = Buffer.from(buffer);
  }
}

/** Parses `<oid> <type> <size>\n<bytes>\n` records (and `<oid> missing\n`) of a whole answer. */
export function parseCatFileBatch(output: Buffer): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  // one chunk: the bytes handed out are views of `output` itself
  new CatFileBatchReader((oid, bytes) => blobs.set(oid, bytes)).push(output);
  return blobs;
}

/**
 * Reads what the core asks for (plannedReads, the same plan the app follows) until it asks for
 * nothing more: the CLI and the app judge from the same facts.
 */
export async function readPlanned(
  repo: string,
  policy: Policy,
  base: GitSnapshot,
  head: GitSnapshot,
  known?: Map<string, FileContent>,
): Promise<void> {
  for (let round = 0; round < MAX_READ_ROUNDS; round++) {
    const plan = plannedReads(policy, base, head);
    if (plan.base.length === 0 && plan.head.length === 0) return;
    await readContents(
      repo,
      [
        { snapshot: base, paths: plan.base },
        { snapshot: head, paths: plan.head },
      ],
      known,
    );
  }
  throw new CliError(`the evaluation still asked for files after ${MAX_READ_ROUNDS} rounds of reads`);
}

/** The text of one file at a snapshot: undefined when absent; a CliError when it cannot be read as text. */
export async function readTextFile(repo: string, snapshot: GitSnapshot, path: string): Promise<string | undefined> {
  if (!snapshot.entries.has(path)) return undefined;
  if (!snapshot.contents.has(path)) await readContents(repo, [{ snapshot, paths: [path] }]);
  const content = snapshot.contents.get(path);
  if (content?.kind === "text") return content.text;
  throw new CliError(
    `${path} at ${snapshot.commit.slice(0, 12)} cannot be read: ${content?.kind === "unreadable" ? content.reason : "not UTF-8 text"}`,
  );
}
