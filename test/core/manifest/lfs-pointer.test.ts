import { describe, expect, it } from "vitest";
import { parseLfsPointer } from "../../../src/core/manifest/lfs-pointer.js";

const OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
const pointer = (...lines: string[]) => `${lines.join("\n")}\n`;
const VERSION = "version https://git-lfs.github.com/spec/v1";

describe("parseLfsPointer", () => {
  it.each([
    {
      name: "a standard pointer",
      text: pointer(VERSION, `oid sha256:${OID}`, "size 12345"),
      expected: { oid: OID, size: 12345, extensions: [] },
    },
    {
      name: "without the final newline",
      text: `${VERSION}\noid sha256:${OID}\nsize 0`,
      expected: { oid: OID, size: 0, extensions: [] },
    },
    {
      name: "with extensions (the oid is then not the file's hash)",
      text: pointer(VERSION, `ext-0-foo sha256:${"1".repeat(64)}`, `oid sha256:${OID}`, "size 10"),
      expected: { oid: OID, size: 10, extensions: [`ext-0-foo sha256:${"1".repeat(64)}`] },
    },
    {
      name: "with an unknown key line",
      text: pointer(VERSION, "custom value", `oid sha256:${OID}`, "size 5"),
      expected: { oid: OID, size: 5, extensions: [] },
    },
    {
      name: "larger than 2^32 bytes",
      text: pointer(VERSION, `oid sha256:${OID}`, "size 70000000000"),
      expected: { oid: OID, size: 70_000_000_000, extensions: [] },
    },
  ])("parses $name", ({ text, expected }) => {
    expect(parseLfsPointer(text)).toEqual(expected);
  });

  it.each([
    { name: "an empty file", text: "" },
    { name: "a regular text file", text: "hello\n" },
    {
      name: "an unknown spec version",
      text: pointer("version https://example.org/spec/v9", `oid sha256:${OID}`, "size 1"),
    },
    { name: "no oid", text: pointer(VERSION, "size 1") },
    { name: "no size", text: pointer(VERSION, `oid sha256:${OID}`) },
    { name: "a sha1 oid", text: pointer(VERSION, `oid sha1:${"a".repeat(40)}`, "size 1") },
    { name: "an upper-case oid", text: pointer(VERSION, `oid sha256:${OID.toUpperCase()}`, "size 1") },
    { name: "a short oid", text: pointer(VERSION, "oid sha256:abc", "size 1") },
    { name: "a negative size", text: pointer(VERSION, `oid sha256:${OID}`, "size -1") },
    { name: "CRLF line endings (pointers are LF only)", text: `${VERSION}\r\noid sha256:${OID}\r\nsize 1\r\n` },
    { name: "a line that is not key value", text: pointer(VERSION, `oid sha256:${OID}`, "size 1", "garbage") },
    { name: "a file over 1 KiB", text: pointer(VERSION, `oid sha256:${OID}`, "size 1", `x ${"y".repeat(1100)}`) },
    { name: "binary content", text: "\u0000\u0001PK\u0003\u0004" },
  ])("refuses $name", ({ text }) => {
    expect(parseLfsPointer(text)).toBeUndefined();
  });
});
