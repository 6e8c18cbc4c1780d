import type { ParsedYaml, YamlPath } from "./load-yaml.js";

/**
 * A fast reader for the block YAML that manifests and policies are almost always written in
 * (docs/architecture.md "Hostile input"): block mappings and sequences of one-line scalars.
 * It gives exactly what the full parser gives (the same value, the same lineOf) or nothing:
 * anything outside that subset — flow collections, block scalars, multi-line scalars, anchors,
 * tags, numbers, escapes, tabs, CR, any other white space or invisible character, duplicate keys,
 * irregular indentation — is left to the full parser, which also owns every error message.
 */
export function readBlockYaml(text: string): ParsedYaml | undefined {
  if (UNUSUAL_CHARACTER.test(text)) return undefined;
  try {
    return new BlockReader(text).read();
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}

/**
 * What the reader leaves to the full parser: anything but LF, printable ASCII and visible characters of the BMP.
 * JavaScript's trim() and \s strip or match Unicode white space that YAML 1.2 keeps as text ("pass\u3000" is not
 * "pass"), and CR, NEL, U+2028 and U+2029 end lines for some readers and not for others: so no white space but the
 * space, no line break but LF, no tab, no control, no invisible format character (BOM, zero widths, bidi controls),
 * no surrogate (lone or paired) and no noncharacter ever reaches a string function here (docs/architecture.md,
 * "Two YAML readers, one answer").
 */
const UNUSUAL_CHARACTER =
  /[\0-\x09\x0b-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\p{Cf}\p{Cs}\p{Noncharacter_Code_Point}\u{10000}-\u{10ffff}]/u;
/** Characters that start something other than a plain scalar (or may: "-x" and "?x" are left to the full parser). */
const INDICATORS = new Set("-?:,[]{}#&*!|>'\"%@`");
const FLOW_CHARACTERS = /[[\]{},]/;
const BRACKETS = /[[\]{}]/;
// the YAML 1.2 core schema's plain scalars that are not strings
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOLEAN = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const NUMBERS = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
const MAX_KEY_LENGTH = 1000;
const UNSUPPORTED = Symbol("unsupported");

function unsupported(): never {
  throw UNSUPPORTED;
}

/**
 * Where a node starts (1-based line), and its children: what lineOf needs, nothing more, kept
 * small (every version of every manifest holds one): a scalar is its line.
 */
type Located = number | LocatedMapping | LocatedSequence;

class LocatedMapping {
  /** key, line of the key, value: three slots per entry, in the file's order */
  readonly entries: Array<string | number | Located> = [];
  constructor(readonly line: number) {}
}

class LocatedSequence {
  readonly items: Located[] = [];
  constructor(readonly line: number) {}
}

interface Line {
  indent: number;
  /** Without its indentation and trailing spaces. */
  text: string;
  line: number;
}

const isSequenceItem = (text: string): boolean => text === "-" || text.startsWith("- ");

class BlockReader {
  private readonly lines: Line[] = [];
  private at = 0;
  /** Where the node read last is. */
  private located: Located = 0;

  constructor(text: string) {
    const raw = text.split("\n");
    for (let i = 0; i < raw.length; i++) {
      const line = raw[i]!;
      let indent = 0;
      while (line.charCodeAt(indent) === 0x20) indent++;
      let end = line.length;
      while (end > indent && line.charCodeAt(end - 1) === 0x20) end--;
      // blank and comment-only lines belong to no node
      if (end === indent || line.charCodeAt(indent) === 0x23) continue;
      this.lines.push({ indent, text: line.slice(indent, end), line: i + 1 });
    }
  }

  read(): ParsedYaml {
    const first = this.lines[0];
    if (!first || first.indent !== 0) unsupported();
    const value = this.block(0);
    const root = this.located;
    if (this.at !== this.lines.length) unsupported();
    return { value, lineOf: (path) => lineOf(root, path) };
  }

  private block(indent: number): unknown {
    return isSequenceItem(this.lines[this.at]!.text) ? this.sequence(indent) : this.mapping(indent);
  }

  /** A deeper line after a node that cannot hold one: a continuation or an error, both for the full parser. */
  private assertNoDeeperLine(indent: number): void {
    const next = this.lines[this.at];
    if (next && next.indent > indent) unsupported();
  }

  private sequence(indent: number): unknown[] {
    const values: unknown[] = [];
    const node = new LocatedSequence(this.lines[this.at]!.line);
    for (let l = this.lines[this.at]; l && l.indent === indent && isSequenceItem(l.text); l = this.lines[this.at]) {
      if (l.text === "-") unsupported();
      let offset = 2;
      while (l.text.charCodeAt(offset) === 0x20) offset++;
      const rest = l.text.slice(offset);
      if (keyEnd(rest) > 0) {
        // "- key: value": a mapping whose keys line up with this first one
        this.lines[this.at] = { indent: indent + offset, text: rest, line: l.line };
        values.push(this.mapping(indent + offset));
        node.items.push(this.located);
      } else {
        const value = scalar(rest);
        this.at++;
        this.assertNoDeeperLine(indent);
        values.push(value);
        node.items.push(locatedScalar(value, l.line));
      }
    }
    this.assertNoDeeperLine(indent);
    this.located = node;
    return values;
  }

  private mapping(indent: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    const node = new LocatedMapping(this.lines[this.at]!.line);
    for (let l = this.lines[this.at]; l && l.indent === indent; l = this.lines[this.at]) {
      const end = keyEnd(l.text);
      if (end <= 0) unsupported();
      const key = l.text.slice(0, end);
      checkKey(key);
      if (Object.hasOwn(value, key)) unsupported();
      let start = end + 1;
      while (l.text.charCodeAt(start) === 0x20) start++;
      const rest = l.text.slice(start);
      this.at++;
      let child: unknown;
      let located: Located;
      if (rest === "" || rest.startsWith("#")) {
        const next = this.lines[this.at];
        if (next && next.indent > indent) {
          child = this.block(next.indent);
          located = this.located;
        } else if (next && next.indent === indent && isSequenceItem(next.text)) {
          // a sequence may sit at the indentation of its key
          child = this.sequence(indent);
          located = this.located;
        } else {
          child = null;
          located = l.line;
        }
      } else {
        child = scalar(rest);
        located = locatedScalar(child, l.line);
        this.assertNoDeeperLine(indent);
      }
      value[key] = child;
      node.entries.push(key, l.line, located);
    }
    this.assertNoDeeperLine(indent);
    this.located = node;
    return value;
  }
}

/** A scalar is its line; the empty flow collections are collections. */
function locatedScalar(value: unknown, line: number): Located {
  if (Array.isArray(value)) return new LocatedSequence(line);
  return value !== null && typeof value === "object" ? new LocatedMapping(line) : line;
}

/** Where the ":" ending an implicit key is (-1: the line is no key: value pair). */
function keyEnd(text: string): number {
  // a quoted key is left to the full parser; a quoted scalar is no key
  if (text.startsWith("'") || text.startsWith('"')) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a && (i + 1 === text.length || text.charCodeAt(i + 1) === 0x20)) return i;
    if (c === 0x23 && i > 0 && text.charCodeAt(i - 1) === 0x20) return -1;
  }
  return -1;
}

