import { describe, expect, it } from "vitest";
import { describeRoleHolders, holdsRole, loginsToResolve } from "../../../src/core/evaluate/roles.js";
import { matchRolesToPeople } from "../../../src/core/evaluate/matching.js";
import { approvalFacts, testPolicy } from "../../fixtures/manifests.js";
import { comment, review } from "./scenario.js";

const policy = testPolicy();

describe("holdsRole", () => {
  it.each<{
    login: string;
    role: string;
    membership: Record<string, Record<string, boolean>>;
    holds: boolean;
    why: string;
  }>([
    { login: "dev1", role: "developer", membership: {}, holds: true, why: "listed user" },
    { login: "DEV1", role: "developer", membership: {}, holds: true, why: "users compare case-insensitively" },
    { login: "dev1", role: "system_operator", membership: {}, holds: false, why: "listed for another role" },
    {
      login: "carol",
      role: "developer",
      membership: { carol: { "ml-engineers": true } },
      holds: true,
      why: "active team member",
    },
    {
      login: "Carol",
      role: "developer",
      membership: { carol: { "ml-engineers": true } },
      holds: true,
      why: "membership is keyed by lower-case login",
    },
    {
      login: "carol",
      role: "developer",
      membership: { carol: { "ml-engineers": false } },
      holds: false,
      why: "not a member",
    },
    {
      login: "carol",
      role: "developer",
      membership: { carol: { "platform-ops": true } },
      holds: false,
      why: "member of another role's team",
    },
    { login: "carol", role: "developer", membership: {}, holds: false, why: "membership not looked up" },
    { login: "dev1", role: "nonexistent", membership: {}, holds: false, why: "undeclared role" },
    { login: "dev1", role: "constructor", membership: {}, holds: false, why: "object prototype names are not roles" },
  ])("$why: $login holds $role = $holds", ({ login, role, membership, holds }) => {
    expect(holdsRole(policy, membership, login, role)).toBe(holds);
  });

  it("describes the holders of a role for refusals", () => {
    expect(describeRoleHolders(policy, "data_custodian", "acme")).toBe(
      "teams: @acme/data-governance, users: @custodian1",
    );
    expect(
      describeRoleHolders(
        testPolicy({ roles: { data_custodian: { teams: ["data-governance"] } } }),
        "data_custodian",
        "acme",
      ),
    ).toBe("teams: @acme/data-governance, users: none");
    expect(describeRoleHolders(policy, "security")).toBe("teams: none, users: @sec1");
  });
});

describe("loginsToResolve", () => {
  const facts = approvalFacts({
    reviews: [
      review("Carol"),
      review("dave", { state: "CHANGES_REQUESTED" }),
      review("erin", { commitId: "old" }),
      review("frank", { state: "COMMENTED" }),
    ],
    signOffs: {
      "sha256:a": [
        comment("Gina", "/approve developer"),
        comment("hank", "thanks!"),
        comment("ivan", "/approve developer", { edited: true }),
      ],
      "sha256:b": [comment("judy", "/override hotfix")],
    },
  });
  const { teamMembership: _ignored, ...withoutMembership } = facts;

  it("lists approving reviewers and sign-off commenters, lower case, once each", () => {
    expect(loginsToResolve(policy, withoutMembership)).toEqual(["carol", "erin", "gina", "judy"]);
  });

  it("skips reviewers when reviews do not count", () => {
    expect(loginsToResolve(testPolicy({ approvals: { via: ["sign_off"] } }), withoutMembership)).toEqual([
      "gina",
      "judy",
    ]);
  });

  it("is empty when no role names a team, or offline", () => {
    const usersOnly = testPolicy({
      roles: {
        developer: { users: ["dev1"] },
        system_operator: { users: ["ops1"] },
        data_custodian: { users: ["c1"] },
      },
    });
    expect(loginsToResolve(usersOnly, withoutMembership)).toEqual([]);
    expect(loginsToResolve(policy, { ...withoutMembership, available: false })).toEqual([]);
  });
});

describe("matchRolesToPeople (one person, one role)", () => {
  it.each([
    {
      name: "greedy would fail: A could fill both, B only the first",
      candidates: { developer: ["a", "b"], operator: ["a"] },
      filled: 2,
    },
    { name: "one person, two roles", candidates: { developer: ["a"], operator: ["a"] }, filled: 1 },
    { name: "nobody", candidates: { developer: [], operator: [] }, filled: 0 },
    { name: "a chain of swaps", candidates: { r1: ["a", "b"], r2: ["b", "c"], r3: ["a"] }, filled: 3 },
    { name: "more roles than people", candidates: { r1: ["a", "b"], r2: ["a", "b"], r3: ["a", "b"] }, filled: 2 },
  ])("$name", ({ candidates, filled }) => {
    const matching = matchRolesToPeople(new Map(Object.entries(candidates)));
    expect(matching.size).toBe(filled);
    const people = [...matching.values()];
    expect(new Set(people).size).toBe(people.length);
    for (const [role, person] of matching) expect(candidates[role as keyof typeof candidates]).toContain(person);
  });
});
