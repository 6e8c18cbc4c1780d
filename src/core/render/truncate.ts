/** GitHub's limit for a check run's `output.summary` and `output.text`, in UTF-8 bytes. */
export const CHECK_RUN_TEXT_MAX_BYTES = 65_535;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Cuts `text` so that it, plus `suffix`, fits in `maxBytes` UTF-8 bytes. The cut falls on a
 * code point boundary: a multibyte character or a surrogate pair is never split. Text that
 * already fits is returned unchanged (without the suffix).
 */
export function truncateUtf8(text: string, maxBytes: number, suffix = ""): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const suffixBytes = utf8Bytes(suffix);
  // a suffix that cannot fit is itself cut: the result never exceeds the limit
  if (suffixBytes > maxBytes) return truncateUtf8(suffix, maxBytes);
  return prefixWithinBytes(text, maxBytes - suffixBytes) + suffix;
}

/** Same as truncateUtf8, counted in UTF-16 code units (GitHub's issue and release body limits). */
export function truncateChars(text: string, maxChars: number, suffix = ""): string {
  if (text.length <= maxChars) return text;
  if (suffix.length > maxChars) return truncateChars(suffix, maxChars);
  let end = maxChars - suffix.length;
  // never leave half of a surrogate pair at the end
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + suffix;
}

function prefixWithinBytes(text: string, budget: number): string {
  let used = 0;
  let end = 0;
  for (const codePoint of text) {
    const size = codePointBytes(codePoint.codePointAt(0) ?? 0);
    if (used + size > budget) break;
    used += size;
    end += codePoint.length;
  }
  return text.slice(0, end);
}

// a lone surrogate (0xD800-0xDFFF) is encoded as U+FFFD, 3 bytes, as Buffer.byteLength counts it
function codePointBytes(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}
