import { truncateChars } from "./truncate.js";

/**
 * Text from users (reasons, titles, messages) made safe for one markdown table cell or line:
 * no line breaks, no table pipes, no HTML (so it can never forge a hidden modelgate marker).
 */
export function inlineText(text: string, maxChars = 1000): string {
  const flat = text
    .replace(/\r\n?|\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|");
  return truncateChars(flat, maxChars, "…");
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
export function holderMentions(holders: { users: ReadonlyArray<string>; teams: ReadonlyArray<string> }, org: string | undefined): string[] {
  return [...holders.users.map((user) => `@${user}`), ...holders.teams.map((team) => (org ? `@${org}/${team}` : `team ${team}`))];
}

/** `sha256:0123456789ab`: enough to recognise a digest in a table. */
export function shortDigest(digest: string): string {
  const match = /^sha256:([0-9a-f]{12})[0-9a-f]*$/.exec(digest);
  return match ? `sha256:${match[1]}` : digest;
}

export function isHttpUrl(text: string): boolean {
  return /^https?:\/\/[^\s<>()]+$/i.test(text);
}