function checkKey(key: string): void {
  if (INDICATORS.has(key[0]!) || key.endsWith(" ") || key.length > MAX_KEY_LENGTH || FLOW_CHARACTERS.test(key))
    unsupported();
  // "<<" merges and "__proto__" is set specially by the full parser; a key that reads as null, a boolean or a number is not a string
  if (key === "<<" || key === "__proto__" || typeof plain(key) !== "string") unsupported();
}

/** A one-line scalar: plain, quoted (single, or double without escapes), or an empty flow collection. */
function scalar(text: string): unknown {
  const first = text[0]!;
  if (first === "'" || first === '"') return quoted(text);
  if (text === "[]") return [];
  if (text === "{}") return {};
  if (INDICATORS.has(first)) unsupported();
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a && (i + 1 === text.length || text.charCodeAt(i + 1) === 0x20)) unsupported();
    if (c === 0x20 && text.charCodeAt(i + 1) === 0x23) {
      end = i;
      break;
    }
  }
  // YAML's white space is the space and the tab (declined): trimEnd() would also strip U+3000 and the like
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  const source = text.slice(0, end);
  // a comma is text in a block scalar; brackets are left to the full parser
  if (BRACKETS.test(source)) unsupported();
  return plain(source);
}

function plain(source: string): unknown {
  if (NULL.test(source)) return null;
  if (BOOLEAN.test(source)) return source[0] === "t" || source[0] === "T";
  const c = source.charCodeAt(0);
  if (((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e) && NUMBERS.some((n) => n.test(source))) unsupported();
  return source;
}

function quoted(text: string): string {
  const quote = text[0]!;
  let value = "";
  let i = 1;
  for (;;) {
    const close = text.indexOf(quote, i);
    // a quoted scalar that goes on to the next line
    if (close === -1) unsupported();
    value += text.slice(i, close);
    if (quote === "'" && text[close + 1] === "'") {
      value += "'";
      i = close + 2;
      continue;
    }
    i = close + 1;
    break;
  }
  if (quote === '"' && value.includes("\\")) unsupported();
  const tail = text.slice(i);
  if (tail !== "" && !/^ +#/.test(tail)) unsupported();
  return value;
}

/** The full parser's lineOf (load-yaml.ts) on the located nodes: a mapping entry is located at its key. */
function lineOf(root: Located, target: YamlPath): number {
  const nodeAt = (depth: number): Located | undefined => {
    let node: Located | undefined = root;
    for (let i = 0; i < depth && node !== undefined; i++) node = child(node, target[i]!);
    return node;
  };
  for (let depth = target.length; depth >= 0; depth--) {
    if (depth > 0) {
      const key = target[depth - 1]!;
      const parent = typeof key === "string" ? nodeAt(depth - 1) : undefined;
      if (parent instanceof LocatedMapping) {
        const entries = parent.entries;
        for (let i = 0; i < entries.length; i += 3) if (entries[i] === key) return entries[i + 1] as number;
      }
    }
    const node = nodeAt(depth);
    if (node !== undefined) return typeof node === "number" ? node : node.line;
  }
  return 1;
}

function child(node: Located, key: string | number): Located | undefined {
  if (node instanceof LocatedMapping) {
    if (typeof key !== "string") return undefined;
    const entries = node.entries;
    for (let i = 0; i < entries.length; i += 3) if (entries[i] === key) return entries[i + 2] as Located;
    return undefined;
  }
  if (!(node instanceof LocatedSequence)) return undefined;
  // the full parser's sequence index: a non-negative integer, or a string of one
  const index = typeof key === "string" && key !== "" ? Number(key) : key;
  return typeof index === "number" && Number.isInteger(index) && index >= 0 ? node.items[index] : undefined;
}
