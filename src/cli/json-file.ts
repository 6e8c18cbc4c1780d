import { open } from "node:fs/promises";

/**
 * Writes `JSON.stringify(value) + "\n"` to `path` piece by piece: the objects and arrays of the
 * first `depth` levels are opened here, what is below them is JSON.stringify's. A report of tens
 * of megabytes is never one string, nor one buffer (docs/performance.md "modelgate audit").
 */
export async function writeJsonFile(path: string, value: unknown, depth = 2): Promise<void> {
  const file = await open(path, "w");
  try {
    const encoder = new TextEncoder();
    const buffer = new Uint8Array(3 * CHUNK_UNITS);
    let pending = "";
    const flush = async (): Promise<void> => {
      // encoded into one buffer used again: UTF-8 is at most 3 bytes per UTF-16 unit, and a chunk never splits a surrogate pair
      for (let at = 0; at < pending.length; ) {
        let end = Math.min(at + CHUNK_UNITS, pending.length);
        const last = pending.charCodeAt(end - 1);
        if (end < pending.length && last >= 0xd800 && last <= 0xdbff) end--;
        const { written } = encoder.encodeInto(pending.slice(at, end), buffer);
        await file.write(buffer, 0, written);
        at = end;
      }
      pending = "";
    };
    for (const piece of pieces(value, depth)) {
      pending += piece;
      if (pending.length >= CHUNK_UNITS) await flush();
    }
    pending += "\n";
    await flush();
  } finally {
    await file.close();
  }
}

const CHUNK_UNITS = 256 * 1024;

/** An object JSON.stringify writes by its own rules (a toJSON, a class) is left to it whole (its toJSON is then given "" as key). */
function isPlain(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null;
}

const omitted = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";

/** The text of JSON.stringify(value), in pieces (`value` is not omitted: the caller checked). */
export function* pieces(value: unknown, depth: number): Generator<string> {
  if (depth <= 0 || !isPlain(value)) {
    yield JSON.stringify(value);
    return;
  }
  if (Array.isArray(value)) {
    yield "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ",";
      const item: unknown = value[i];
      if (omitted(item)) yield "null";
      else yield* pieces(item, depth - 1);
    }
    yield "]";
    return;
  }
  yield "{";
  let first = true;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (omitted(item)) continue;
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    yield* pieces(item, depth - 1);
  }
  yield "}";
}
