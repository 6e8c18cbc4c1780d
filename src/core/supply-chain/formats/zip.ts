import { startsWith, uintAt, type ByteSource } from "./byte-source.js";

/**
 * A zip read from its central directory, as strictly as a loader could read it differently
 * (docs/supply-chain.md "Unsafe serialisation"): anything two readers could disagree on — data before
 * the first entry, a directory not where its end record says, overlapping entries, a local header
 * that names another file, duplicate or escaping names, encryption, an unknown compression — makes
 * the zip "not read cleanly", never safe.
 */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate (anything else is refused). */
  method: number;
  compressedSize: number;
  size: number;
  /** Where the member's (compressed) bytes start in the file. */
  dataStart: number;
}

export type ZipRead = { ok: true; entries: ZipEntry[] } | { ok: false; problem: string };

export const ZIP_LIMITS = {
  entries: 100_000,
  directoryBytes: 64 * 1024 * 1024,
};

const EOCD = [0x50, 0x4b, 0x05, 0x06];
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

export function isZip(head: Uint8Array): boolean {
  return startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, EOCD);
}

/** Whether a zip reader that looks at the end of the file (Python's zipfile, Keras) would open it as a zip. */
export function endsLikeZip(source: ByteSource): boolean {
  return findEndRecord(source) !== undefined;
}

function findEndRecord(source: ByteSource): { offset: number; record: Uint8Array } | undefined {
  // most zips have no comment: the record is the last 22 bytes, and nothing more is read
  if (source.size >= 22) {
    const last = source.read(source.size - 22, 22);
    if (startsWith(last, EOCD) && uintAt(last, 20, 2) === 0) return { offset: source.size - 22, record: last };
  }
  const tailLength = Math.min(source.size, 22 + MAX_COMMENT);
  const tail = source.read(source.size - tailLength, tailLength);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (startsWith(tail.subarray(i), EOCD) && i + 22 + uintAt(tail, i + 20, 2) === tail.length)
      return { offset: source.size - tailLength + i, record: tail.subarray(i, i + 22) };
  }
  return undefined;
}

class ZipProblem extends Error {}

