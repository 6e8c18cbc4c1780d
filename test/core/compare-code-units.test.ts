import { describe, expect, test } from "vitest";
import { compareCodeUnits } from "../../src/core/compare-code-units.js";

describe("compareCodeUnits", () => {
  test("orders by UTF-16 code units, as `<` does, not by locale", () => {
    const sorted = ["b", "é", "B", "a", "Z", "a"].sort(compareCodeUnits);
    expect(sorted).toEqual(["B", "Z", "a", "a", "b", "é"]);
  });

  test("is negative, zero or positive as the first string sorts before, with or after the second", () => {
    expect(compareCodeUnits("a", "b")).toBe(-1);
    expect(compareCodeUnits("a", "a")).toBe(0);
    expect(compareCodeUnits("b", "a")).toBe(1);
    expect(compareCodeUnits("", "a")).toBe(-1);
  });
});
