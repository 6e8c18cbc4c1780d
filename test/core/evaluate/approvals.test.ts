import { describe, expect, it } from "vitest";
import type { ApprovalFacts, RequirementStatus } from "../../../src/core/evaluate/types.js";
import { testPolicy, type ModelFixture, signOffKeyOf } from "../../fixtures/manifests.js";
import { approvedByReviews, comment, review, scenario } from "./scenario.js";

const SIGN_OFF_URL = "https://github.com/acme/models/issues/7";
const signOffs =
  (...comments: ReturnType<typeof comment>[]) =>
  (head: ModelFixture): Partial<ApprovalFacts> => ({ signOffs: { [signOffKeyOf(head)]: comments } });
const shared = testPolicy({
  roles: {
    developer: { users: ["alice", "bob"] },
    system_operator: { users: ["alice"] },
    security: { users: ["sec1"] },
  },
});

interface Case {
  name: string;
  facts: Partial<ApprovalFacts> | ((head: ModelFixture) => Partial<ApprovalFacts>);
  policy?: ReturnType<typeof testPolicy>;
  developer: RequirementStatus;
  system_operator: RequirementStatus;
  /** Expected in the developer requirement's message. */
  message?: RegExp;
  operatorMessage?: RegExp;
}

const cases: Case[] = [
  {
    name: "reviews by holders on the head commit",
    facts: approvedByReviews,
    developer: "met",
    system_operator: "met",
    message: /^approved by @dev1 in a review of headsha$/,
  },
  { name: "no approval yet", facts: {}, developer: "pending", system_operator: "pending" },
  {
    name: "a review of an older commit is invalidated by the push",
    facts: { reviews: [review("dev1", { commitId: "0ldc0mmit" }), review("ops1")] },
    developer: "pending",
    system_operator: "met",
    message: /@dev1 approved an older commit \(0ldc0mm\): a review counts for the head commit only/,
  },
  {
    name: "a review of an older commit counts when invalidate_on_push is off",
    facts: { reviews: [review("dev1", { commitId: "0ldc0mmit" }), review("ops1")] },
    policy: testPolicy({ approvals: { invalidate_on_push: false } }),
    developer: "met",
    system_operator: "met",
  },
  {
    name: "the author's own review never counts",
    facts: { authors: ["DEV1"], reviews: [review("dev1"), review("ops1")] },
    developer: "pending",
    system_operator: "met",
    message: /@dev1 is an author: their own approval does not count/,
  },
  {
    name: "the author's review counts with allow_author",
    facts: { authors: ["dev1"], ...approvedByReviews },
    policy: testPolicy({ approvals: { allow_author: true } }),
    developer: "met",
    system_operator: "met",
  },
  {
    name: "a review by someone who holds no required role",
    facts: { reviews: [review("mallory"), review("ops1")] },
    developer: "pending",
    system_operator: "met",
    message: /@mallory approved but holds none of developer, system_operator/,
  },
  {
    name: "a team member, read live",
    facts: { reviews: [review("Carol"), review("ops1")], teamMembership: { carol: { "ml-engineers": true } } },
    developer: "met",
    system_operator: "met",
  },
  {
    name: "a former team member",
    facts: { reviews: [review("carol"), review("ops1")], teamMembership: { carol: { "ml-engineers": false } } },
    developer: "pending",
    system_operator: "met",
  },
  {
    name: "the latest review wins: changes requested after approving",
    facts: {
      reviews: [
        review("dev1"),
        review("dev1", { state: "CHANGES_REQUESTED", submittedAt: "2026-11-30T11:00:00Z" }),
        review("ops1"),
      ],
    },
    developer: "pending",
    system_operator: "met",
  },
  {
    name: "a comment after approving keeps the approval",
    facts: {
      reviews: [
        review("dev1"),
        review("dev1", { state: "COMMENTED", submittedAt: "2026-11-30T11:00:00Z" }),
        review("ops1"),
      ],
    },
    developer: "met",
    system_operator: "met",
  },
  {
    name: "a dismissed review does not count",
    facts: { reviews: [review("dev1", { state: "DISMISSED" }), review("ops1")] },
    developer: "pending",
    system_operator: "met",
  },
  {
    name: "distinct people: alice (developer + operator) and bob (developer) fill both roles",
    facts: { reviews: [review("alice"), review("bob")] },
    policy: shared,
    developer: "met",
    system_operator: "met",
    message: /@bob/,
    operatorMessage: /@alice/,
  },
  {
    name: "distinct people: one person fills only one role",
    facts: { reviews: [review("alice")] },
    policy: shared,
    developer: "met",
    system_operator: "pending",
    operatorMessage: /@alice already counts for developer: one person signs off one role per model version/,
  },
  {
    name: "without distinct_people one person may fill both roles",
    facts: { reviews: [review("alice")] },
    policy: testPolicy({ ...sharedRoles(), approvals: { distinct_people: false } }),
    developer: "met",
    system_operator: "met",
  },
  {
    name: "sign-offs on the sign-off issue of this digest",
    facts: signOffs(comment("dev1", "/approve developer"), comment("ops1", "/approve system_operator")),
    developer: "met",
    system_operator: "met",
    message: /^signed off by @dev1 on the sign-off issue \(2026-11-30T10:\d\d:00Z\)$/,
  },
  {
    name: "sign-offs for another digest do not count",
    facts: { signOffs: { "sha256:other": [comment("dev1", "/approve developer")] } },
    developer: "pending",
    system_operator: "pending",
  },
  {
    name: "via: [sign_off] ignores reviews",
    facts: approvedByReviews,
    policy: testPolicy({ approvals: { via: ["sign_off"] } }),
    developer: "pending",
    system_operator: "pending",
    message:
      /^developer must sign off \(held by @acme\/ml-engineers, @dev1, @dev2\); comment `\/approve developer` on the sign-off issue$/,
  },
  {
    name: "via: [review] ignores sign-offs",
    facts: signOffs(comment("dev1", "/approve developer"), comment("ops1", "/approve system_operator")),
    policy: testPolicy({ approvals: { via: ["review"] } }),
    developer: "pending",
    system_operator: "pending",
    message:
      /^developer must sign off \(held by @acme\/ml-engineers, @dev1, @dev2\); approve this pull request in a review$/,
  },
  {
    name: "a standing rejection blocks the role even with an approving review",
    facts: (head) => ({
      ...approvedByReviews,
      signOffs: { [signOffKeyOf(head)]: [comment("ops1", "/reject system_operator latency doubled in staging")] },
    }),
    developer: "met",
    system_operator: "pending",
    operatorMessage:
      /^rejected by @ops1: latency doubled in staging — a holder of system_operator comments `\/revoke system_operator` on the sign-off issue to clear it$/,
  },
  {
    name: "a revoked rejection no longer blocks",
    facts: (head) => ({
      ...approvedByReviews,
      signOffs: {
        [signOffKeyOf(head)]: [
          comment("ops1", "/reject system_operator latency"),
          comment("ops1", "/revoke system_operator"),
        ],
      },
    }),
    developer: "met",
    system_operator: "met",
  },
  {
    name: "a pending role says who holds it and how to sign off",
    facts: { signOffIssues: {} },
    developer: "pending",
    system_operator: "pending",
    message:
      /^developer must sign off \(held by @acme\/ml-engineers, @dev1, @dev2\); approve this pull request in a review, or comment `\/approve developer` on the sign-off issue$/,
  },
  {
    name: "a role nobody holds",
    facts: approvedByReviews,
    policy: testPolicy({ roles: { developer: { users: [], teams: [] }, system_operator: { users: ["ops1"] } } }),
    developer: "pending",
    system_operator: "met",
    message: /nobody holds it yet: add users or teams under roles\.developer in the policy/,
  },
];

