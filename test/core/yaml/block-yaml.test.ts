import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { readBlockYaml } from "../../../src/core/yaml/block-yaml.js";
import { parseYaml } from "../../../src/core/yaml/load-yaml.js";
import { modelFiles } from "../../fixtures/manifests.js";
import { random } from "../../fixtures/random.js";
import { pathsOf } from "./agreement.js";

/** When the fast reader answers, it answers as the full parser does: same value (same key order), same line for every path. */
function expectAgreement(text: string): boolean {
  const fast = readBlockYaml(text);
  if (!fast) return false;
  const full = parseYaml("x.yaml", text);
  if (!full.ok)
    throw new Error(`the fast reader accepted what the full parser refuses (${full.error.message}):\n${text}`);
  expect(fast.value, text).toStrictEqual(full.yaml.value);
  expect(JSON.stringify(fast.value), text).toBe(JSON.stringify(full.yaml.value));
  for (const path of pathsOf(full.yaml.value))
    expect(fast.lineOf(path), `${JSON.stringify(path)} in\n${text}`).toBe(full.yaml.lineOf(path));
  return true;
}

const SCALARS = [
  ...[
    "model-3",
    "1.9.0",
    "2026-11-07",
    "2026-01-01T00:00:00Z",
    "https://data.example.org/3",
    "sha256:05f2b3f4",
    "tested; mitigated",
    "a, b",
    "x y  z",
  ],
  ...[
    "a #b",
    "a#b",
    "a: b",
    "a:",
    "a:b",
    "x::",
    "1:30",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "é",
    "日本語",
    "a'b",
    'a"b',
    "<<",
    "__proto__",
    "constructor",
  ],
  ...["~", "null", "Null", "NULL", "nUll", "true", "True", "TRUE", "tRue", "false", "False", "FALSE", "fAlse"],
  ...[
    "1",
    "-1",
    "+1",
    "01",
    "0o17",
    "0o8",
    "0x1F",
    "0xG",
    "1.5",
    ".5",
    "1.",
    "1e3",
    "1.5e-3",
    "+.inf",
    "-.inf",
    ".inf",
    ".nan",
    ".NaN",
    "1_000",
    "0.1.2",
    "1e",
    ".",
    "+",
  ],
  ...[
    "'single'",
    "'it''s'",
    "''",
    '""',
    '"dq"',
    '"a\\nb"',
    '"a # b"',
    "'a: b'",
    "'a' #c",
    "'a'#c",
    '"a" # c',
    "'a' b",
    "'unclosed",
    '"unclosed',
    "'''",
    "'a''",
  ],
  ...[
    "[]",
    "{}",
    "[a]",
    "{a: 1}",
    "[ ]",
    "a]",
    "a{b",
    "&a x",
    "*a",
    "!tag x",
    "!!str 1",
    "|",
    ">",
    "|-",
    "-x",
    "- x",
    "?x",
    "? x",
    ":x",
    "%x",
    "@x",
    "`x",
  ],
  ...[
    "#",
    "x #",
    "x ",
    "-",
    "--",
    "---",
    "...",
    "a\tb",
    "a\u00a0b",
    "a\u2028b",
    "\ufeffa",
    "😀",
    "a\u0085b",
    "a\rb",
    "\\",
    "a\\b",
    "x,y",
  ],
];
const KEYS = [
  ...[
    "name",
    "version",
    "components",
    "path",
    "kind",
    "sha256",
    "a b",
    "a-b",
    "a.b",
    "a/b",
    "é",
    "toString",
    "hasOwnProperty",
    "x#y",
    "x'y",
  ],
  ...[
    "1",
    "01",
    "1a",
    "1.5",
    "true",
    "null",
    "~",
    "__proto__",
    "<<",
    "x:y",
    "x #y",
    "'q'",
    '"q"',
    "a]",
    "a,b",
    "-a",
    "?a",
    "k ",
    "k\t",
    "x".repeat(1100),
  ],
];

