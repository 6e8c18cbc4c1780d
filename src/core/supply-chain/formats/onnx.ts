import type { ByteSource } from "./byte-source.js";

/**
 * An ONNX model read as protobuf (onnx.proto), only as deep as the two facts modelgate needs: where
 * tensors keep their external data (`external_data` `location`), and which operator domains the
 * model uses. Tensor bytes (raw_data) are skipped, never read.
 */
export interface OnnxFacts {
  externalLocations: string[];
  /** Domains of opset_import and of nodes that are not ONNX's own. */
  customDomains: string[];
}

export const ONNX_LIMITS = { depth: 64, fields: 5_000_000, messageBytes: 16 * 1024 * 1024 };

const STANDARD_DOMAINS = new Set(["", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training"]);

class ProtoProblem extends Error {}

type Kind =
  "model" | "graph" | "node" | "attribute" | "tensor" | "sparse" | "opset" | "entry" | "function" | "training";

/** The sub-messages to enter, per message kind and field number. */
const CHILDREN: Record<Kind, Record<number, Kind>> = {
  model: { 7: "graph", 8: "opset", 20: "training", 25: "function" },
  graph: { 1: "node", 5: "tensor", 15: "sparse" },
  node: { 5: "attribute" },
  attribute: { 5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse" },
  tensor: { 13: "entry" },
  sparse: { 1: "tensor", 2: "tensor" },
  opset: {},
  entry: {},
  function: { 7: "node", 9: "opset" },
  training: { 1: "graph", 2: "graph" },
};
/** The string fields read, per kind: [field, what]. */
const STRINGS: Partial<Record<Kind, Record<number, string>>> = {
  node: { 7: "domain" },
  opset: { 1: "domain" },
  function: { 10: "domain" },
  entry: { 1: "key", 2: "value" },
};

/** The first byte of a ModelProto is one of its field tags; ONNX writers start with ir_version (0x08). */
export function looksLikeOnnx(head: Uint8Array): boolean {
  return head[0] === 0x08;
}

/** Reads the facts, or why the bytes are not a well-formed ModelProto (then not ONNX). */
export function readOnnx(source: ByteSource): { facts?: OnnxFacts; problem?: string } {
  const facts: OnnxFacts = { externalLocations: [], customDomains: [] };
  const domains = new Set<string>();
  let fields = 0;
  let sawGraph = false;

  const varint = (bytes: Uint8Array, at: { pos: number }): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = bytes[at.pos++];
      if (b === undefined) throw new ProtoProblem("a varint cut short");
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new ProtoProblem("a varint longer than 10 bytes");
  };

  const walk = (kind: Kind, start: number, end: number, depth: number): void => {
    if (depth > ONNX_LIMITS.depth) throw new ProtoProblem(`messages nested deeper than ${ONNX_LIMITS.depth}`);
    // a message's own fields are read in windows; large byte fields (raw_data) are skipped by offset
    let pos = start;
    const entry: Record<string, string> = {};
    while (pos < end) {
      if (++fields > ONNX_LIMITS.fields) throw new ProtoProblem(`more than ${ONNX_LIMITS.fields} fields`);
      const window = source.read(pos, Math.min(20, end - pos));
      const at = { pos: 0 };
      const tag = varint(window, at);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new ProtoProblem("field number 0");
      let valueStart = pos + at.pos;
      if (wire === 0) {
        varint(window, at);
        pos += at.pos;
        continue;
      }
      if (wire === 1 || wire === 5) {
        pos = valueStart + (wire === 1 ? 8 : 4);
        if (pos > end) throw new ProtoProblem("a fixed field past its message");
        continue;
      }
      if (wire !== 2) throw new ProtoProblem(`wire type ${wire}`);
      const length = varint(window, at);
      valueStart = pos + at.pos;
      const valueEnd = valueStart + length;
      if (valueEnd > end) throw new ProtoProblem("a field past its message");
      if (kind === "model" && field === 7) sawGraph = true;
      const child = CHILDREN[kind][field];
      const stringName = STRINGS[kind]?.[field];
      if (child) walk(child, valueStart, valueEnd, depth + 1);
      else if (stringName) {
        if (length > ONNX_LIMITS.messageBytes) throw new ProtoProblem("a name longer than 16 MiB");
        const text = new TextDecoder("utf-8").decode(source.read(valueStart, length));
        if (stringName === "domain") domains.add(text);
        else entry[stringName] = text;
      }
      pos = valueEnd;
    }
    if (kind === "entry" && entry["key"] === "location" && entry["value"] !== undefined)
      facts.externalLocations.push(entry["value"]);
  };

  try {
    walk("model", 0, source.size, 0);
  } catch (error) {
    if (error instanceof ProtoProblem) return { problem: error.message };
    throw error;
  }
  if (!sawGraph) return { problem: "no graph" };
  facts.customDomains = [...domains].filter((d) => !STANDARD_DOMAINS.has(d)).sort();
  return { facts };
}
