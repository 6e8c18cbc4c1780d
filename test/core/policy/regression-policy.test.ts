import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/core/policy/load-policy.js";

function errorsOf(text: string): Array<[number, string]> {
  const result = parsePolicy(text);
  return result.ok ? [] : result.errors.map((e) => [e.line, e.message]);
}

describe("policy regression (docs/regression.md)", () => {
  it("reads rules with their defaults", () => {
    const result = parsePolicy(
      [
        "roles:",
        "  security: { users: [sec1] }",
        "regression:",
        "  accept_role: security",
        "  missing: pending",
        "  metrics:",
        "    - { name: accuracy, direction: higher, max_drop: 0.02, min: 0.8 }",
        "    - { name: attack_success_rate, direction: lower, max_relative_drop: 0.25, security: true }",
        "",
      ].join("\n"),
    );
    expect(result.ok && result.policy.regression).toEqual({
      accept_role: "security",
      missing: "pending",
      metrics: [
        { name: "accuracy", direction: "higher", max_drop: 0.02, min: 0.8, security: false },
        { name: "attack_success_rate", direction: "lower", max_relative_drop: 0.25, security: true },
      ],
    });
  });

  it.each([
    {
      name: "a rule with no limit",
      text: "regression:\n  metrics:\n    - name: accuracy\n      direction: higher\n",
      errors: [[3, "regression.metrics[0]: a rule needs at least one of max_drop, max_relative_drop, min, max"]],
    },
    {
      name: "a relative drop given in per cent",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, max_relative_drop: 5 }\n",
      errors: [
        [
          3,
          "regression.metrics[0].max_relative_drop: a relative drop is a fraction from 0 to 1 (0.05 is five per cent)",
        ],
      ],
    },
    {
      name: "a negative drop",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, max_drop: -0.1 }\n",
      errors: [[3, "regression.metrics[0].max_drop: a drop is at least 0"]],
    },
    {
      name: "min above max",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, min: 0.9, max: 0.8 }\n",
      errors: [[3, "regression.metrics[0].min: min is above max: no value could pass"]],
    },
    {
      name: "two rules for one metric",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, min: 0.8 }\n    - { name: accuracy, direction: lower, max: 1 }\n",
      errors: [[4, 'regression.metrics[1].name: metric "accuracy" has two rules; give it one']],
    },
    {
      name: "an unknown direction",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: up, min: 0.8 }\n",
      errors: [[3, 'regression.metrics[0].direction: Invalid option: expected one of "higher"|"lower"']],
    },
    {
      name: "an unknown field (a typo must not drop a limit silently)",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, max_dorp: 0.1, min: 0 }\n",
      errors: [[3, 'regression.metrics[0]: unknown key "max_dorp"']],
    },
    {
      name: "a .nan limit",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, max_drop: .nan }\n",
      errors: [[3, expectNumber("regression.metrics[0].max_drop")]],
    },
    {
      name: "a .inf bound",
      text: "regression:\n  metrics:\n    - { name: accuracy, direction: higher, max: .inf }\n",
      errors: [[3, expectNumber("regression.metrics[0].max")]],
    },
    {
      name: "a metric name with markup",
      text: "regression:\n  metrics:\n    - { name: '<b>acc</b>', direction: higher, min: 0 }\n",
      errors: [
        [
          3,
          "regression.metrics[0].name: a metric name is letters, digits, _ . - (at most 64), starting with a letter or digit",
        ],
      ],
    },
    {
      name: "an accepting role the policy does not declare",
      text: "regression:\n  accept_role: auditor\n",
      errors: [[2, 'regression.accept_role: role "auditor" is not declared under roles']],
    },
    {
      name: "an accepting role only Object.prototype has",
      text: "regression:\n  accept_role: constructor\n",
      errors: [[2, 'regression.accept_role: role "constructor" is not declared under roles']],
    },
    {
      name: "an unknown missing mode",
      text: "regression:\n  missing: ignore\n",
      errors: [[2, 'regression.missing: Invalid option: expected one of "fail"|"pending"']],
    },
  ])("$name", ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });
});

function expectNumber(path: string): unknown {
  return expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, "\\$&")}: `));
}
