import { describe, expect, it } from "vitest";
import { comparePolicies } from "../../../src/core/policy/compare-policies.js";
import { testPolicy } from "../../fixtures/manifests.js";

const ACCURACY = { name: "accuracy", direction: "higher", max_drop: 0.02, min: 0.8 };

function differences(from: Record<string, unknown>, to: Record<string, unknown>) {
  return comparePolicies(testPolicy({ regression: from }), testPolicy({ regression: to })).map((d) => [
    d.setting,
    d.effect,
  ]);
}

describe("a policy proposal that changes regression (docs/regression.md)", () => {
  it.each([
    ["a rule added", { metrics: [] }, { metrics: [ACCURACY] }, [["regression.metrics.accuracy", "strengthens"]]],
    ["attack: a rule removed", { metrics: [ACCURACY] }, { metrics: [] }, [["regression.metrics.accuracy", "weakens"]]],
    [
      "attack: a drop allowed to grow",
      { metrics: [ACCURACY] },
      { metrics: [{ ...ACCURACY, max_drop: 0.2 }] },
      [["regression.metrics.accuracy", "weakens"]],
    ],
    [
      "attack: a bound removed while another tightens",
      { metrics: [ACCURACY] },
      { metrics: [{ name: "accuracy", direction: "higher", max_drop: 0.01 }] },
      [["regression.metrics.accuracy", "weakens"]],
    ],
    [
      "a minimum raised",
      { metrics: [ACCURACY] },
      { metrics: [{ ...ACCURACY, min: 0.85 }] },
      [["regression.metrics.accuracy", "strengthens"]],
    ],
    [
      "attack: missing becomes pending",
      { missing: "fail" },
      { missing: "pending" },
      [["regression.missing", "weakens"]],
    ],
    [
      "attack: an accepting role where there was none",
      {},
      { accept_role: "security" },
      [["regression.accept_role", "weakens"]],
    ],
    ["the same section", { metrics: [ACCURACY] }, { metrics: [ACCURACY] }, []],
  ])("%s", (_name, from, to, expected) => {
    expect(differences(from, to)).toEqual(expected);
  });
});
