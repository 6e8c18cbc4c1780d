import { describe, expect, test } from "vitest";
import { comparePolicies } from "../../../src/core/policy/compare-policies.js";
import { policySchema } from "../../../src/core/policy/schema.js";

const policy = (monitoring?: unknown) => policySchema.parse(monitoring === undefined ? {} : { monitoring });
const base = { reports: {}, thresholds: [{ metric: "attack_success_rate", max: 0.05, security: true }] };

describe("a proposed policy's monitoring section", () => {
  test.each([
    [
      "monitoring dropped",
      base,
      undefined,
      [{ setting: "monitoring", from: "configured", to: "(none)", effect: "weakens" }],
    ],
    [
      "monitoring added",
      undefined,
      base,
      [{ setting: "monitoring", from: "(none)", to: "configured", effect: "strengthens" }],
    ],
    [
      "older reports allowed",
      base,
      { ...base, max_report_age_days: 30 },
      [{ setting: "monitoring.max_report_age_days", from: "7", to: "30", effect: "weakens" }],
    ],
    [
      "a security threshold loosened",
      base,
      { ...base, thresholds: [{ metric: "attack_success_rate", max: 0.5, security: true }] },
      [
        {
          setting: "monitoring.thresholds",
          from: "attack_success_rate ≤ 0.05 (security)",
          to: "attack_success_rate ≤ 0.5 (security)",
          effect: "weakens",
        },
      ],
    ],
    [
      "a threshold added",
      base,
      { ...base, thresholds: [...base.thresholds, { metric: "accuracy", min: 0.9 }] },
      [
        {
          setting: "monitoring.thresholds",
          from: "attack_success_rate ≤ 0.05 (security)",
          to: "attack_success_rate ≤ 0.05 (security); accuracy ≥ 0.9",
          effect: "strengthens",
        },
      ],
    ],
    [
      "another source",
      base,
      { ...base, reports: { workflow: "monitoring.yml" } },
      [
        {
          setting: "monitoring.reports",
          from: "monitoring/{model}/{version}",
          to: "workflow monitoring.yml, artefact monitoring-reports, monitoring/{model}/{version}",
          effect: "changes",
        },
      ],
    ],
    ["unchanged", base, base, []],
  ])("%s", (_name, current, proposed, expected) => {
    expect(comparePolicies(policy(current), policy(proposed))).toEqual(expected);
  });
});
