import { describe, expect, test } from "vitest";
import { signOffIssueUse } from "../../../src/core/sign-off/issue-use.js";
import { testPolicy } from "../../fixtures/manifests.js";

describe("signOffIssueUse: when a pull-request evaluation reads and opens sign-off issues", () => {
  test.each([
    {
      name: "approvals by sign-off: read and open",
      via: ["review", "sign_off"],
      overrides: ["security"],
      pressed: false,
      expected: { read: true, open: true },
    },
    {
      name: "reviews only, but an override role: read (an /override counts), never open",
      via: ["review"],
      overrides: ["security"],
      pressed: false,
      expected: { read: true, open: false },
    },
    {
      name: "reviews only, nobody may override: not read",
      via: ["review"],
      overrides: [],
      pressed: false,
      expected: { read: false, open: false },
    },
    {
      name: 'reviews only and "Open sign-off" pressed: read and open',
      via: ["review"],
      overrides: [],
      pressed: true,
      expected: { read: true, open: true },
    },
    {
      name: "sign-off only, no override role: read and open",
      via: ["sign_off"],
      overrides: [],
      pressed: false,
      expected: { read: true, open: true },
    },
  ])("$name", ({ via, overrides, pressed, expected }) => {
    expect(signOffIssueUse(testPolicy({ approvals: { via }, overrides: { roles: overrides } }), pressed)).toEqual(
      expected,
    );
  });
});
