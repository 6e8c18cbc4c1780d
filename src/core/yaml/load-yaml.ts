import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from "yaml";
import { readBlockYaml } from "./block-yaml.js";

/** Hostile-input limits for every YAML file modelgate reads (docs/architecture.md "Hostile input"). */
export interface YamlLimits {
  maxBytes: number;
  maxAliases: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxAliases: 100 };

/** A problem a user must fix, located in a file. Lines are 1-based. */
export interface FileError {
  path: string;
  line: number;
  message: string;
}

export type YamlPath = ReadonlyArray<string | number>;

export interface ParsedYaml {
  value: unknown;
  /** Line of the node at `path`, or of its nearest existing ancestor (1 when nothing matches). */
  lineOf(path: YamlPath): number;
}

export type YamlResult = { ok: true; yaml: ParsedYaml } | { ok: false; error: FileError };

/**
 * Parses untrusted YAML: size and alias limits, YAML 1.2 core schema (dates stay
 * strings, no custom tags), duplicate keys rejected, errors with a line number.
 * Plain block YAML (most manifests) is read by a fast reader that gives the same result
 * (block-yaml.ts); everything else, and every error, comes from the full parser.
 */
export function loadYaml(path: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): YamlResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes) {
    return {
      ok: false,
      error: { path, line: 1, message: `file is ${bytes} bytes, larger than the limit of ${limits.maxBytes} bytes` },
    };
  }
  const fast = readBlockYaml(text);
  if (fast) return { ok: true, yaml: fast };
  return parseYaml(path, text, limits);
}

/** The full parser (the `yaml` package), without the fast reader: what readBlockYaml must agree with. */
export function parseYaml(path: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): YamlResult {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, schema: "core", uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (err) {
    return { ok: false, error: { path, line: 1, message: `YAML could not be parsed: ${(err as Error).message}` } };
  }
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? lineCounter.linePos(problem.pos[0]).line;
    return { ok: false, error: { path, line, message: `invalid YAML: ${firstLine(problem.message)}` } };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (err) {
    return { ok: false, error: { path, line: 1, message: `YAML rejected: ${firstLine((err as Error).message)}` } };
  }
  const lineOf = (target: YamlPath): number => {
    for (let depth = target.length; depth >= 0; depth--) {
      if (depth > 0) {
        // a mapping entry is located at its key: a block value starts on the next line, a null value has no node
        const parent = doc.getIn(target.slice(0, depth - 1) as unknown[], true);
        const key = target[depth - 1];
        const pair = isMap(parent)
          ? parent.items.find((item) => isScalar(item.key) && item.key.value === key)
          : undefined;
        if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
      }
      const node = doc.getIn(target.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return 1;
  };
  return { ok: true, yaml: { value, lineOf } };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
