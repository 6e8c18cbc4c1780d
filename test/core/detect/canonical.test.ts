import { describe, expect, it } from "vitest";
import { canonical, canonicalBySort, sameCanonical } from "../../../src/core/detect/canonical.js";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { modelFiles } from "../../fixtures/manifests.js";
import { random } from "../../fixtures/random.js";

const KEYS = [
  "b",
  "a",
  "B",
  "é",
  "a b",
  "10",
  "2",
  "01",
  "-1",
  "__proto__",
  "constructor",
  "",
  "z\u0000",
  "\ud83d\ude00",
];
const LEAVES: unknown[] = [
  "",
  "x",
  'q"uote',
  "\u2028",
  "≡",
  0,
  -0,
  1.5,
  1e21,
  NaN,
  Infinity,
  true,
  false,
  null,
  undefined,
  () => 1,
  Symbol("s"),
];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.4) return LEAVES[Math.floor(next() * LEAVES.length)];
  const size = Math.floor(next() * 4);
  if (r < 0.65) return Array.from({ length: size }, () => value(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) {
    const key = KEYS[Math.floor(next() * KEYS.length)]!;
    if (key === "__proto__")
      Object.defineProperty(object, key, {
        value: value(next, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else object[key] = value(next, depth + 1);
  }
  return object;
}

/** A copy with the same own keys in the same order (functions and symbols kept as they are). */
function structuredCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCopy);
  if (v && typeof v === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      if (key === "__proto__")
        Object.defineProperty(copy, key, {
          value: structuredCopy(item),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else copy[key] = structuredCopy(item);
    }
    return copy;
  }
  return v;
}

describe("canonical: the sorted-key JSON, written directly for plain data", () => {
  it("is the same string as JSON.stringify with a sorting replacer on 20,000 random values", () => {
    const next = random(1201);
    for (let i = 0; i < 20_000; i++) {
      const v = value(next, 0);
      expect(canonical(v)).toBe(canonicalBySort(v));
    }
  });

  it("is the same string on manifests, and sorts their keys", () => {
    const fixture = modelFiles({
      dir: "models/fraud",
      components: { "weights/model.safetensors": { kind: "weights", lfs: "w1" } },
    });
    const [path, text] = Object.entries(fixture.files).find(([p]) => p.endsWith("model.yaml"))!;
    const loaded = loadManifest(path, text as string);
    if (!loaded.ok) throw new Error("fixture must load");
    expect(canonical(loaded.loaded.manifest)).toBe(canonicalBySort(loaded.loaded.manifest));
    expect(canonical({ b: 1, a: [{ d: undefined, c: "x" }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });

  it.each([
    { name: "a Date (toJSON)", v: { at: new Date(0) } },
    { name: "a class instance", v: { m: new Map([["a", 1]]) } },
    { name: "a boxed string", v: [new String("s")] },
    { name: "integer keys", v: { b: 1, 10: 2, 2: 3 } },
    { name: "a null-prototype object", v: Object.assign(Object.create(null) as object, { b: 1, a: 2 }) },
    { name: "undefined", v: undefined },
  ])("agrees on $name", ({ v }) => {
    expect(canonical(v)).toBe(canonicalBySort(v));
  });

  it("sameCanonical(a, b) is canonical(a) === canonical(b), on 20,000 random pairs of which many are equal", () => {
    const next = random(2);
    let equal = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = value(next, 0);
      // a pair: the same value, a copy made again from the same draws, or another value
      const r = next();
      let b: unknown;
      if (r < 0.3) b = a;
      else if (r < 0.6) b = structuredCopy(a);
      else b = value(next, 0);
      const expected = canonicalBySort(a) === canonicalBySort(b);
      if (expected) equal++;
      expect(sameCanonical(a, b), `${canonicalBySort(a)} vs ${canonicalBySort(b)}`).toBe(expected);
    }
    expect(equal).toBeGreaterThan(5000);
  });

  it.each([
    { name: "NaN and null", a: [NaN], b: [null], same: true },
    { name: "undefined in an array and null", a: [undefined], b: [null], same: true },
    { name: "an undefined field and no field", a: { x: 1, y: undefined }, b: { x: 1 }, same: true },
    { name: "0 and -0", a: { n: 0 }, b: { n: -0 }, same: true },
    { name: "keys in another order", a: { x: 1, y: [2] }, b: { y: [2], x: 1 }, same: true },
    { name: '"1" and 1', a: ["1"], b: [1], same: false },
    { name: "a Date and its ISO text", a: { at: new Date(0) }, b: { at: "1970-01-01T00:00:00.000Z" }, same: true },
    { name: "a toJSON that writes null, and null", a: [{ toJSON: () => null }], b: [null], same: true },
    { name: "an inherited field", a: Object.create({ x: 1 }) as object, b: { x: 1 }, same: false },
  ])("sameCanonical: $name", ({ a, b, same }) => {
    expect(canonicalBySort(a) === canonicalBySort(b)).toBe(same);
    expect(sameCanonical(a, b)).toBe(same);
  });

  it("throws on a bigint as JSON.stringify does", () => {
    expect(() => canonical({ n: 1n })).toThrow(TypeError);
  });
});
