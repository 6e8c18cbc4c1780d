import { inflateRawSync } from "node:zlib";
import { bufferSource, sliceSource, startsWith, type ByteSource } from "./byte-source.js";
import { walkPickles, type PickleStream } from "./pickle.js";
import { endsLikeZip, isZip, readZip, type ZipEntry } from "./zip.js";
import {
  checkGguf,
  checkSafetensors,
  looksLikeGguf,
  looksLikeNpy,
  looksLikeSafetensors,
  readNpy,
} from "./tensor-formats.js";
import { looksLikeOnnx, readOnnx } from "./onnx.js";

/**
 * What a file is, by its bytes (docs/supply-chain.md "Unsafe serialisation"), and why it is not
 * safe to load. Names never decide: a pickle called `.safetensors` is a pickle.
 */
export interface FormatScan {
  /** e.g. "safetensors", "PyTorch zip", "pickle (protocol 2)", "other". */
  format: string;
  /** Empty when safe to load: each names the member it came from, if any. */
  unsafe: Finding[];
  /** Facts shown with the result (custom ONNX domains, members read). */
  notes: string[];
  /** ONNX external-data locations, judged against the model's folder by the requirement. */
  externalData: string[];
}

export interface Finding {
  member?: string;
  message: string;
  /** Imports outside the allowlist, when the finding is a pickle's. */
  imports?: string[];
}

export const SCAN_LIMITS = {
  /** Zips inside zips followed. */
  zipDepth: 3,
  /** Largest compressed member inflated to classify it. */
  inflatedMember: 256 * 1024 * 1024,
  /** All members of one zip inflated together. */
  inflatedTotal: 1024 * 1024 * 1024,
  /** Uncompressed / compressed beyond which a large member is a zip bomb. */
  ratio: 1000,
  /** A Keras config read to find Lambda layers. */
  kerasConfig: 16 * 1024 * 1024,
};

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const NO_PICKLE: PickleStream = { isPickle: false, legacyTorch: false, walks: [] };
const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function scanFormat(source: ByteSource): FormatScan {
  return scanAt(source, 0);
}

function scanAt(source: ByteSource, depth: number): FormatScan {
  const head = source.read(0, 64);
  // bytes a pickle loader would run, whatever else they are (a polyglot of safetensors and a pickle). A file
  // starting with a zip header is no pickle to any loader: its first opcode (PERSID) stops a plain unpickler,
  // and torch.load, which has a persistent loader, opens it as a zip.
  const pickles = startsWith(head, ZIP_LOCAL_HEADER) ? NO_PICKLE : walkPickles(source);
  const scan = classify(source, head, depth, pickles);
  if (scan.format.startsWith("pickle") || scan.format.startsWith("PyTorch legacy")) return scan;
  const imported = [...new Set(pickles.walks.flatMap((w) => w.imports))];
  if (imported.length > 0)
    scan.unsafe.push({
      message: `its first bytes also load as a pickle importing ${imported.join(", ")}`,
      imports: imported,
    });
  return scan;
}

function classify(source: ByteSource, head: Uint8Array, depth: number, pickles: PickleStream): FormatScan {
  if (isZip(head)) return scanZip(source, depth);
  // a pickle with a zip appended is a pickle first (below: the imports at byte 0 are judged anyway)
  // (only at the top: a zip member is opened by its name's loader, which looks at its first bytes)
  if (depth === 0 && !pickles.isPickle && endsLikeZip(source)) return scanZip(source, depth);
  if (looksLikeGguf(head))
    return result(
      "GGUF",
      checkGguf(source).map((message) => ({ message })),
    );
  if (looksLikeNpy(head)) return scanNpy(source);
  if (startsWith(head, HDF5)) return result("HDF5", [], ["HDF5 holds data; modelgate does not read inside it"]);
  if (looksLikeSafetensors(head, source.size)) {
    const checked = checkSafetensors(source);
    return result(
      "safetensors",
      checked.problems.map((message) => ({ message: `invalid safetensors: ${message}` })),
      [`${checked.tensors} tensors`],
    );
  }
  if (pickles.isPickle) return pickleScan(pickles);
  if (looksLikeOnnx(head)) {
    const onnx = readOnnx(source);
    if (onnx.facts) {
      const notes =
        onnx.facts.customDomains.length > 0 ? [`custom operator domains: ${onnx.facts.customDomains.join(", ")}`] : [];
      return { format: "ONNX", unsafe: [], notes, externalData: onnx.facts.externalLocations };
    }
  }
  return result("other", []);
}

function result(format: string, unsafe: Finding[], notes: string[] = []): FormatScan {
  return { format, unsafe, notes, externalData: [] };
}

function pickleScan(stream: PickleStream): FormatScan {
  const unsafe: Finding[] = [];
  for (const walk of stream.walks) {
    if (walk.disallowed.length > 0)
      unsafe.push({
        message: `imports ${walk.disallowed.join(", ")} (not on the weights_only allowlist)`,
        imports: walk.disallowed,
      });
    for (const problem of walk.problems) unsafe.push({ message: `pickle ${problem}` });
  }
  const protocol = stream.walks[0]?.protocol ?? 0;
  const format = stream.legacyTorch ? "PyTorch legacy (pickles)" : `pickle (protocol ${protocol})`;
  const count = stream.walks.length;
  return result(format, unsafe, count > 1 ? [`${count} pickles in a row`] : []);
}

