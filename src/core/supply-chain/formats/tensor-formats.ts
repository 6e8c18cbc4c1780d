import { startsWith, uintAt, type ByteSource } from "./byte-source.js";

/** The formats that hold data and no code, checked for what a loader trusts (docs/supply-chain.md). */

/** safetensors refuses headers above 100 MB; so does modelgate. */
const SAFETENSORS_MAX_HEADER = 100_000_000;
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  F4: 0.5,
  F6_E2M3: 0.75,
  F6_E3M2: 0.75,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
  C64: 8,
};

/** Whether the first bytes could be a safetensors header: a length, then `{`. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const length = uintAt(head, 0, 8);
  return length > 0 && length + 8 <= size;
}

/** The problems of a safetensors file's header (empty: valid), reading only the header. */
export function checkSafetensors(source: ByteSource): { problems: string[]; tensors: number } {
  const length = uintAt(source.read(0, 8), 0, 8);
  if (length > SAFETENSORS_MAX_HEADER)
    return { problems: [`a header of ${length} bytes (at most 100 MB)`], tensors: 0 };
  if (8 + length > source.size) return { problems: ["the header runs past the end of the file"], tensors: 0 };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(source.read(8, length)));
  } catch {
    return { problems: ["the header is not valid UTF-8 JSON"], tensors: 0 };
  }
  if (header === null || typeof header !== "object" || Array.isArray(header))
    return { problems: ["the header is not a JSON object"], tensors: 0 };
  const dataSize = source.size - 8 - length;
  const problems: string[] = [];
  const ranges: Array<{ begin: number; end: number; name: string }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      const ok =
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === "string");
      if (!ok) problems.push("__metadata__ is not a map of strings");
      continue;
    }
    const problem = tensorProblem(value, dataSize);
    if (typeof problem === "string") problems.push(`tensor ${JSON.stringify(name)}: ${problem}`);
    else ranges.push({ ...problem, name });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const range of ranges) {
    if (range.begin < expected) problems.push(`tensor ${JSON.stringify(range.name)} overlaps another`);
    else if (range.begin > expected) problems.push(`a gap before tensor ${JSON.stringify(range.name)}`);
    expected = Math.max(expected, range.end);
  }
  if (problems.length === 0 && expected !== dataSize)
    problems.push(`the tensors cover ${expected} of the ${dataSize} data bytes`);
  return { problems, tensors: ranges.length };
}

function tensorProblem(value: unknown, dataSize: number): string | { begin: number; end: number } {
  if (value === null || typeof value !== "object") return "not an object";
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, dtype)) return `unknown dtype ${JSON.stringify(dtype)}`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
    return "a shape that is not a list of sizes";
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  )
    return "data_offsets that are not two offsets";
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataSize) return `data_offsets [${begin}, ${end}] outside the ${dataSize} data bytes`;
  const elements = (shape as number[]).reduce((product, d) => product * d, 1);
  if (elements * (DTYPE_BYTES[dtype] ?? 0) !== end - begin)
    return `${end - begin} bytes for a ${dtype} tensor of shape [${(shape as number[]).join(", ")}]`;
  return { begin, end };
}

const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46];

export function looksLikeGguf(head: Uint8Array): boolean {
  return startsWith(head, GGUF_MAGIC);
}

export function checkGguf(source: ByteSource): string[] {
  const header = source.read(0, 24);
  if (header.length < 24) return ["the header is cut short"];
  const version = uintAt(header, 4, 4);
  if (version < 1 || version > 3) return [`unknown GGUF version ${version}`];
  const tensors = uintAt(header, 8, 8);
  const keys = uintAt(header, 16, 8);
  // each tensor info and metadata pair takes bytes: counts beyond the file's size are lies a loader would act on
  if (tensors > source.size || keys > source.size)
    return [`counts (${tensors} tensors, ${keys} keys) larger than the file`];
  return [];
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function looksLikeNpy(head: Uint8Array): boolean {
  return startsWith(head, NPY_MAGIC);
}

/** A numpy array file: its header, and where an object array's pickle starts. */
export function readNpy(source: ByteSource): { problem?: string; objectPickleAt?: number; descr?: string } {
  const head = source.read(0, 12);
  const major = head[6];
  if (major !== 1 && major !== 2 && major !== 3) return { problem: `unknown .npy version ${major}` };
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = uintAt(head, 8, lengthBytes);
  const headerStart = 8 + lengthBytes;
  if (headerLength > 1024 * 1024 || headerStart + headerLength > source.size)
    return { problem: "the header runs past the end of the file" };
  const header = new TextDecoder("latin1").decode(source.read(headerStart, headerLength));
  const descr = /'descr'\s*:\s*('[^']*'|\[.*\])\s*,/s.exec(header)?.[1];
  if (descr === undefined) return { problem: "a header without a dtype ('descr')" };
  // an object dtype anywhere (alone or in a structured dtype) makes numpy pickle the array's data
  const isObject = /'[|<>=]?O\d*'/.test(descr);
  return isObject ? { objectPickleAt: headerStart + headerLength, descr } : { descr };
}
