import { describe, expect, it } from "vitest";
import { canonical, canonicalBySort } from "../../../src/core/detect/canonical.js";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { modelFiles } from "../../fixtures/manifests.js";

/** mulberry32: deterministic, so a failure can be replayed */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["b", "a", "B", "é", "a b", "10", "2", "01", "-1", "__proto__", "constructor", "", "z\u0000", "\ud83d\ude00"];
const LEAVES: unknown[] = ["", "x", 'q"uote', "\u2028", "≡", 0, -0, 1.5, 1e21, NaN, Infinity, true, false, null, undefined, () => 1, Symbol("s")];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.4) return LEAVES[Math.floor(next() * LEAVES.length)];
  const size = Math.floor(next() * 4);
  if (r < 0.65) return Array.from({ length: size }, () => value(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) {
    const key = KEYS[Math.floor(next() * KEYS.length)]!;
    if (key === "__proto__") Object.defineProperty(object, key, { value: value(next, depth + 1), enumerable: true, writable: true, configurable: true });
    else object[key] = value(next, depth + 1);
  }
  return object;
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
    const fixture = modelFiles({ dir: "models/fraud", components: { "weights/model.safetensors": { kind: "weights", lfs: "w1" } } });
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

  it("throws on a bigint as JSON.stringify does", () => {
    expect(() => canonical({ n: 1n })).toThrow(TypeError);
  });
});
