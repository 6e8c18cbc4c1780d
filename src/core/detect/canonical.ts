import { compareCodeUnits } from "../compare-code-units.js";

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
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => compareCodeUnits(x, y)))
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

/** Whether canonical(a) === canonical(b), found without writing either when both are plain data. */
export function sameCanonical(a: unknown, b: unknown): boolean {
  try {
    return plainEqual(a, b);
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return canonical(a) === canonical(b);
  }
}

type JsonKind = "null" | "string" | "number" | "boolean" | "array" | "object";

/** What JSON.stringify writes a plain value as (a non-finite number is null); anything else is not plain. */
function kindOf(v: unknown): JsonKind {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return Number.isFinite(v) ? "number" : "null";
    case "boolean":
      return "boolean";
    case "object": {
      if (v === null) return "null";
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
      const proto: unknown = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) throw NOT_PLAIN;
        return "array";
      }
      if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
      return "object";
    }
    default:
      throw NOT_PLAIN;
  }
}

// two JSON texts are equal exactly when the trees they write are: a difference anywhere decides, and the
// key order (sorted, the same rule on both sides) does not matter
function plainEqual(a: unknown, b: unknown): boolean {
  const kind = kindOf(a);
  if (kindOf(b) !== kind) return false;
  switch (kind) {
    case "null":
      return true;
    case "array": {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) {
        const p: unknown = x[i];
        const q: unknown = y[i];
        if (!plainEqual(omitted(p) ? null : p, omitted(q) ? null : q)) return false;
      }
      return true;
    }
    case "object": {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      let written = 0;
      for (const key of Object.keys(x)) {
        const p = x[key];
        if (omitted(p)) continue;
        written++;
        if (!Object.prototype.propertyIsEnumerable.call(y, key)) return false;
        const q = y[key];
        if (omitted(q) || !plainEqual(p, q)) return false;
      }
      for (const key of Object.keys(y)) if (!omitted(y[key])) written--;
      return written === 0;
    }
    default:
      return a === b;
  }
}