function scanNpy(source: ByteSource): FormatScan {
  const npy = readNpy(source);
  if (npy.problem) return result("numpy .npy", [{ message: `invalid .npy: ${npy.problem}` }]);
  if (npy.objectPickleAt === undefined) return result("numpy .npy", []);
  const data = sliceSource(source, npy.objectPickleAt, source.size);
  const pickled = pickleScan(walkPickles(data));
  const unsafe: Finding[] = [
    { message: `an object array (dtype ${npy.descr ?? "O"}): its data is a pickle` },
    ...pickled.unsafe,
  ];
  return result("numpy .npy (object array)", unsafe);
}

function scanZip(source: ByteSource, depth: number): FormatScan {
  const zip = readZip(source);
  if (!zip.ok) return result("zip", [{ message: `a zip that cannot be read cleanly: ${zip.problem}` }]);
  const unsafe: Finding[] = [];
  const externalData: string[] = [];
  const notes: string[] = [];
  let inflated = 0;
  for (const entry of zip.entries) {
    if (entry.name.endsWith("/") && entry.size === 0) continue;
    const member = memberSource(source, entry, inflated);
    if ("problem" in member) {
      unsafe.push({ member: entry.name, message: member.problem });
      continue;
    }
    inflated += member.inflated;
    if (inflated > SCAN_LIMITS.inflatedTotal) {
      unsafe.push({
        member: entry.name,
        message: `the members inflate to more than ${SCAN_LIMITS.inflatedTotal} bytes (a zip bomb)`,
      });
      break;
    }
    const head = member.source.read(0, 4);
    let scan: FormatScan;
    if (isZip(head) && depth + 1 >= SCAN_LIMITS.zipDepth)
      scan = result("zip", [{ message: `zips nested deeper than ${SCAN_LIMITS.zipDepth}` }]);
    else scan = scanAt(member.source, depth + 1);
    for (const finding of scan.unsafe)
      unsafe.push({ ...finding, member: finding.member ? `${entry.name}/${finding.member}` : entry.name });
    externalData.push(...scan.externalData);
    if (scan.format !== "other" && notes.length < 20) notes.push(`${entry.name}: ${scan.format}`);
  }
  unsafe.push(...kerasLambda(source, zip.entries));
  return { format: zipKind(zip.entries), unsafe, notes, externalData };
}

function memberSource(
  source: ByteSource,
  entry: ZipEntry,
  inflatedSoFar: number,
): { source: ByteSource; inflated: number } | { problem: string } {
  if (entry.method === 0)
    return { source: sliceSource(source, entry.dataStart, entry.dataStart + entry.size), inflated: 0 };
  if (entry.size > SCAN_LIMITS.inflatedMember)
    return { problem: `a compressed member of ${entry.size} bytes, too large to inspect` };
  if (entry.size > 1024 * 1024 && entry.size > entry.compressedSize * SCAN_LIMITS.ratio)
    return {
      problem: `a member that inflates ${Math.round(entry.size / Math.max(1, entry.compressedSize))} times (a zip bomb)`,
    };
  if (inflatedSoFar + entry.size > SCAN_LIMITS.inflatedTotal)
    return { problem: `the members inflate to more than ${SCAN_LIMITS.inflatedTotal} bytes (a zip bomb)` };
  const compressed = source.read(entry.dataStart, entry.compressedSize);
  let bytes: Uint8Array;
  try {
    bytes = inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.size) });
  } catch {
    return { problem: "a compressed member that does not inflate to its declared size" };
  }
  if (bytes.length !== entry.size) return { problem: "a compressed member that does not inflate to its declared size" };
  return { source: bufferSource(bytes), inflated: bytes.length };
}

function zipKind(entries: ReadonlyArray<ZipEntry>): string {
  const names = entries.map((e) => e.name);
  if (names.some((n) => n === "data.pkl" || n.endsWith("/data.pkl"))) return "PyTorch zip";
  if (names.includes("config.json") && names.includes("metadata.json")) return "Keras";
  if (names.length > 0 && names.every((n) => n.endsWith(".npy"))) return "numpy .npz";
  return "zip";
}

/** A Keras Lambda layer carries Python bytecode that runs when the model loads (outside safe_mode). */
function kerasLambda(source: ByteSource, entries: ReadonlyArray<ZipEntry>): Finding[] {
  const config = entries.find((e) => e.name === "config.json");
  if (!config || config.size > SCAN_LIMITS.kerasConfig) return [];
  const member = memberSource(source, config, 0);
  if ("problem" in member) return [];
  const text = new TextDecoder("utf-8").decode(member.source.read(0, config.size));
  return /"class_name"\s*:\s*"Lambda"/.test(text)
    ? [{ member: "config.json", message: "a Keras Lambda layer (Python code run when the model loads)" }]
    : [];
}