/** Random block YAML: mostly valid, with the corner cases the fast reader must either get right or leave to the full parser. */
function generate(next: () => number): string {
  const pick = <T>(list: ReadonlyArray<T>): T => list[Math.floor(next() * list.length)]!;
  const chance = (p: number): boolean => next() < p;
  const pad = (n: number): string => " ".repeat(n);
  const scalar = (): string =>
    (chance(0.6) ? pick(SCALARS.slice(0, 9)) : pick(SCALARS)) + (chance(0.1) ? pick([" # note", "  #x", "   "]) : "");
  const key = (): string =>
    chance(0.8) ? pick(KEYS.slice(0, 6)) + (chance(0.3) ? String(Math.floor(next() * 3)) : "") : pick(KEYS);
  // where a key's block value starts: two deeper, at the key's own indent (a sequence), or 1 to 4 deeper
  const nestedIndent = (indent: number): number => {
    if (chance(0.5)) return indent + 2;
    if (chance(0.5)) return indent;
    return indent + 1 + Math.floor(next() * 4);
  };
  const lines: string[] = [];
  const noise = (indent: number): void => {
    if (chance(0.05)) lines.push("");
    if (chance(0.05)) lines.push(`${pad(chance(0.5) ? indent : Math.floor(next() * 6))}# comment: x`);
  };
  // writes a mapping or a sequence whose first line starts with `lead` (a key, or "- " items) at `indent`
  const node = (indent: number, depth: number, lead: string | undefined): void => {
    let kind: "map" | "seq" | "scalar";
    if (depth === 0) kind = "map";
    else if (depth > 3 || chance(lead === undefined ? 0.05 : 0.4)) kind = "scalar";
    else if (chance(0.6)) kind = "map";
    else kind = "seq";
    if (kind === "scalar") {
      lines.push(`${lead ?? pad(indent)}${scalar()}`);
      return;
    }
    const count = 1 + Math.floor(next() * 4);
    for (let i = 0; i < count; i++) {
      const first = i === 0 && lead !== undefined ? lead : pad(indent);
      noise(indent);
      if (kind === "map") {
        const k = key();
        const r = next();
        if (r < 0.55) lines.push(`${first}${k}:${chance(0.9) ? " " : pick(["  ", ""])}${scalar()}`);
        else if (r < 0.65) lines.push(`${first}${k}:${pick(["", " ", " # empty"])}`);
        else {
          lines.push(`${first}${k}:${chance(0.1) ? " # block" : ""}`);
          const deeper = nestedIndent(indent);
          if (deeper === indent) seqAt(indent, depth + 1);
          else node(deeper, depth + 1, undefined);
        }
      } else {
        const gap = chance(0.85) ? 1 : 1 + Math.floor(next() * 3);
        const item = `${first}-${pad(gap)}`;
        if (chance(0.05)) lines.push(`${first}-`);
        else node(indent + 1 + gap, depth + 1, item);
      }
    }
  };
  const seqAt = (indent: number, depth: number): void => {
    const count = 1 + Math.floor(next() * 3);
    for (let i = 0; i < count; i++) node(indent + 2, depth + 1, `${pad(indent)}- `);
  };
  noise(0);
  node(0, 0, undefined);
  noise(0);
  // damage: an indentation off by one, a line lost or repeated, a tab, a CR
  if (chance(0.25) && lines.length > 1) {
    const at = Math.floor(next() * lines.length);
    const r = next();
    if (r < 0.3) lines[at] = ` ${lines[at]}`;
    else if (r < 0.5) lines[at] = lines[at]!.replace(/^ /, "");
    else if (r < 0.65) lines.splice(at, 1);
    else if (r < 0.8) lines.splice(at, 0, lines[at]!);
    else if (r < 0.9) lines[at] = lines[at]!.replace(" ", "\t");
    else lines[at] = `${lines[at]}\r`;
  }
  return lines.join("\n") + (chance(0.8) ? "\n" : "");
}

