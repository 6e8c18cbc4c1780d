/** The exports' pure parts: CSV cells that cannot become formulas, and the query the filters are read from. */
import { describe, expect, test } from "vitest";
import { csvCell, inventoryCsv } from "../../src/core/dashboard/csv.js";
import { modelFilterOf, parseModelsQuery } from "../../src/core/dashboard/query.js";
import type { InventoryModel } from "../../src/core/inventory/types.js";

describe("CSV", () => {
  test.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ["+1+1", `"'+1+1"`],
    ["-2+3", `"'-2+3"`],
    ["@SUM(A1)", `"'@SUM(A1)"`],
    ["\t=1", `"'\t=1"`],
    ["\r=1", `"'\r=1"`],
    ["fraud-detector", `"fraud-detector"`],
    ["a,b\nc", `"a,b\nc"`],
  ])("attack: the cell %j is written as text: %s", (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  test("attack: a model named like a formula is exported as text in every column it reaches", () => {
    const model: InventoryModel = {
      repositoryId: 1,
      fullName: "acme/models",
      name: "=cmd|' /C calc'!A0",
      version: "1.0.0",
      digest: `sha256:${"0".repeat(64)}`,
      status: "active",
      manifestPath: "@evil/model.yaml",
      standing: {
        model: "=cmd|' /C calc'!A0",
        version: "1.0.0",
        digest: `sha256:${"0".repeat(64)}`,
        pullRequest: null,
        releases: [],
        deployments: [],
        signOffs: [{ role: "=role", login: "mallory", at: "2026-12-01T00:00:00Z" }],
        awaitingRoles: [],
        evaluation: null,
        endOfLife: null,
        firstSeenAt: null,
        lastSeenAt: null,
      },
    };
    const [, row] = inventoryCsv([model]).split("\r\n");
    expect(row).toBe(
      `"acme/models","'=cmd|' /C calc'!A0","1.0.0","sha256:${"0".repeat(64)}","active","'@evil/model.yaml","none","","","","'=role:mallory","","","",""`,
    );
  });
});

describe("the models query", () => {
  test("reads the filters and never widens the repositories beyond the readable ones", () => {
    const parsed = parseModelsQuery(new URLSearchParams("filter=expiring&days=10&repository=7"));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const now = new Date("2026-12-07T00:00:00Z");
    expect(modelFilterOf(parsed.value, [5, 7], now)).toEqual({
      repositoryIds: [7],
      evaluationExpiringWithinDays: 10,
      now,
    });
    expect(modelFilterOf(parsed.value, [5], now).repositoryIds).toEqual([]);
  });

  test.each(["filter=all", "days=-1", "days=1e3", "repository=abc", "page=0", "sort=name"])("refuses %s", (query) => {
    expect(parseModelsQuery(new URLSearchParams(query)).ok).toBe(false);
  });
});
