import { open } from "node:fs/promises";

/**
 * Writes `JSON.stringify(value) + "\n"` to `path` piece by piece: the objects and arrays of the
 * first `depth` levels are opened here, what is below them is JSON.stringify's. A report of tens
 * of megabytes is never one string, nor one buffer (docs/performance.md "modelgate audit").
 */
export async function writeJsonFile(path: string, value: unknown, depth = 2): Promise<void> {
  await writeTextFile(path, jsonLine(value, depth));
}

function* jsonLine(value: unknown, depth: number): Generator<string> {
  yield* pieces(value, depth);
  yield "\n";
}

/** Writes the pieces of a text to `path` as UTF-8, through one buffer of a megabyte (no whole copy of the text as bytes). */
export async function writeTextFile(path: string, text: Iterable<string>): Promise<void> {
  const file = await open(path, "w");
  try {
    // each piece is encoded straight into one buffer used again (a string of all the pending pieces
    // would be flattened, copied and mapped afresh each time); encodeInto never splits a surrogate pair
    const encoder = new TextEncoder();
    const buffer = new Uint8Array(BUFFER_BYTES);
    let used = 0;
    const put = async (piece: string): Promise<void> => {
      for (let rest = piece; ;) {
        const { read, written } = encoder.encodeInto(rest, buffer.subarray(used));
        used += written;
        if (read === rest.length) return;
        await file.write(buffer, 0, used);
        used = 0;
        rest = rest.slice(read);
      }
    };
    for (const piece of text) await put(piece);
    await file.write(buffer, 0, used);
  } finally {
    await file.close();
  }
}

const BUFFER_BYTES = 1024 * 1024;

/** An object JSON.stringify writes by its own rules (a toJSON, a class) is left to it whole (its toJSON is then given "" as key). */
function isPlain(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function")
    return false;
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