function sharedRoles(): Record<string, unknown> {
  return { roles: { developer: { users: ["alice", "bob"] }, system_operator: { users: ["alice"] } } };
}

describe("approvals (5.1.4-3)", () => {
  it.each(cases)("$name", ({ facts, policy, developer, system_operator, message, operatorMessage }) => {
    const s = scenario({ facts, ...(policy ? { policy } : {}) });
    expect(s.ids("approval:")).toEqual(["approval:developer", "approval:system_operator"]);
    expect(s.req("approval:developer").status).toBe(developer);
    expect(s.req("approval:system_operator").status).toBe(system_operator);
    if (message) expect(s.req("approval:developer").message).toMatch(message);
    if (operatorMessage) expect(s.req("approval:system_operator").message).toMatch(operatorMessage);
    expect(s.model.verdict).toBe(developer === "met" && system_operator === "met" ? "success" : "action_required");
  });

  it("links the sign-off issue of the digest when it is known", () => {
    const s = scenario({ facts: (head) => ({ signOffIssues: { [signOffKeyOf(head)]: SIGN_OFF_URL } }) });
    expect(s.req("approval:developer").message).toContain(
      `comment \`/approve developer\` on the sign-off issue (${SIGN_OFF_URL})`,
    );
  });

  it("names teams without an org when the org is unknown", () => {
    const s = scenario({ facts: { org: undefined } as Partial<ApprovalFacts> });
    expect(s.req("approval:developer").message).toContain("held by team ml-engineers, @dev1, @dev2");
  });

  it("annotates approvals at the manifest's version line", () => {
    const s = scenario({ facts: {} });
    expect(s.req("approval:developer")).toMatchObject({
      path: "models/fraud/model.yaml",
      line: 2,
      provision: "5.1.4-3",
    });
  });

  it("the required roles are the union of the change kinds' gates", () => {
    const s = scenario({
      head: {
        version: "1.2.0",
        training_data: [{ name: "new-data", source: "https://d.example/x", acquired_at: "2026-10-01T00:00:00Z" }],
      },
    });
    expect(s.model.kinds).toEqual(["retrain", "training_data"]);
    expect(s.model.requiredRoles).toEqual(["developer", "system_operator", "data_custodian"]);
    expect(s.ids("approval:")).toEqual(["approval:developer", "approval:system_operator", "approval:data_custodian"]);
  });

  it("a new model needs all three accountable roles", () => {
    const s = scenario({ base: null, facts: { reviews: [review("dev1"), review("ops1"), review("custodian1")] } });
    expect(s.model.kinds).toEqual(["new_model"]);
    expect(s.model.verdict).toBe("success");
  });

  it("offline, approvals are pending and say they are read from GitHub", () => {
    const s = scenario({ facts: { available: false, ...approvedByReviews } });
    expect(s.req("approval:developer")).toMatchObject({
      status: "pending",
      message: expect.stringMatching(/^approvals are read from GitHub: developer must sign off/),
    });
    expect(s.model.verdict).toBe("action_required");
    expect(s.decision.verdict).toBe("action_required");
    expect(s.model.signOffs).toBeUndefined();
  });

  it("reports the standing sign-offs of the digest for the sign-off issue", () => {
    const s = scenario({
      facts: signOffs(comment("dev1", "/approve developer"), comment("ops1", "/reject system_operator not yet")),
    });
    expect(s.model.signOffs).toMatchObject({
      developer: { state: "approved", by: "dev1" },
      system_operator: { state: "rejected", by: "ops1", reason: "not yet" },
    });
  });
});

