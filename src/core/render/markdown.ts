import { truncateChars } from "./truncate.js";

/**
 * The one sanitiser of text from users and from GitHub (reasons, titles, messages, command
 * errors) in a markdown line or table cell: no line breaks, table pipes escaped, and no HTML —
 * outside code spans every `<`, `>` and `&` is escaped; inside a code span (where markdown shows
 * them as written) only the comment delimiters are, so the text can never forge a hidden marker.
 */
export function inlineText(text: string, maxChars = 1000): string {
  const flat = text.replace(/\r\n?|\n/g, " ");
  let safe = "";
  let last = 0;
  for (const span of flat.matchAll(CODE_SPAN)) {
    safe += escapeHtml(flat.slice(last, span.index)) + span[0].replace(/<!--/g, "&lt;!--").replace(/-->/g, "--&gt;");
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

/** An inline code span that survives backticks in its content (and, in a table cell, pipes). */
export function code(text: string, inTable = false): string {
  const oneLine = text.replace(/\r\n?|\n/g, " ");
  // GFM reads `\|` as a pipe inside a table cell, even within a code span
  const flat = inTable ? oneLine.replace(/\|/g, "\\|") : oneLine;
  let longestRun = 0;
  for (const run of flat.matchAll(/`+/g)) longestRun = Math.max(longestRun, run[0].length);
  const fence = "`".repeat(longestRun + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
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
