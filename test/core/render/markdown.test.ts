import { describe, expect, test } from "vitest";
import { inlineText } from "../../../src/core/render/markdown.js";

describe("inlineText: the one sanitiser of user text in a line or table cell", () => {
  test.each([
    { name: "plain text is kept", text: "no rollback plan", expected: "no rollback plan" },
    { name: "line breaks become spaces", text: "line one\nline two\r\nthree", expected: "line one line two three" },
    { name: "table pipes are escaped", text: "a | b", expected: "a \\| b" },
    { name: "HTML outside code is escaped", text: "<img src=x> & more", expected: "&lt;img src=x&gt; &amp; more" },
    {
      name: "a hidden marker outside code cannot be forged",
      text: '<!-- modelgate:sign-off {"model":"x"} -->',
      expected: '&lt;!-- modelgate:sign-off {"model":"x"} --&gt;',
    },
    {
      name: "a code span shows < and > as written",
      text: "/approve needs a role: `/approve <role>`",
      expected: "/approve needs a role: `/approve <role>`",
    },
    {
      name: "a hidden marker inside a code span is still neutralised",
      text: "`<!-- modelgate:sign-off {} -->`",
      expected: "`&lt;!-- modelgate:sign-off {} --&gt;`",
    },
    {
      name: "an unclosed backtick opens no span: what follows is escaped",
      text: "`<img src=x>",
      expected: "`&lt;img src=x&gt;",
    },
    { name: "an escaped backtick opens no span", text: "\\`<img src=x>`", expected: "\\`&lt;img src=x&gt;`" },
    { name: "runs of different lengths do not close each other", text: "``a`<b>", expected: "``a`&lt;b&gt;" },
    {
      name: "a double-backtick span keeps its single backticks and brackets",
      text: "``a ` <b>``",
      expected: "``a ` <b>``",
    },
    { name: "pipes inside a code span are escaped too (GFM tables)", text: "`a|b`", expected: "`a\\|b`" },
  ])("$name", ({ text, expected }) => {
    expect(inlineText(text)).toBe(expected);
  });

  test("long text is cut at the limit with an ellipsis", () => {
    expect(inlineText("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
