import { describe, expect, it } from "vitest";
import { comparePolicies } from "../../../src/core/policy/compare-policies.js";
import { testPolicy } from "../../fixtures/manifests.js";

const plan = { path: "docs/plans/incident.md", provision: "5.2.2-5", review_days: 90, owner_role: "security" };
const withDocuments = (documents: unknown[], disclosure_policy = false) =>
  testPolicy({ governance: { documents, disclosure_policy } });

describe("a proposed policy's governance changes, for the policy check", () => {
  it.each([
    ["attack: a removed document weakens the gate", [plan], [], "weakens", "(removed)"],
    [
      "a longer review interval weakens it",
      [plan],
      [{ ...plan, review_days: 365 }],
      "weakens",
      "5.2.2-5, every 365 days, owner security",
    ],
    [
      "no longer gating releases weakens it",
      [{ ...plan, fail_release: true }],
      [plan],
      "weakens",
      "5.2.2-5, every 90 days, owner security",
    ],
    ["a new document strengthens it", [], [plan], "strengthens", "5.2.2-5, every 90 days, owner security"],
    [
      "another owner changes it",
      [plan],
      [{ ...plan, owner_role: "developer" }],
      "changes",
      "5.2.2-5, every 90 days, owner developer",
    ],
  ])("%s", (_label, from, to, effect, described) => {
    expect(comparePolicies(withDocuments(from), withDocuments(to))).toEqual([
      {
        setting: "governance.documents[docs/plans/incident.md]",
        from: expect.any(String) as string,
        to: described,
        effect,
      },
    ]);
  });

  it("switching the disclosure policy off weakens the gate", () => {
    expect(comparePolicies(withDocuments([], true), withDocuments([], false))).toEqual([
      { setting: "governance.disclosure_policy", from: "true", to: "false", effect: "weakens" },
    ]);
  });
});
