import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROVISION_CLAUSES, PROVISIONS } from "../../../src/core/audit/provisions.js";

const SRC = join(import.meta.dirname, "..", "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** "5.2.4-1.2" -> [5, 2, 4, 1, 2]: provisions compare by their numbers. */
const numbers = (id: string): number[] => id.split(/[.-]/).map(Number);
const compare = (a: string, b: string): number => {
  const x = numbers(a);
  const y = numbers(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
};

describe("the provisions of EN 304 223 V2.1.1", () => {
  it("run from 5.1.1-1 to 5.5.1-2, once each, in the standard's order, in the 13 clauses", () => {
    const ids = PROVISIONS.map((p) => p.id);
    expect(ids[0]).toBe("5.1.1-1");
    expect(ids.at(-1)).toBe("5.5.1-2");
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(72);
    expect([...ids].sort(compare)).toEqual(ids);
    expect(PROVISION_CLAUSES.map((c) => c.principle)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const p of PROVISIONS) expect(PROVISION_CLAUSES.map((c) => c.clause)).toContain(p.clause);
  });

  it("say for each what modelgate evidences, what it leaves out, and where the report shows it", () => {
    for (const p of PROVISIONS) {
      if (p.coverage === "organisational") expect(p.outside, p.id).toBeTruthy();
      if (p.coverage === "partly")
        expect([p.modelgate, p.outside, p.evidence?.length], p.id).toEqual([
          expect.any(String),
          expect.any(String),
          expect.any(Number),
        ]);
      if (p.coverage === "evidenced") expect(p.evidence?.length, p.id).toBeGreaterThan(0);
    }
  });

  it("include every provision a requirement of modelgate cites, and call it evidenced or partly", () => {
    const cited = new Set<string>();
    // every quoted provision number outside the audit's own list: requirements, constants, tables
    for (const file of sourceFiles(join(SRC, "core")).filter((f) => !f.includes(join("core", "audit")))) {
      for (const match of readFileSync(file, "utf8").matchAll(
        /"(5\.\d\.\d-\d+(?:\.\d+)?(?:, 5\.\d\.\d-\d+(?:\.\d+)?)*)"/g,
      ))
        for (const id of match[1]!.split(/,\s*/)) cited.add(id);
    }
    expect(cited.size).toBeGreaterThan(5);
    for (const id of cited) {
      const provision = PROVISIONS.find((p) => p.id === id);
      expect(provision, id).toBeDefined();
      expect(provision!.coverage, id).not.toBe("organisational");
    }
  });
});
