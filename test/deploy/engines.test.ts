import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, test } from "vitest";

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, LockedPackage>;
};

/** The packages `npm ci` installs whose declared Node range leaves out part of modelgate's (npm warns EBADENGINE for them). */
function packagesNarrowerThan(range: string): string[] {
  return Object.entries(lock.packages).flatMap(([path, locked]) => {
    const node = !path || Array.isArray(locked.engines) ? undefined : locked.engines?.node;
    return node !== undefined && !semver.subset(range, node)
      ? [`${path.replace(/^.*node_modules\//, "")}@${locked.version} (node ${node})`]
      : [];
  });
}

describe("the supported Node versions (package.json engines)", () => {
  test("every installed package supports the whole range: npm ci warns no EBADENGINE on any of them", () => {
    expect(semver.validRange(packageJson.engines.node)).not.toBeNull();
    expect(packagesNarrowerThan(packageJson.engines.node)).toEqual([]);
  });

  test("the range holds the Node versions the README names (20, 22, 24) and this machine's", () => {
    for (const version of ["20.19.0", "22.13.0", "24.0.0", process.versions.node])
      expect(semver.satisfies(version, packageJson.engines.node)).toBe(true);
  });

  test("a package that needs a newer Node is found (the check can fail)", () => {
    expect(semver.subset(packageJson.engines.node, ">=22")).toBe(false);
  });
});
