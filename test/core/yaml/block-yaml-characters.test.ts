import { describe, expect, it } from "vitest";
import { readBlockYaml } from "../../../src/core/yaml/block-yaml.js";
import { parseYaml } from "../../../src/core/yaml/load-yaml.js";
import { random } from "../../fixtures/random.js";
import { expectSameAsFullParser } from "./agreement.js";

// The fast reader must not read a character the way some JavaScript string function does (trim, \s, split on
// line terminators, case mapping, normalization) where YAML 1.2 reads it otherwise: its answer is the full
// parser's, or none (docs/architecture.md "Hostile input").

/** Unicode White_Space: what trim() and \s strip or match; YAML 1.2's white space is only the space and the tab. */
const WHITE_SPACE = [
  ...[0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680],
  ...[0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a],
  ...[0x2028, 0x2029, 0x202f, 0x205f, 0x3000],
].map((code) => String.fromCharCode(code));
/** Characters some other JavaScript function, or some reader of the file, treats specially. */
const OTHER_SPECIAL = [
  ...["\ufeff", "\u180e", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u200e", "\u200f", "\u202e", "\u2066"],
  // lone surrogates, astral characters (a surrogate pair), a tag character
  ...["\ud800", "\udbff", "\udc00", "\udfff", "\u{1f600}", "\u{10ffff}", "\u{e0020}"],
  // NUL, backspace, ESC, DEL, C1 controls, noncharacters, the replacement character
  ...["\0", "\b", "\x1b", "\x7f", "\x80", "\x9f", "\ufffe", "\uffff", "\ufffd", "\ufdd0"],
  // combining marks, and what toLowerCase / normalize change
  ...["\u0301", "\u20dd", "\u0130", "\u212a", "\u212b", "\u00df", "\ufb01", "\u03a3", "\u1e9e"],
];
const SPECIAL = [...WHITE_SPACE, ...OTHER_SPECIAL];

const HEX = "0123456789abcdef".repeat(4);
/** Plain values as manifests hold them (docs/configuration.md, The manifest). */
const VALUES = [
  ...["fraud-detector", "1.1.0", "2.0.0-rc.1", "active", "decommissioned", "text", "image", "weights", "prompt"],
  ...["weights/model.safetensors", "prompts/system.txt", HEX, `sha256:${HEX}`, "pass", "fail", "octocat"],
  ...["2026-11-20", "2026-10-01T00:00:00Z", "tested with shadow models", "fraud scoring", "https://example.org/d"],
  ...["pkg:huggingface/org/base@0123abc", "vendor, signed", "true", "~", "a #b", "日本語", "é"],
];

/** A manifest-shaped document, special characters at the start, middle and end of keys and values, CR line ends. */
function generate(next: () => number): string {
  const pick = <T>(list: ReadonlyArray<T>): T => list[Math.floor(next() * list.length)]!;
  const chance = (p: number): boolean => next() < p;
  const special = (): string => (chance(0.5) ? pick(WHITE_SPACE) : pick(OTHER_SPECIAL));
  // how often a key or value gets special characters: never in some documents, so that the fast reader answers some
  const density = pick([0, 0.01, 0.05, 0.3]);
  const mixed = (text: string, weight: number): string => {
    const p = weight * density;
    let out = text;
    if (chance(p)) out = `${out}${special()}${chance(0.3) ? special() : ""}`;
    if (chance(p)) out = `${special()}${out}`;
    if (chance(p)) {
      const at = Math.floor(next() * (out.length + 1));
      out = `${out.slice(0, at)}${special()}${out.slice(at)}`;
    }
    return out;
  };
  const value = (): string => {
    const text = mixed(pick(VALUES), 1);
    const r = next();
    if (r < 0.1) return `'${text}'`;
    if (r < 0.2) return `"${text}"`;
    if (r < 0.3) return `${text}${pick([" # note", "  #x", "   ", " "])}${chance(density) ? special() : ""}`;
    return text;
  };
  const key = (name: string): string => mixed(name, 0.2);
  const lines: string[] = [];
  const entry = (indent: string, name: string): void => {
    lines.push(`${indent}${key(name)}: ${value()}`);
  };
  const noise = (indent: string): void => {
    // a line that is blank to trim() but not to YAML, a comment holding special characters
    if (chance(density / 3)) lines.push(`${chance(0.5) ? indent : ""}${special()}`);
    if (chance(0.05)) lines.push(`${indent}# ${mixed("comment", 1)}`);
  };
  entry("", "name");
  entry("", "version");
  if (chance(0.5)) entry("", "status");
  noise("");
  if (chance(0.5)) {
    lines.push(`${key("modalities")}:`);
    for (let i = 0; i < 1 + Math.floor(next() * 2); i++) lines.push(`  - ${value()}`);
  }
  lines.push(`${key("components")}:`);
  for (let i = 0; i < 1 + Math.floor(next() * 3); i++) {
    lines.push(`  - ${key("path")}: ${value()}`);
    noise("    ");
    entry("    ", "kind");
    entry("    ", "sha256");
  }
  if (chance(0.7)) {
    lines.push(`${key("evaluations")}:`);
    lines.push(`  - ${key("version")}: ${value()}`);
    for (const name of ["model_digest", "evaluator", "result"]) {
      noise("    ");
      entry("    ", name);
    }
    lines.push(`    ${key("threats")}:`);
    entry("      ", "evasion");
  }
  // indentation that is not made of spaces
  if (chance(density / 3)) {
    const at = 1 + Math.floor(next() * (lines.length - 1));
    lines[at] = `${special()}${lines[at]!}`;
  }
  let text = lines.join("\n") + (chance(0.8) ? "\n" : "");
  const r = next();
  if (r < 0.1) text = text.replaceAll("\n", "\r\n");
  else if (r < 0.2) {
    const at = text.indexOf("\n", Math.floor(next() * text.length));
    if (at !== -1) text = `${text.slice(0, at)}\r${text.slice(at)}`;
  } else if (r < 0.25) text = text.replaceAll("\n", "\r");
  if (chance(0.03)) text = `\ufeff${text}`;
  return text;
}

const HASH = "ab".repeat(32);
const manifest = (evaluation: string, component: string): string =>
  [
    "name: fraud-detector",
    "version: 1.1.0",
    "components:",
    `  - path: ${component}`,
    "    kind: weights",
    `    sha256: ${HASH}`,
    "evaluations:",
    "  - version: 1.1.0",
    `    model_digest: sha256:${HASH}`,
    "    evaluator: octocat",
    `    result: ${evaluation}`,
    "",
  ].join("\n");

describe("the fast reader and the full parser read every character alike", () => {
  it.each([
    { name: "result: pass + U+3000", text: manifest("pass\u3000", "w.safetensors"), field: "pass\u3000" },
    { name: "version: 1.1.0 + U+200A", text: "name: m\nversion: 1.1.0\u200a\n", field: "1.1.0\u200a" },
    { name: "sha256: <hex> + U+2003", text: `name: m\nsha256: ${HASH}\u2003\n`, field: `${HASH}\u2003` },
    { name: "component path + U+3000", text: manifest("pass", "w.safetensors\u3000"), field: "w.safetensors\u3000" },
    { name: "a value + U+1680 before a comment", text: "result: pass\u1680 # ok\n", field: "pass\u1680" },
    { name: "a sequence item + U+202F", text: "modalities:\n  - text\u202f\n", field: "text\u202f" },
    { name: "a value + U+205F and spaces", text: "result: pass\u205f  \n", field: "pass\u205f" },
  ])("attack: $name is read as the full parser reads it", ({ text, field }) => {
    expectSameAsFullParser(text);
    const full = parseYaml("x.yaml", text);
    expect(full.ok && JSON.stringify(full.yaml.value)).toContain(JSON.stringify(field).slice(1, -1));
  });

  // the white space the old reader let through and then stripped with trimEnd() are attacks; the rest it declined
  const STRIPPED_BEFORE = /[\u1680\u2000-\u200a\u202f\u205f\u3000]/;
  it.each(
    WHITE_SPACE.map((space) => {
      const code = `U+${space.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      return { name: STRIPPED_BEFORE.test(space) ? `attack: ${code}` : code, space };
    }),
  )("$name at the end, start or middle of a value or key is read as the full parser reads it", ({ space }) => {
    for (const text of [
      `result: pass${space}\n`,
      `result: pass${space} # c\n`,
      `result: ${space}pass\n`,
      `result: pa${space}ss\n`,
      `- pass${space}\n`,
      `result${space}: pass\n`,
      `${space}result: pass\n`,
      `a: x\n${space}\nb: y\n`,
      `a:\n  b: x${space}\n  c: y\n`,
    ])
      expectSameAsFullParser(text);
  });

  it("leaves all white space but the space, and the invisible characters, to the full parser", () => {
    const declined = SPECIAL.filter((c) => c !== " " && !/^[\p{L}\p{M}]/u.test(c) && c !== "\ufffd");
    for (const c of declined) expect(readBlockYaml(`a: x${c}y\n`), JSON.stringify(c)).toBeUndefined();
    // letters and marks stay fast: manifests are written in every language
    for (const text of ["a: é\n", "a: 日本語\n", "a: e\u0301\n", "a: \u0130\u212a\n"])
      expect(readBlockYaml(text), text).toBeDefined();
  });

  it("reads no BMP character that trim() or \\s sees as white space, and the others as the full parser does", () => {
    const read: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      if (readBlockYaml(`a: x${c}\n`) === undefined) continue;
      read.push(c);
      // the space is YAML's white space too, LF its line break
      if (c !== " " && c !== "\n" && (c.trim() !== c || /\s/.test(c)))
        expect.fail(`U+${code.toString(16)} is white space to JavaScript`);
    }
    expect(read.length).toBeGreaterThan(60_000);
    // every ASCII character the reader takes, and a sample of the others, at the end, start and middle of a value
    for (const c of read.filter((_, i) => i < 95 || i % 257 === 0))
      for (const text of [`a: x${c}\n`, `a: ${c}x\n`, `a: x${c}y # c\n`, `- x${c}\n`, `k${c}: x\n`])
        expectSameAsFullParser(text);
  });

  // BLOCK_YAML_DOCUMENTS=200000 BLOCK_YAML_SEED=n (with --testTimeout=0) for a longer search
  const DOCUMENTS = Number(process.env["BLOCK_YAML_DOCUMENTS"] ?? 4000);
  it(`agrees on ${DOCUMENTS} manifests holding special characters and CR line ends`, () => {
    const next = random(Number(process.env["BLOCK_YAML_SEED"] ?? 20261217));
    let answered = 0;
    let valid = 0;
    const started = performance.now();
    for (let i = 0; i < DOCUMENTS; i++) {
      // the lines of every node and of a missing key beside it (block-yaml.test.ts asks the other neighbours)
      const agreed = expectSameAsFullParser(generate(next), ["missing"]);
      if (agreed.valid) valid++;
      if (agreed.answered) answered++;
    }
    const ms = performance.now() - started;
    if (process.env["BLOCK_YAML_STATS"]) console.log({ documents: DOCUMENTS, valid, answered, ms });
    // the documents exercise both readers: the full parser reads most, the fast reader still answers some
    expect(valid).toBeGreaterThan(DOCUMENTS * 0.5);
    expect(answered).toBeGreaterThan(DOCUMENTS * 0.05);
  });
});
