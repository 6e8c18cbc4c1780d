import { inflateRawSync } from "node:zlib";
import { MAX_REPORT_BYTES } from "./report.js";

/** Largest artefact zip downloaded and read. */
export const MAX_ARTIFACT_ZIP_BYTES = 16 * 1024 * 1024;
/** Most entries an artefact zip may list. */
export const MAX_ZIP_ENTRIES = 2000;

export interface ZipEntry {
  name: string;
  /** The entry's text, or why it was not read (too large, a bomb, not UTF-8, a method not supported). */
  content: { ok: true; text: string } | { ok: false; reason: string };
}

export type ZipRead = { ok: true; entries: ZipEntry[] } | { ok: false; reason: string };

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/**
 * Reads the files of an artefact zip that `wanted` selects, from its central directory, within bounds: the zip at
 * most MAX_ARTIFACT_ZIP_BYTES and MAX_ZIP_ENTRIES entries, each file at most MAX_REPORT_BYTES once inflated
 * (inflation stops there: a zip bomb is refused, not expanded), stored or deflated only, no ZIP64. A name that is
 * absolute, has a `..` or `.` part, a backslash or a control character makes the whole zip refused: nothing is
 * written to disk, but such a name only comes from a hostile artefact.
 */
export function readZip(data: Uint8Array, wanted: (name: string) => boolean): ZipRead {
  if (data.byteLength > MAX_ARTIFACT_ZIP_BYTES)
    return { ok: false, reason: `the zip is larger than ${MAX_ARTIFACT_ZIP_BYTES / 1024 / 1024} MiB` };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) return { ok: false, reason: "not a zip (no end of central directory)" };
  const count = view.getUint16(eocd + 10, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) return { ok: false, reason: "a ZIP64 zip (not read)" };
  if (count > MAX_ZIP_ENTRIES) return { ok: false, reason: `more than ${MAX_ZIP_ENTRIES} entries` };
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (at + 46 > data.byteLength || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      return { ok: false, reason: "a broken central directory" };
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > data.byteLength) return { ok: false, reason: "a broken central directory" };
    const name = new TextDecoder("utf-8", { fatal: false }).decode(data.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (!isSafeName(name))
      return { ok: false, reason: `an entry with an unsafe name (${JSON.stringify(name.slice(0, 100))})` };
    if (name.endsWith("/") || !wanted(name)) continue;
    entries.push({ name, content: readEntry(data, view, { flags, method, compressedSize, size, localOffset }) });
  }
  return { ok: true, entries };
}

function readEntry(
  data: Uint8Array,
  view: DataView,
  entry: { flags: number; method: number; compressedSize: number; size: number; localOffset: number },
): ZipEntry["content"] {
  if (entry.flags & 0x1) return { ok: false, reason: "encrypted" };
  if (entry.size > MAX_REPORT_BYTES) return { ok: false, reason: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB` };
  const local = entry.localOffset;
  if (local + 30 > data.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE)
    return { ok: false, reason: "a broken entry" };
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > data.byteLength) return { ok: false, reason: "a broken entry" };
  const raw = data.subarray(start, end);
  let bytes: Uint8Array;
  if (entry.method === 0) bytes = raw;
  else if (entry.method === 8) {
    try {
      // the declared size is the writer's word: inflation itself stops one byte past the limit
      bytes = inflateRawSync(raw, { maxOutputLength: MAX_REPORT_BYTES + 1 });
    } catch {
      return { ok: false, reason: `inflates beyond ${MAX_REPORT_BYTES / 1024 / 1024} MiB or is corrupt` };
    }
  } else return { ok: false, reason: `compression method ${entry.method} (not read)` };
  if (bytes.byteLength > MAX_REPORT_BYTES)
    return { ok: false, reason: `inflates beyond ${MAX_REPORT_BYTES / 1024 / 1024} MiB` };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: "not UTF-8 text" };
  }
}

function findEndOfCentralDirectory(view: DataView): number {
  // the record is 22 bytes plus a comment of at most 65,535
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  return -1;
}

function isSafeName(name: string): boolean {
  if (name.length === 0 || name.startsWith("/") || name.includes("\\") || /[\u0000-\u001f\u007f]/.test(name))
    return false;
  const parts = name.replace(/\/$/, "").split("/");
  return parts.every((part) => part !== "" && part !== "." && part !== "..") && !/^[A-Za-z]:/.test(name);
}
