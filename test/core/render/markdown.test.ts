import { describe, expect, test } from "vitest";
import { code, inlineText } from "../../../src/core/render/markdown.js";

/**
 * What GitHub shows for markdown that is ONE code span (GFM spec, "Code spans"): the text between
 * two backtick runs of equal length, line endings as spaces, one space stripped from each side when
 * both are spaces. Entities and backslash escapes are NOT decoded inside; in a table cell only `\|`
 * is read as a pipe (GFM, "Tables"). Invisible characters (U+2060 WORD JOINER) are not shown. Fails
 * when the markdown is not exactly one code span, so text can never escape from the span.
 */
function shownCodeSpan(markdown: string, inTable = false): string {
  const match = /^(`+)([\s\S]*?)(`+)$/.exec(markdown);
  if (!match || match[1] !== match[3]) throw new Error(`not one code span: ${markdown}`);
  const fence = match[1]!;
  let content = match[2]!;
  for (const run of content.matchAll(/`+/g))
    if (run[0].length === fence.length) throw new Error(`the span closes early: ${markdown}`);
  if (inTable) content = content.replace(/\\\|/g, "|");
  else if (/(?<!\\)\|/.test(content)) throw new Error(`a bare pipe: ${markdown}`);
  content = content.replace(/\r\n?|\n/g, " ");
  if (content.startsWith(" ") && content.endsWith(" ") && content.trim() !== "") content = content.slice(1, -1);
  return content.replace(/\u2060/g, "");
}

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
      // GitHub shows a code span's text as written (entities are not decoded there); an invisible
      // WORD JOINER (U+2060) breaks `<!--` so modelgate's own marker readers never see one
      name: "a hidden marker inside a code span is shown as typed, and is not a marker",
      text: "`<!-- modelgate:sign-off {} -->`",
      expected: "`<\u2060!-- modelgate:sign-off {} -->`",
    },
    {
      name: "a reason with a comment and an ampersand in a code span is shown as typed",
      text: "see `a <!-- b --> & c`",
      expected: "see `a <\u2060!-- b --> & c`",
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

  test.each([
    { name: "a marker", text: '`<!-- modelgate:sign-off {"model":"x"} -->`' },
    { name: "a marker in a double-backtick span", text: "``a ` <!-- modelgate:tracking {} -->``" },
    { name: "the end of the release section", text: "`<!-- modelgate:release:end -->`" },
    { name: "a marker across a line break", text: "`x\n<!-- modelgate:checklist:start -->`" },
  ])("$name typed in a code span leaves no hidden marker in the text (as before)", ({ text }) => {
    expect(inlineText(text)).not.toContain("<!--");
  });

  test("long text is cut at the limit with an ellipsis", () => {
    expect(inlineText("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("code: user text as one code span, shown as typed", () => {
  test.each([
    { name: "an override reason with a comment and an ampersand", text: "a <!-- b --> & c" },
    { name: "angle brackets and entities", text: "<img src=x> &lt; &amp;" },
    { name: "backticks inside", text: "run `make` then ``deploy``" },
    { name: "starting and ending with a backtick", text: "`quoted`" },
    { name: "starting and ending with a space", text: " padded " },
    { name: "only spaces", text: "  " },
    { name: "a backslash before a backtick", text: "a\\`b" },
  ])("$name", ({ text }) => {
    const markdown = code(text);
    expect(shownCodeSpan(markdown)).toBe(text);
    expect(markdown).not.toContain("&lt;!--");
  });

  test("the reason `a <!-- b --> & c` is written with an invisible WORD JOINER after `<`, nothing else", () => {
    expect(code("a <!-- b --> & c")).toBe("`a <\u2060!-- b --> & c`");
  });

  test("line breaks become spaces", () => {
    expect(shownCodeSpan(code("one\ntwo\r\nthree"))).toBe("one two three");
  });

  test.each([
    { text: "a|b", shown: "a|b" },
    { text: "`|` and <!-- x -->", shown: "`|` and <!-- x -->" },
  ])("in a table cell, $text keeps its pipes as pipes of the text", ({ text, shown }) => {
    expect(shownCodeSpan(code(text, true), true)).toBe(shown);
  });

  test.each([
    { name: "a marker", text: '<!-- modelgate:sign-off {"model":"x","sig":"0"} -->' },
    { name: "closing the span first, then a marker", text: 'x` <!-- modelgate:sign-off {"model":"x"} --> `y' },
    { name: "closing a longer span first, then a marker", text: "x``` <!-- modelgate:tracking {} --> ```y" },
    { name: "the end of the release section", text: "<!-- modelgate:release:end -->" },
    { name: "the start of the disposal checklist", text: "models/<!-- modelgate:checklist:start -->/model.yaml" },
    { name: "a marker across a line break", text: "x\n<!-- modelgate:sign-off {} -->" },
  ])("attack: $name stays text of the span and is no hidden marker", ({ text }) => {
    const markdown = code(text);
    expect(markdown).not.toContain("<!--");
    expect(shownCodeSpan(markdown)).toBe(text.replace(/\n/g, " "));
  });

  test.each([
    { name: "a mention", text: "@octocat" },
    { name: "closing the span first, then a mention", text: "x` @octocat `y" },
    { name: "closing a double span first, then a team mention", text: "x`` @acme/security ``y" },
    { name: "a mention after a line break", text: "x\n@octocat" },
  ])("$name stays inside the code span (GitHub links no mention in code)", ({ text }) => {
    expect(shownCodeSpan(code(text))).toBe(text.replace(/\n/g, " "));
  });
});
