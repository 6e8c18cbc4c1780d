import { truncateChars } from "../render/truncate.js";

/** The markers around the disposal checklist of an end-of-life issue: only lines between them count. */
export const CHECKLIST_START = "<!-- modelgate:checklist:start -->";
export const CHECKLIST_END = "<!-- modelgate:checklist:end -->";

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

// items are compared as GitHub users see them: case and spacing do not matter
export function normaliseItem(item: string): string {
  return truncateChars(oneLine(item), 300).toLowerCase();
}

/**
 * The items of the disposal checklist as they stand in an issue body (ticked on GitHub or not).
 * Only lines between the checklist markers count: a task list elsewhere in the body (or in a
 * comment pasted into it) cannot tick an item.
 */
export function parseChecklist(body: string | null | undefined): Array<{ item: string; checked: boolean }> {
  if (!body) return [];
  const start = body.indexOf(CHECKLIST_START);
  if (start < 0) return [];
  const end = body.indexOf(CHECKLIST_END, start + CHECKLIST_START.length);
  if (end < 0) return [];
  const items: Array<{ item: string; checked: boolean }> = [];
  for (const line of body.slice(start + CHECKLIST_START.length, end).split(/\r?\n/)) {
    const match = /^\s*[-*+]\s+\[([ xX])\]\s/.exec(line);
    const item = match ? unescapeHtml(line.slice(match[0].length).trim()) : "";
    if (match && item) items.push({ item, checked: match[1] !== " " });
  }
  return items;
}

/**
 * Whether every REQUIRED item is present and ticked. A body whose checklist was deleted or
 * edited away is never complete: items are matched against the policy's list, not the body's.
 */
export function checklistStatus(
  body: string | null | undefined,
  required: ReadonlyArray<string>,
): { complete: boolean; unchecked: string[] } {
  const ticked = new Set(
    parseChecklist(body)
      .filter((i) => i.checked)
      .map((i) => normaliseItem(i.item)),
  );
  const unchecked = required.filter((item) => !ticked.has(normaliseItem(item)));
  return { complete: unchecked.length === 0, unchecked };
}
