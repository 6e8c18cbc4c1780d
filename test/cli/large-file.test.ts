import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pieces, writeJsonFile } from "../../src/cli/large-file.js";

describe("writeJsonFile: JSON.stringify(value) + newline, written in pieces", () => {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-json-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const odd: Record<string, unknown> = {
    a: [1, undefined, () => 1, Symbol("s"), null, NaN, { x: undefined, y: [undefined] }],
    skipped: undefined,
    fn: () => 1,
    at: new Date(0),
    map: new Map([["k", 1]]),
    nested: { deeper: { deepest: [{ z: "é≡\u{1f600}" }] } },
    empty: { o: {}, a: [] },
    10: "integer keys first",
    "": "empty key",
    'quote"key': "\u2028",
  };
  Object.defineProperty(odd, "__proto__", {
    value: { own: true },
    enumerable: true,
    configurable: true,
    writable: true,
  });

  it.each([
    { name: "odd values at every depth", value: odd },
    { name: "a top-level array", value: [odd, [odd], "x"] },
    { name: "a string", value: "just text" },
    { name: "a null-prototype object", value: Object.assign(Object.create(null) as object, { b: 1, a: [2] }) },
  ])("writes the same text as JSON.stringify for $name", async ({ value }) => {
    for (const depth of [0, 1, 2, 3, 8]) {
      expect([...pieces(value, depth)].join("")).toBe(JSON.stringify(value));
      const path = join(dir, `out-${depth}.json`);
      await writeJsonFile(path, value, depth);
      expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify(value)}\n`);
    }
  });

  it("never splits a surrogate pair between two chunks (several megabytes of emoji and text)", async () => {
    const value = {
      models: Array.from({ length: 3000 }, (_, i) => ({ i, text: `${"x".repeat(i % 7)}${"\u{1f600}≡".repeat(300)}` })),
    };
    const path = join(dir, "big.json");
    await writeJsonFile(path, value);
    const expected = Buffer.from(`${JSON.stringify(value)}\n`, "utf8");
    expect(expected.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(readFileSync(path).equals(expected)).toBe(true);
  });
});