export function readZip(source: ByteSource): ZipRead {
  try {
    return { ok: true, entries: readEntries(source) };
  } catch (error) {
    if (error instanceof ZipProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

function fail(problem: string): never {
  throw new ZipProblem(problem);
}

function readEntries(source: ByteSource): ZipEntry[] {
  const end = findEndRecord(source);
  if (!end) fail("no end of central directory record at the end of the file");
  const { offset: eocdOffset, record: tail } = end;
  const eocdAt = 0;
  if (uintAt(tail, eocdAt + 4, 2) !== 0 || uintAt(tail, eocdAt + 6, 2) !== 0) fail("a multi-disk zip");
  let count = uintAt(tail, eocdAt + 10, 2);
  let directorySize = uintAt(tail, eocdAt + 12, 4);
  let directoryOffset = uintAt(tail, eocdAt + 16, 4);
  // where the central directory must end: at the zip64 end record when there is one, else at the end record
  let directoryEnd = eocdOffset;
  if (eocdOffset >= 20) {
    const locator = source.read(eocdOffset - 20, 20);
    if (uintAt(locator, 0, 4) === EOCD64_LOCATOR) {
      const recordOffset = uintAt(locator, 8, 8);
      if (recordOffset + 56 > eocdOffset - 20) fail("a zip64 end record out of range");
      const record = source.read(recordOffset, 56);
      if (uintAt(record, 0, 4) !== EOCD64) fail("no zip64 end record where its locator says");
      count = uintAt(record, 32, 8);
      directorySize = uintAt(record, 40, 8);
      directoryOffset = uintAt(record, 48, 8);
      directoryEnd = recordOffset;
    }
  }
  if (count > ZIP_LIMITS.entries) fail(`more than ${ZIP_LIMITS.entries} members`);
  if (directorySize > ZIP_LIMITS.directoryBytes)
    fail(`a central directory larger than ${ZIP_LIMITS.directoryBytes} bytes`);
  // a reader that finds the directory elsewhere (data prepended, shifted offsets) would see other members
  if (directoryOffset + directorySize !== directoryEnd)
    fail("the central directory is not where the end record says (data before or inside the zip)");
  const directory = source.read(directoryOffset, directorySize);
  if (directory.length !== directorySize) fail("the central directory is cut short");

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  const ranges: Array<{ start: number; end: number; name: string }> = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || uintAt(directory, at, 4) !== CENTRAL)
      fail(`central directory entry ${index} is malformed`);
    const flags = uintAt(directory, at + 8, 2);
    const method = uintAt(directory, at + 10, 2);
    let compressedSize = uintAt(directory, at + 20, 4);
    let uncompressedSize = uintAt(directory, at + 24, 4);
    const nameLength = uintAt(directory, at + 28, 2);
    const extraLength = uintAt(directory, at + 30, 2);
    const commentLength = uintAt(directory, at + 32, 2);
    let localOffset = uintAt(directory, at + 42, 4);
    const nameBytes = directory.subarray(at + 46, at + 46 + nameLength);
    const extra = directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (at > directory.length) fail(`central directory entry ${index} runs past the directory`);
    const name = memberName(nameBytes, flags);
    if (flags & 0x1) fail(`member ${JSON.stringify(name)} is encrypted`);
    if (method !== 0 && method !== 8) fail(`member ${JSON.stringify(name)} uses compression method ${method}`);
    const zip64 = zip64Fields(extra, { uncompressedSize, compressedSize, localOffset });
    ({ uncompressedSize, compressedSize, localOffset } = zip64);
    nameProblem(name);
    // two names one file system would store as one (Unicode forms, case) are duplicates too
    const key = name.normalize("NFC").toLowerCase();
    if (names.has(key)) fail(`member ${JSON.stringify(name)} appears twice`);
    names.add(key);
    if (method === 0 && compressedSize !== uncompressedSize)
      fail(`stored member ${JSON.stringify(name)} has two different sizes`);
    const local = source.read(localOffset, 30);
    if (local.length < 30 || uintAt(local, 0, 4) !== LOCAL)
      fail(`member ${JSON.stringify(name)} has no local header where the directory says`);
    const localNameLength = uintAt(local, 26, 2);
    const localExtraLength = uintAt(local, 28, 2);
    const localName = source.read(localOffset + 30, localNameLength);
    if (!sameBytes(localName, nameBytes)) fail(`member ${JSON.stringify(name)}'s local header names another file`);
    if (uintAt(local, 8, 2) !== method) fail(`member ${JSON.stringify(name)}'s local header names another compression`);
    const dataStart = localOffset + 30 + localNameLength + localExtraLength;
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > directoryOffset) fail(`member ${JSON.stringify(name)} runs into the central directory`);
    ranges.push({ start: localOffset, end: dataEnd, name });
    entries.push({ name, method, compressedSize, size: uncompressedSize, dataStart });
  }
  if (at !== directory.length) fail("the central directory holds more than its entries");
  ranges.sort((a, b) => a.start - b.start);
  if (ranges.length > 0 && ranges[0]?.start !== 0) fail("data before the first member");
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1];
    const current = ranges[i];
    if (previous && current && current.start < previous.end)
      fail(`members ${JSON.stringify(previous.name)} and ${JSON.stringify(current.name)} overlap`);
  }
  return entries;
}

function memberName(bytes: Uint8Array, flags: number): string {
  // bit 11: UTF-8 names; else CP437, which is ASCII for every name a model file uses — a non-ASCII one is refused
  if (!(flags & 0x800) && bytes.some((b) => b >= 0x80)) fail("a member name that is neither UTF-8 nor ASCII");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("a member name that is not valid UTF-8");
  }
}

function nameProblem(name: string): void {
  const quoted = JSON.stringify(name);
  if (name === "") fail("a member without a name");
  if (/[\u0000-\u001f\u007f\\]/.test(name)) fail(`member name ${quoted} holds a control character or a backslash`);
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) fail(`member name ${quoted} is absolute`);
  if (name.split("/").some((part) => part === "..")) fail(`member name ${quoted} climbs out of the archive (..)`);
}

function zip64Fields(
  extra: Uint8Array,
  fields: { uncompressedSize: number; compressedSize: number; localOffset: number },
): { uncompressedSize: number; compressedSize: number; localOffset: number } {
  const result = { ...fields };
  for (let at = 0; at + 4 <= extra.length;) {
    const id = uintAt(extra, at, 2);
    const length = uintAt(extra, at + 2, 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + length) fail("a zip64 extra field too short for what it must hold");
        const value = uintAt(extra, field, 8);
        field += 8;
        return value;
      };
      if (fields.uncompressedSize === 0xffffffff) result.uncompressedSize = next();
      if (fields.compressedSize === 0xffffffff) result.compressedSize = next();
      if (fields.localOffset === 0xffffffff) result.localOffset = next();
    }
    at += 4 + length;
  }
  return result;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
