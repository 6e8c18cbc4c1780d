import { describe, expect, it } from "vitest";
import { truncateChars, truncateUtf8, utf8Bytes } from "../../../src/core/render/truncate.js";

describe("truncateUtf8", () => {
  // "é" is 2 bytes, "日" and "本" 3 bytes each, "😀" 4 bytes (a surrogate pair in JavaScript)
  it.each([
    { name: "text that fits is unchanged", text: "abc", max: 3, suffix: "…", expected: "abc" },
    { name: "ascii cut exactly", text: "abcdef", max: 4, suffix: "", expected: "abcd" },
    { name: "suffix counted in the limit", text: "abcdef", max: 5, suffix: "…", expected: "ab…" },
    { name: "é not split when the limit falls inside it", text: "aé", max: 2, suffix: "", expected: "a" },
    { name: "é kept when it fits", text: "aéb", max: 3, suffix: "", expected: "aé" },
    { name: "日本 not split at 1 byte into 本", text: "日本", max: 4, suffix: "", expected: "日" },
    { name: "日本 not split at 2 bytes into 本", text: "日本", max: 5, suffix: "", expected: "日" },
    { name: "日本 fits exactly", text: "日本x", max: 6, suffix: "", expected: "日本" },
    { name: "emoji surrogate pair never halved (1 byte short)", text: "a😀b", max: 4, suffix: "", expected: "a" },
    { name: "emoji surrogate pair never halved (3 bytes short)", text: "a😀b", max: 2, suffix: "", expected: "a" },
    { name: "emoji kept when it fits", text: "a😀b", max: 5, suffix: "", expected: "a😀" },
    { name: "multibyte suffix leaves room", text: "ééé", max: 5, suffix: "…", expected: "é…" },
    {
      name: "a suffix longer than the limit is itself cut",
      text: "abcdef",
      max: 2,
      suffix: "…truncated",
      expected: "",
    },
    { name: "limit 0", text: "abc", max: 0, suffix: "", expected: "" },
  ])("$name", ({ text, max, suffix, expected }) => {
    const result = truncateUtf8(text, max, suffix);
    expect(result).toBe(expected);
    expect(utf8Bytes(result)).toBeLessThanOrEqual(max);
  });

  it("never produces a lone surrogate or a replacement character at any limit", () => {
    const text = "é日本😀aé😀😀本";
    for (let max = 0; max <= utf8Bytes(text); max++) {
      const result = truncateUtf8(text, max, "…");
      expect(utf8Bytes(result)).toBeLessThanOrEqual(max);
      expect(result).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(Buffer.from(result, "utf8").toString("utf8")).toBe(result);
      if (result.endsWith("…")) expect(text.startsWith(result.slice(0, -1))).toBe(true);
    }
  });

  it("counts bytes, not characters: 40,000 'é' do not fit 65,535 bytes", () => {
    const text = "é".repeat(40_000);
    const result = truncateUtf8(text, 65_535, "…");
    expect(utf8Bytes(result)).toBeLessThanOrEqual(65_535);
    expect(result.length).toBeLessThan(40_000);
    expect(result.endsWith("é…")).toBe(true);
  });
});

describe("truncateChars", () => {
  it.each([
    { text: "abcdef", max: 6, suffix: "…", expected: "abcdef" },
    { text: "abcdef", max: 4, suffix: "…", expected: "abc…" },
    { text: "ab😀cd", max: 3, suffix: "", expected: "ab" },
    { text: "ab😀cd", max: 4, suffix: "", expected: "ab😀" },
  ])("$text cut to $max chars → $expected", ({ text, max, suffix, expected }) => {
    expect(truncateChars(text, max, suffix)).toBe(expected);
  });
});
