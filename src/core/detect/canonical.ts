/**
 * JSON with sorted keys and without undefined fields, so equal values compare equal
 * (detectChanges compares manifests with it). Plain data — what a manifest is — is written
 * directly; anything else (toJSON, class instances, keys JavaScript reorders) goes through
 * JSON.stringify with a sorting replacer, which defines the result.
 */
export function canonical(value: unknown): string {
  try {
    return plainJson(value);
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return canonicalBySort(value);
  }
}

/** The definition: JSON.stringify, every object replaced by a copy with its keys sorted. */
export function canonicalBySort(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

const NOT_PLAIN = Symbol("not plain data");
// an object's integer keys come first whatever the insertion order: the sorted copy would not keep the sort
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

const omitted = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";

function plainJson(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "object": {
      if (v === null) return "null";
      const proto: unknown = Object.getPrototypeOf(v);
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) throw NOT_PLAIN;
        let out = "[";
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          out += `${i === 0 ? "" : ","}${omitted(item) ? "null" : plainJson(item)}`;
        }
        return `${out}]`;
      }
      if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
      const record = v as Record<string, unknown>;
      let out = "{";
      let first = true;
      for (const key of Object.keys(record).sort()) {
        if (ARRAY_INDEX.test(key)) throw NOT_PLAIN;
        const item = record[key];
        if (omitted(item)) continue;
        out += `${first ? "" : ","}${JSON.stringify(key)}:${plainJson(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      // undefined, a function or a symbol at the top, a bigint: as JSON.stringify does
      throw NOT_PLAIN;
  }
}
