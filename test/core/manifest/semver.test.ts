import { describe, expect, it } from "vitest";
import { compareSemver, isSemver } from "../../../src/core/manifest/semver.js";

describe("isSemver", () => {
  it.each([
    "0.0.0",
    "1.2.3",
    "10.20.30",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-0.3.7",
    "1.0.0-x.7.z.92",
    "1.0.0+20130313144700",
    "1.0.0-beta+exp.sha.5114f85",
    "1.0.0-x-y-z.--",
  ])("%s is a version", (v) => {
    expect(isSemver(v)).toBe(true);
  });
  it.each([
    "",
    "1",
    "1.0",
    "v1.0.0",
    "01.0.0",
    "1.02.0",
    "1.0.0-",
    "1.0.0-01",
    "1.0.0+",
    "1.0.0-alpha..1",
    " 1.0.0",
    "1.0.0\n",
    "latest",
  ])("%j is not", (v) => {
    expect(isSemver(v)).toBe(false);
  });
});

describe("compareSemver", () => {
  it("orders by precedence as semver.org §11 does", () => {
    const ordered = [
      "0.9.9",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.9.0",
      "1.10.0",
      "2.0.0",
      "10.0.0",
    ];
    const shuffled = [...ordered].reverse();
    [shuffled[0], shuffled[5]] = [shuffled[5] as string, shuffled[0] as string];
    expect(shuffled.sort(compareSemver)).toEqual(ordered);
  });

  it.each([
    { a: "1.0.0", b: "1.0.0", sign: 0 },
    { a: "1.0.0+build.1", b: "1.0.0+build.2", sign: 0 },
    { a: "1.0.0-rc.1+x", b: "1.0.0-rc.1", sign: 0 },
    { a: "2.1.0", b: "2.0.9", sign: 1 },
    { a: "1.0.0-alpha", b: "1.0.0", sign: -1 },
    { a: "1.0.0-2", b: "1.0.0-10", sign: -1 },
    { a: "1.0.0-10", b: "1.0.0-a", sign: -1 },
    { a: "1.0.0-B", b: "1.0.0-a", sign: -1 },
    // numbers beyond 2^53 are compared exactly
    { a: "9007199254740993.0.0", b: "9007199254740992.0.0", sign: 1 },
    { a: "1.0.0-9007199254740993", b: "1.0.0-9007199254740992", sign: 1 },
  ])("$a vs $b", ({ a, b, sign }) => {
    expect(Math.sign(compareSemver(a, b))).toBe(sign);
    expect(Math.sign(compareSemver(b, a))).toBe(-sign || 0);
  });

  it("refuses what is not a version, naming it", () => {
    expect(() => compareSemver("1.0", "1.0.0")).toThrow("not a semantic version: 1.0");
    expect(() => compareSemver("1.0.0", "next")).toThrow("not a semantic version: next");
  });
});
