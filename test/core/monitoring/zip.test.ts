import { describe, expect, test } from "vitest";
import { MAX_ARTIFACT_ZIP_BYTES, readZip } from "../../../src/core/monitoring/zip.js";
import { buildZip } from "../../helpers/zip.js";

const all = () => true;

describe("artefact zips", () => {
  test("reads stored and deflated entries; leaves out what is not wanted and folders", () => {
    const zip = buildZip([
      { name: "fraud-detector/2.0.0/report.json", content: '{"a":1}' },
      { name: "fraud-detector/2.0.0/raw.json", content: '{"b":2}', method: 0 },
      { name: "fraud-detector/", content: "" },
      { name: "other.txt", content: "x" },
    ]);
    const read = readZip(zip, (name) => name.endsWith(".json") || name.endsWith("/"));
    expect(read).toEqual({
      ok: true,
      entries: [
        { name: "fraud-detector/2.0.0/report.json", content: { ok: true, text: '{"a":1}' } },
        { name: "fraud-detector/2.0.0/raw.json", content: { ok: true, text: '{"b":2}' } },
      ],
    });
  });

  test.each([
    ["../escape.json"],
    ["fraud-detector/../../etc/passwd"],
    ["/abs.json"],
    ["a\\b.json"],
    ["C:/x.json"],
    ["a/./b.json"],
  ])("attack: a zip with the path %j is refused whole", (name) => {
    const zip = buildZip([
      { name: "ok.json", content: "{}" },
      { name, content: "{}" },
    ]);
    const read = readZip(zip, all);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason).toMatch(/unsafe name/);
  });

  test("attack: a zip bomb (small declared size, inflating past 1 MiB) is stopped, not expanded", () => {
    const bomb = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const zip = buildZip([{ name: "report.json", content: bomb, declaredSize: 100 }]);
    expect(zip.length).toBeLessThan(20 * 1024);
    expect(readZip(zip, all)).toEqual({
      ok: true,
      entries: [{ name: "report.json", content: { ok: false, reason: "inflates beyond 1 MiB or is corrupt" } }],
    });
  });

  test("an entry declared larger than 1 MiB is not inflated", () => {
    const zip = buildZip([{ name: "report.json", content: Buffer.alloc(2 * 1024 * 1024, 0x20) }]);
    expect(readZip(zip, all)).toEqual({
      ok: true,
      entries: [{ name: "report.json", content: { ok: false, reason: "larger than 1 MiB" } }],
    });
  });

  test("attack: a zip larger than the bound is not read", () => {
    const read = readZip(new Uint8Array(MAX_ARTIFACT_ZIP_BYTES + 1), all);
    expect(read).toEqual({ ok: false, reason: "the zip is larger than 16 MiB" });
  });

  test.each([
    ["not a zip", Buffer.from("hello")],
    ["a truncated zip", buildZip([{ name: "a.json", content: "{}" }]).subarray(10)],
  ])("%s is refused", (_name, data) => {
    expect(readZip(data, all).ok).toBe(false);
  });

  test("an entry that is not UTF-8 is not read", () => {
    const zip = buildZip([{ name: "a.json", content: Buffer.from([0xff, 0xfe, 0x00]) }]);
    expect(readZip(zip, all)).toEqual({
      ok: true,
      entries: [{ name: "a.json", content: { ok: false, reason: "not UTF-8 text" } }],
    });
  });
});
