/**
 * Orders two strings by UTF-16 code units, as `<` does: the same order on every machine and locale
 * (unlike `localeCompare`), so sorted lists, reports and BOMs do not depend on where they were made.
 */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
