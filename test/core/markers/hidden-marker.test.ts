import { z } from "zod";
import { describe, expect, it } from "vitest";
import { parseMarker, renderMarker } from "../../../src/core/markers/hidden-marker.js";

const schema = z.strictObject({ n: z.number(), s: z.string().optional() });

describe("renderMarker", () => {
  it.each<[string, unknown, string]>([
    ["a kind and its JSON in an HTML comment", { n: 1 }, '<!-- modelgate:demo {"n":1} -->'],
    [
      "< and > are escaped, so a value cannot close the comment",
      { n: 1, s: "--><img src=x>" },
      '<!-- modelgate:demo {"n":1,"s":"--\\u003e\\u003cimg src=x\\u003e"} -->',
    ],
  ])("%s", (_case, data, expected) => {
    expect(renderMarker("demo", data)).toBe(expected);
  });

  it("reads back what it wrote, escaped text included", () => {
    const data = { n: 2, s: "a <b> --> c" };
    expect(parseMarker("demo", `intro\n${renderMarker("demo", data)}\nrest`, schema)).toStrictEqual(data);
  });
});

describe("parseMarker", () => {
  it.each<[string, string | null | undefined, z.infer<typeof schema> | undefined]>([
    ["no body", undefined, undefined],
    ["null body", null, undefined],
    ["no marker", "just text", undefined],
    ["the marker of another kind", '<!-- modelgate:other {"n":1} -->', undefined],
    ["a look-alike kind", '<!-- modelgate:demox {"n":1} -->', undefined],
    ["unterminated", '<!-- modelgate:demo {"n":1}', undefined],
    ["garbled JSON", '<!-- modelgate:demo {"n": -->', undefined],
    ["JSON the schema refuses", '<!-- modelgate:demo {"n":"1"} -->', undefined],
    ["an extra key", '<!-- modelgate:demo {"n":1,"x":2} -->', undefined],
    ["a valid marker", '<!-- modelgate:demo {"n":1} -->', { n: 1 }],
    [
      "only the first marker counts, even when it is garbled",
      '<!-- modelgate:demo {"n":"x"} -->\n<!-- modelgate:demo {"n":1} -->',
      undefined,
    ],
    [
      "a later valid marker does not replace the first",
      '<!-- modelgate:demo {"n":1} -->\n<!-- modelgate:demo {"n":2} -->',
      { n: 1 },
    ],
    ["more than 2,000 characters of JSON", `<!-- modelgate:demo {"n":1,"s":"${"a".repeat(2000)}"} -->`, undefined],
  ])("%s", (_case, body, expected) => {
    expect(parseMarker("demo", body, schema)).toStrictEqual(expected);
  });

  it("takes a larger limit where a marker needs one", () => {
    const body = `<!-- modelgate:demo {"n":1,"s":"${"a".repeat(2000)}"} -->`;
    expect(parseMarker("demo", body, schema, 3000)).toStrictEqual({ n: 1, s: "a".repeat(2000) });
  });
});
