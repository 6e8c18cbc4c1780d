import { describe, expect, it } from "vitest";
import { loadYaml, DEFAULT_YAML_LIMITS } from "../../../src/core/yaml/load-yaml.js";

const errorOf = (text: string, limits = DEFAULT_YAML_LIMITS) => {
  const result = loadYaml("cfg.yml", text, limits);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.yaml.value)}`);
  return result.error;
};
const valueOf = (text: string) => {
  const result = loadYaml("cfg.yml", text);
  if (!result.ok) throw new Error(`unexpected error ${JSON.stringify(result.error)}`);
  return result.yaml.value;
};

describe("loadYaml: hostile input", () => {
  it("defaults to a 1 MiB size limit and 100 aliases", () => {
    expect(DEFAULT_YAML_LIMITS).toEqual({ maxBytes: 1024 * 1024, maxAliases: 100 });
  });

  it("accepts a file of exactly 1 MiB and refuses one byte more", () => {
    const exactly = `a: "${"x".repeat(1024 * 1024 - 6)}"\n`;
    expect(Buffer.byteLength(exactly)).toBe(1024 * 1024);
    expect(loadYaml("cfg.yml", exactly).ok).toBe(true);
    expect(errorOf(`${exactly} `)).toEqual({
      path: "cfg.yml",
      line: 1,
      message: "file is 1048577 bytes, larger than the limit of 1048576 bytes",
    });
  });

  it("counts the size limit in bytes, not characters", () => {
    const text = `a: "${"é".repeat(600_000)}"\n`;
    expect(text.length).toBeLessThan(1024 * 1024);
    expect(errorOf(text).message).toMatch(/larger than the limit of 1048576 bytes/);
  });

  it("refuses a 'billion laughs' alias bomb quickly", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const started = Date.now();
    const error = errorOf(levels.join("\n"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.message).toMatch(/^YAML rejected: .*alias/i);
  });

  it("allows a few aliases", () => {
    expect(valueOf("base: &b {x: 1}\none: *b\ntwo: *b\n")).toEqual({ base: { x: 1 }, one: { x: 1 }, two: { x: 1 } });
  });

  it.each([
    { name: "a duplicate key", text: "models:\n  manifests: [a]\n  manifests: [b]\n", line: 3, message: /unique/ },
    { name: "a duplicate top-level key", text: "a: 1\nb: 2\na: 3\n", line: 3, message: /unique/ },
    { name: "an unclosed flow sequence", text: "a: 1\nb: [1, 2\nc: 3\n", line: 3, message: /^invalid YAML: / },
    { name: "tab indentation", text: "a:\n\tb: 1\n", line: 2, message: /Tabs/ },
    { name: "several documents", text: "a: 1\n---\nb: 2\n", line: 2, message: /multiple documents/ },
  ])("refuses $name, at its line", ({ text, line, message }) => {
    const error = errorOf(text);
    expect(error.path).toBe("cfg.yml");
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it("keeps dates and date-times as strings (YAML 1.2 core schema) and yes as a string", () => {
    expect(valueOf("d: 2026-11-20\nt: 2026-10-01T00:00:00Z\ny: yes\nv: 2.1.0\n")).toEqual({
      d: "2026-11-20",
      t: "2026-10-01T00:00:00Z",
      y: "yes",
      v: "2.1.0",
    });
  });

  it("never runs code from a tag", () => {
    expect(valueOf("a: !!js/function 'function () { return 1 }'\n")).toEqual({ a: "function () { return 1 }" });
  });

  it("reads an empty file as null", () => {
    expect(valueOf("")).toBeNull();
  });
});

describe("loadYaml: lineOf", () => {
  const text = ["a:", "  b:", "    c: 1", "  n:", "list:", "  - x: 1", "  - y: 2", "    z:", "      - deep"].join("\n");
  const result = loadYaml("cfg.yml", text);
  if (!result.ok) throw new Error("fixture must parse");
  it.each<{ path: Array<string | number>; line: number }>([
    { path: ["a", "b", "c"], line: 3 },
    // a key with a block value is found at the key, not on the next line
    { path: ["a"], line: 1 },
    { path: ["a", "b"], line: 2 },
    // a key with no value still has a line
    { path: ["a", "n"], line: 4 },
    { path: ["list", 1], line: 7 },
    { path: ["list", 1, "y"], line: 7 },
    { path: ["list", 1, "z", 0], line: 9 },
    // missing: the nearest ancestor that exists
    { path: ["a", "missing"], line: 1 },
    { path: ["list", 5, "x"], line: 5 },
    { path: ["nothing"], line: 1 },
    { path: [], line: 1 },
  ])("$path is on line $line", ({ path, line }) => {
    expect(result.yaml.lineOf(path)).toBe(line);
  });
});
