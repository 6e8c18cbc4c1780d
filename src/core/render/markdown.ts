import { truncateChars } from "./truncate.js";

/**
 * The one sanitiser of text from users and from GitHub (reasons, titles, messages, command
 * errors) in a markdown line or table cell: no line breaks, table pipes escaped, and no HTML —
 * outside code spans every `<`, `>` and `&` is escaped; inside a code span GitHub shows the text
 * as written (entities would show as `&lt;`), so only `<!--` is broken (defuseComments) and the
 * text can never forge a hidden marker.
 */
export function inlineText(text: string, maxChars = 1000): string {
  const flat = text.replace(/\r\n?|\n/g, " ");
  let safe = "";
  let last = 0;
  for (const span of flat.matchAll(CODE_SPAN)) {
    safe += escapeHtml(flat.slice(last, span.index)) + defuseComments(span[0]);
    last = span.index + span[0].length;
  }
  safe += escapeHtml(flat.slice(last));
  return truncateChars(safe.replace(/\|/g, "\\|"), maxChars, "…");
}

/** A code span as markdown reads one: a backtick run (not escaped) closed by a run of the same length. */
const CODE_SPAN = /(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)/g;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Text inside a code span, where GitHub shows `<!--` as text (GFM: a code span that begins first
 * wins over HTML) but modelgate's own readers of hidden markers, of the release section and of the
 * disposal checklist look for `<!-- modelgate:` in the raw markdown. An invisible WORD JOINER
 * (U+2060) after `<` keeps the text looking as typed and leaves no `<!--` in the markdown.
 */
function defuseComments(text: string): string {
  return text.replace(/<!--/g, "<\u2060!--");
}

/**
 * User text as one inline code span, shown as typed: the fence is longer than any backtick run in
 * the text, so nothing in it can close the span early (and put a mention or markup outside it);
 * line breaks become spaces, `<!--` is defused, and in a table cell pipes are `\|`.
 */
export function code(text: string, inTable = false): string {
  const oneLine = defuseComments(text.replace(/\r\n?|\n/g, " "));
  // GFM reads `\|` as a pipe inside a table cell, even within a code span
  const flat = inTable ? oneLine.replace(/\|/g, "\\|") : oneLine;
  let longestRun = 0;
  for (const run of flat.matchAll(/`+/g)) longestRun = Math.max(longestRun, run[0].length);
  const fence = "`".repeat(longestRun + 1);
  const pad = needsPadding(flat) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * GitHub strips one space from each side of a code span when both sides have one, and a backtick
 * at either end would join the fence: one more space each side keeps the text as it is.
 */
function needsPadding(text: string): boolean {
  if (text.startsWith("`") || text.endsWith("`")) return true;
  return text.startsWith(" ") && text.endsWith(" ") && text.trim() !== "";
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** `@user` or `@org/team`: how GitHub shows (and notifies) a role holder. */
export function holderMentions(
  holders: { users: ReadonlyArray<string>; teams: ReadonlyArray<string> },
  org: string | undefined,
): string[] {
  return [
    ...holders.users.map((user) => `@${user}`),
    ...holders.teams.map((team) => (org ? `@${org}/${team}` : `team ${team}`)),
  ];
}

/** `sha256:0123456789ab`: enough to recognise a digest in a table. */
export function shortDigest(digest: string): string {
  const match = /^sha256:([0-9a-f]{12})[0-9a-f]*$/.exec(digest);
  return match ? `sha256:${match[1]}` : digest;
}

export function isHttpUrl(text: string): boolean {
  return /^https?:\/\/[^\s<>()]+$/i.test(text);
}