describe('break-glass override (docs/sign-off.md "Break glass")', () => {
  it("turns a failing gate into success and keeps the requirements as they are", () => {
    const s = scenario({
      head: { evaluation: { result: "fail" } },
      facts: signOffs(comment("sec1", "/override incident 4711: fraud wave, ship the hotfix")),
    });
    expect(s.model.verdict).toBe("success");
    expect(s.model.override).toEqual({
      by: "sec1",
      reason: "incident 4711: fraud wave, ship the hotfix",
      at: expect.any(String),
    });
    expect(s.req("evaluation.result").status).toBe("failed");
    expect(s.req("approval:developer").status).toBe("pending");
    expect(s.decision.verdict).toBe("success");
  });

  it("an author cannot override their own change", () => {
    const s = scenario({
      head: { evaluation: { result: "fail" } },
      facts: (head) => ({
        authors: ["sec1"],
        signOffs: { [signOffKeyOf(head)]: [comment("sec1", "/override hotfix")] },
      }),
    });
    expect(s.model.verdict).toBe("failure");
    expect(s.model.override).toBeUndefined();
  });

  it("someone without an override role cannot override", () => {
    const s = scenario({
      head: { evaluation: { result: "fail" } },
      facts: signOffs(comment("dev1", "/override hotfix")),
    });
    expect(s.model.verdict).toBe("failure");
  });

  it("is not reported on a gate that passes on its own", () => {
    const s = scenario({
      facts: (head) => ({
        ...approvedByReviews,
        signOffs: { [signOffKeyOf(head)]: [comment("sec1", "/override just in case")] },
      }),
    });
    expect(s.model.verdict).toBe("success");
    expect(s.model.override).toBeUndefined();
  });

  it("does not hide invalid manifests or unmanaged models", () => {
    const s = scenario({
      head: { evaluation: { result: "fail" } },
      facts: signOffs(comment("sec1", "/override hotfix")),
      extraHeadFiles: { "scratch/model.pt": { binary: "\u0000torch" } },
    });
    expect(s.model.verdict).toBe("success");
    expect(s.decision.unmanaged).toEqual([
      { path: "scratch/model.pt", source: "artifact", change: "added", level: "failure" },
    ]);
    expect(s.decision.verdict).toBe("failure");
  });
});
