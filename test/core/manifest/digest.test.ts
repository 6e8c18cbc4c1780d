import { describe, expect, it } from "vitest";
import { modelDigest, sha256Hex, MISSING_HASH } from "../../../src/core/manifest/digest.js";
import type { Component } from "../../../src/core/manifest/schema.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

describe("modelDigest (docs/configuration.md, model digest)", () => {
  it.each<{ name: string; components: Component[]; digest: string }>([
    {
      // printf '%s B\n%s a.bin\n' bbbb…(64) aaaa…(64) | sha256sum
      name: "two components; 'B' sorts before 'a' in byte order",
      components: [
        { path: "a.bin", kind: "weights", sha256: A },
        { name: "B", source: "pkg:huggingface/org/b@1", kind: "weights", sha256: B },
      ],
      digest: "sha256:746c80e5e4929bd58b4f1ba717ac99aa74b89ebf23f1584c85ad37e97babe977",
    },
    {
      // printf '%s \xef\xbd\x81\n%s \xf0\x9f\x98\x80\n' aaaa…(64) cccc…(64) | sha256sum
      // UTF-8 byte order puts U+FF41 (ef bd 81) before U+1F600 (f0 9f 98 80); UTF-16 order would not
      name: "byte order of UTF-8, not of JavaScript strings",
      components: [
        { name: "😀", source: "https://example.org/e", kind: "other", sha256: C },
        { name: "ａ", source: "https://example.org/a", kind: "other", sha256: A },
      ],
      digest: "sha256:a09420c02172a4c2746f47d08419c58a7b69dae117f956609e118754f5f2a576",
    },
    {
      // printf '' | sha256sum
      name: "no components: the hash of the empty text",
      components: [],
      digest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    },
    {
      // printf -- '- x\n' | sha256sum
      name: "a component without a declared hash",
      components: [{ path: "x", kind: "config" }],
      digest: "sha256:606744feec146aa136c89410a2848750f762ec981736c7c06c8f15ec96fdb6fa",
    },
  ])("$name", ({ components, digest }) => {
    expect(modelDigest(components)).toBe(digest);
  });

  it("does not depend on the order the manifest lists components in", () => {
    const one: Component = { path: "a.bin", kind: "weights", sha256: A };
    const two: Component = { name: "B", source: "s", kind: "weights", sha256: B };
    expect(modelDigest([one, two])).toBe(modelDigest([two, one]));
  });

  it("changes when any hash or name changes, and ignores the fields outside the line", () => {
    const base: Component[] = [{ path: "a.bin", kind: "weights", sha256: A }];
    const digest = modelDigest(base);
    expect(modelDigest([{ path: "a.bin", kind: "weights", sha256: B }])).not.toBe(digest);
    expect(modelDigest([{ path: "b.bin", kind: "weights", sha256: A }])).not.toBe(digest);
    expect(modelDigest([{ path: "a.bin", kind: "config", sha256: A, verified: true }])).toBe(digest);
  });

  it("writes a missing hash as '-'", () => {
    expect(MISSING_HASH).toBe("-");
  });
});

describe("sha256Hex", () => {
  it.each([
    { input: "", hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    // printf 'abc' | sha256sum
    { input: "abc", hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    {
      input: new Uint8Array([0x61, 0x62, 0x63]),
      hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    },
  ])("hashes $input", ({ input, hex }) => {
    expect(sha256Hex(input)).toBe(hex);
  });
});
