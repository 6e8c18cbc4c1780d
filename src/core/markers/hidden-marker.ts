import type { z } from "zod";

/**
 * A hidden HTML comment that lets modelgate recognise its own issues and sections:
 * `<!-- modelgate:<kind> {json} -->`. `<` and `>` are escaped in the JSON so a value
 * can never close the comment early.
 */
export function renderMarker(kind: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return `<!-- modelgate:${kind} ${json} -->`;
}

const MAX_MARKER_CHARS = 2000;

/**
 * Reads the FIRST marker of `kind` in `body` and validates it with `schema`. A later marker
 * never counts (it could have been pasted by anyone who can write in the body), and a first
 * marker that is garbled or forged yields `undefined` rather than a fall-back to another one.
 */
export function parseMarker<T>(
  kind: string,
  body: string | null | undefined,
  schema: z.ZodType<T>,
  maxChars = MAX_MARKER_CHARS,
): T | undefined {
  if (!body) return undefined;
  const opening = `<!-- modelgate:${kind} `;
  const start = body.indexOf(opening);
  if (start < 0) return undefined;
  const jsonStart = start + opening.length;
  const end = body.indexOf("-->", jsonStart);
  if (end < 0 || end - jsonStart > maxChars) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.slice(jsonStart, end));
  } catch {
    return undefined;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}