describe("readBlockYaml: the same value and lines as the full parser, or no answer", () => {
  it("reads the manifests the test fixtures and `yaml` write", () => {
    const fixture = modelFiles({
      dir: "models/fraud",
      components: { "weights/model.safetensors": { kind: "weights", lfs: "w1" } },
    });
    const texts = Object.entries(fixture.files)
      .filter(([path]) => path.endsWith(".yaml"))
      .map(([, spec]) => (typeof spec === "string" ? spec : ""));
    texts.push(
      stringify({
        name: "m",
        version: "1.0.0",
        status: "active",
        modalities: ["text", "image"],
        components: [
          {
            path: "w.safetensors",
            kind: "weights",
            sha256: "ab".repeat(32),
            verified: false,
            justification: "vendor, signed",
          },
        ],
        training_data: [],
        evaluations: [{ version: "1.0.0", threats: {}, result: "pass", date: "2026-11-20" }],
        intended_use: ["fraud scoring", "internal only: never customer-facing"],
      }),
    );
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(expectAgreement(text), text).toBe(true);
  });

  it.each([
    {
      name: "comments and blank lines anywhere",
      text: "# head\n\nname: x # trailing\n  # indented\nlist:\n# at column 0\n  - a\n\n  - b\n",
    },
    { name: "a sequence at its key's indentation", text: "a:\n- x\n- y: one\n  z: two\nb: three\n" },
    {
      name: "a sequence in a sequence item's mapping, at that mapping's indentation",
      text: "- k:\n  - a\n  - b\n- c\n",
    },
    { name: "items with wider gaps", text: "list:\n  -   a: one\n      b: two\n  -  c\n" },
    {
      name: "null, booleans and quoted scalars",
      text: "a:\nb: ~\nc: True\nd: FALSE\ne: 'it''s'\nf: \"a # b\"\ng: '' # empty\nh: []\ni: {}\n",
    },
    { name: "keys that are Object.prototype's names", text: "constructor: 1x\ntoString: y\nhasOwnProperty: z\n" },
    { name: "commas, colons and hashes inside plain scalars", text: "a: x, y\nb: http://h:80/p#f\nc: a#b\n" },
    { name: "a first key after comments (the root's line)", text: "# one\n# two\n\nname: x\n" },
  ])("agrees on $name", ({ text }) => {
    expect(expectAgreement(text)).toBe(true);
  });

  it.each([
    { name: "an empty file", text: "" },
    { name: "a document marker", text: "---\na: 1\n" },
    { name: "a number", text: "a: 1\n" },
    { name: "a float", text: "a: 1.5\n" },
    { name: "a flow sequence", text: "a: [x, y]\n" },
    { name: "a block scalar", text: "a: |\n  text\n" },
    { name: "a multi-line plain scalar", text: "a: one\n  two\n" },
    { name: "a multi-line plain scalar on the next line", text: "a:\n  one\n" },
    { name: "an escape", text: 'a: "x\\ny"\n' },
    { name: "an unclosed quote", text: "a: 'x\n  y'\n" },
    { name: "an anchor and an alias", text: "a: &x y\nb: *x\n" },
    { name: "a tag", text: "a: !!str x\n" },
    { name: "a duplicate key", text: "a: x\na: y\n" },
    { name: "a key that reads as a number", text: "1: x\n" },
    { name: "a key that reads as a boolean", text: "true: x\n" },
    { name: "a merge key", text: "<<: x\n" },
    { name: "a __proto__ key", text: "__proto__: x\n" },
    { name: "a quoted key", text: "'a': x\n" },
    { name: "a nested mapping on one line", text: "a: b: c\n" },
    { name: "a tab", text: "a:\tx\n" },
    { name: "CRLF line ends", text: "a: x\r\nb: y\r\n" },
    { name: "a byte-order mark", text: "\ufeffa: x\n" },
    { name: "a misaligned key", text: "a:\n  b: x\n   c: y\n" },
    { name: "a key indented less than its siblings", text: "a:\n    b: x\n  c: y\n" },
    { name: "a root that is indented", text: "  a: x\n" },
    { name: "an empty sequence item", text: "- \n- x\n" },
    { name: "a sequence item that is a sequence", text: "- - x\n" },
    { name: "a sequence where a key is due", text: "a: x\n- y\n" },
    { name: "a scalar document", text: "just text\n" },
  ])("leaves $name to the full parser", ({ text }) => {
    expect(readBlockYaml(text)).toBeUndefined();
  });

  // BLOCK_YAML_DOCUMENTS=200000 BLOCK_YAML_SEED=n for a longer search
  const DOCUMENTS = Number(process.env["BLOCK_YAML_DOCUMENTS"] ?? 3000);
  it(`agrees on ${DOCUMENTS} random documents, and answers for many of the valid ones`, () => {
    const next = random(Number(process.env["BLOCK_YAML_SEED"] ?? 20261201));
    let answered = 0;
    let valid = 0;
    for (let i = 0; i < DOCUMENTS; i++) {
      const text = generate(next);
      if (parseYaml("x.yaml", text).ok) valid++;
      if (expectAgreement(text)) answered++;
    }
    if (process.env["BLOCK_YAML_STATS"]) console.log({ documents: DOCUMENTS, valid, answered });
    expect(valid).toBeGreaterThan(DOCUMENTS * 0.3);
    expect(answered).toBeGreaterThan(valid / 3);
  });
});
