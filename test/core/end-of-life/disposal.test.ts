import { describe, expect, test } from "vitest";
import { disposalStatus } from "../../../src/core/end-of-life/disposal.js";
import type { SignOffState } from "../../../src/core/sign-off/replay.js";
import { testPolicy } from "../../fixtures/manifests.js";

const policy = testPolicy({ end_of_life: { checklist: ["disable serving endpoints", "delete the weights"] } });
const body = (ticked: boolean[]): string =>
  [
    "<!-- modelgate:checklist:start -->",
    `- [${ticked[0] ? "x" : " "}] disable serving endpoints`,
    `- [${ticked[1] ? "x" : " "}] delete the weights`,
    "<!-- modelgate:checklist:end -->",
  ].join("\n");
const signOffs = (roles: Record<string, "approved" | "rejected">): SignOffState => ({
  roles: Object.fromEntries(
    Object.entries(roles).map(([role, state]) => [role, { state, by: `${role}-holder`, commentId: 1 }]),
  ) as SignOffState["roles"],
  outcomes: [],
});

describe("disposalStatus: an end-of-life issue closes only when the disposal is complete", () => {
  test.each<{
    name: string;
    ticked: boolean[];
    roles: Record<string, "approved" | "rejected">;
    unchecked: string[];
    missing: string[];
    complete: boolean;
  }>([
    {
      name: "nothing done",
      ticked: [false, false],
      roles: {},
      unchecked: ["disable serving endpoints", "delete the weights"],
      missing: ["system_operator", "data_custodian"],
      complete: false,
    },
    {
      name: "every item ticked, no sign-off",
      ticked: [true, true],
      roles: {},
      unchecked: [],
      missing: ["system_operator", "data_custodian"],
      complete: false,
    },
    {
      name: "signed off, one item open",
      ticked: [true, false],
      roles: { system_operator: "approved", data_custodian: "approved" },
      unchecked: ["delete the weights"],
      missing: [],
      complete: false,
    },
    {
      name: "a rejection is not a sign-off",
      ticked: [true, true],
      roles: { system_operator: "approved", data_custodian: "rejected" },
      unchecked: [],
      missing: ["data_custodian"],
      complete: false,
    },
    {
      name: "every item ticked and every role approved",
      ticked: [true, true],
      roles: { system_operator: "approved", data_custodian: "approved" },
      unchecked: [],
      missing: [],
      complete: true,
    },
  ])("$name", ({ ticked, roles, unchecked, missing, complete }) => {
    expect(disposalStatus(policy, body(ticked), signOffs(roles))).toEqual({
      roles: ["system_operator", "data_custodian"],
      unchecked,
      missingRoles: missing,
      complete,
    });
  });

  test("a body without a checklist has every item open", () => {
    expect(
      disposalStatus(policy, null, signOffs({ system_operator: "approved", data_custodian: "approved" })).unchecked,
    ).toEqual(["disable serving endpoints", "delete the weights"]);
  });
});
