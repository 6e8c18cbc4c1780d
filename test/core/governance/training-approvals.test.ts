import { describe, expect, it } from "vitest";
import type { TrainingFacts } from "../../../src/core/governance/training.js";
import type { TrainingRoster } from "../../../src/core/governance/training-schema.js";
import { rosterChangeRequirements, withRosterRequirements } from "../../../src/core/evaluate/roster-requirements.js";
import { holdsRole } from "../../../src/core/evaluate/roles.js";
import { replaySignOffs } from "../../../src/core/sign-off/replay.js";
import type { Decision } from "../../../src/core/evaluate/types.js";
import { approvalFacts, signOffKeyOf, snapshot, testPolicy } from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { comment, review, scenario } from "../evaluate/scenario.js";

const COURSES: TrainingRoster["courses"] = [
  { id: "ml-security", roles: ["developer", "system_operator"], validity_days: 365 },
];

function roster(records: TrainingRoster["records"]): TrainingFacts {
  return {
    roster: { courses: COURSES, records },
    source: "governance/training.yaml of acme/models",
    committedAt: "2026-11-20T09:00:00Z",
    now: TEST_NOW.toISOString(),
  };
}

const opsTrained = roster([{ login: "ops1", course: "ml-security", completed: "2026-06-01" }]);
const bothTrained = roster([
  { login: "ops1", course: "ml-security", completed: "2026-06-01" },
  { login: "dev1", course: "ml-security", completed: "2026-06-01" },
]);

describe("approvals and training", () => {
  it("a review by an untrained holder does not count, and the requirement says why", () => {
    const { req, model } = scenario({
      policy: testPolicy({ training: { require: true } }),
      facts: { reviews: [review("dev1"), review("ops1")], training: opsTrained },
    });
    expect(req("approval:system_operator").status).toBe("met");
    expect(req("approval:developer")).toMatchObject({ status: "pending" });
    expect(req("approval:developer").message).toContain("@dev1 not counted: no training record for developer");
    expect(model.verdict).toBe("action_required");
  });

  it("a review by a trained holder counts", () => {
    const { req } = scenario({
      policy: testPolicy({ training: { require: true } }),
      facts: { reviews: [review("dev1"), review("ops1")], training: bothTrained },
    });
    expect(req("approval:developer")).toMatchObject({
      status: "met",
      message: "approved by @dev1 in a review of headsha",
    });
  });

  it("fails closed when the roster was not read although training is required", () => {
    const { req } = scenario({
      policy: testPolicy({ training: { require: true } }),
      facts: { reviews: [review("dev1"), review("ops1")] },
    });
    expect(req("approval:developer").message).toContain("@dev1 not counted: the training roster could not be read");
    expect(req("approval:system_operator").status).toBe("pending");
  });

  it("in the grace mode an untrained review counts, and the evidence says it would not", () => {
    const { req, model } = scenario({
      policy: testPolicy({ training: { require: "warn" } }),
      facts: { reviews: [review("dev1"), review("ops1")], training: opsTrained },
    });
    expect(req("approval:developer")).toMatchObject({
      status: "met",
      message:
        "approved by @dev1 in a review of headsha (⚠️ would not count with training.require: true: no training record for developer)",
    });
    expect(model.verdict).toBe("success");
  });

  it("a sign-off by an untrained holder is refused by the replay, and the requirement says why", () => {
    const { req } = scenario({
      policy: testPolicy({ training: { require: true } }),
      facts: (head) => ({
        reviews: [review("ops1")],
        signOffs: { [signOffKeyOf(head)]: [comment("dev2", "/approve developer")] },
        training: opsTrained,
      }),
    });
    expect(req("approval:developer").status).toBe("pending");
    expect(req("approval:developer").message).toContain("@dev2 not counted: no training record for developer");
  });
});

describe("the replay and training", () => {
  const policy = testPolicy({ training: { require: true } });
  const ctx = {
    policy,
    authors: ["author"],
    holdsRole: (login: string, role: string) => holdsRole(policy, {}, login, role),
    requiredRoles: ["developer", "system_operator"],
    training: roster([{ login: "dev1", course: "ml-security", completed: "2025-11-15" }]),
  };
  it("refuses an approval whose signer's training expired, with the reason for the reply", () => {
    const state = replaySignOffs([comment("dev1", "/approve developer")], ctx);
    expect(state.roles.developer).toBeUndefined();
    expect(state.outcomes[0]).toMatchObject({
      accepted: false,
      reason:
        "@dev1's sign-off as developer is not counted: developer training expired 2026-11-15 (training.require is true).",
      untrained: "not counted: developer training expired 2026-11-15",
    });
  });
  it("a rejection needs no training: it only stops a gate", () => {
    const state = replaySignOffs([comment("dev1", "/reject developer not ready")], ctx);
    expect(state.roles.developer?.state).toBe("rejected");
  });
  it("clearing a rejection needs training like an approval", () => {
    const state = replaySignOffs(
      [comment("dev2", "/reject developer not ready"), comment("dev1", "/revoke developer")],
      { ...ctx, training: roster([{ login: "dev2", course: "ml-security", completed: "2026-06-01" }]) },
    );
    expect(state.roles.developer?.state).toBe("rejected");
    expect(state.outcomes[1]?.reason).toMatch(/^@dev1's revoke as developer is not counted: no training record/);
  });
  it("in the grace mode an untrained approval is accepted with a note for the reply", () => {
    const warn = testPolicy({ training: { require: "warn" } });
    const state = replaySignOffs([comment("dev1", "/approve developer")], { ...ctx, policy: warn });
    expect(state.roles.developer?.state).toBe("approved");
    expect(state.outcomes[0]?.note).toBe(
      "It counts while training.require is warn, but would not count with training.require: true: developer training expired 2026-11-15.",
    );
  });
});

describe("a change to the roster", () => {
  const valid = "courses:\n  - id: x\n    roles: [developer]\n    validity_days: 365\n";
  const base = snapshot({ "governance/training.yaml": valid }, "base");
  const head = snapshot({ "governance/training.yaml": `${valid}# changed\n` }, "head");
  const policy = testPolicy({ training: { admins: "security" } });

  it("needs an approving review of the head commit by training.admins", () => {
    const [requirement] = rosterChangeRequirements(policy, base, head, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirement).toMatchObject({
      id: "training.roster",
      status: "met",
      path: "governance/training.yaml",
      message: "the roster change was approved by @sec1 in a review of headsha",
      provision: "5.1.1-1, 5.1.1-1.1, 5.1.1-2, 5.1.1-2.2",
    });
  });

  it("attack: own author added to roster — the author's own approval as admin does not count", () => {
    const [requirement] = rosterChangeRequirements(
      policy,
      base,
      head,
      approvalFacts({ authors: ["sec1"], reviews: [review("sec1")] }),
    );
    expect(requirement?.status).toBe("pending");
    expect(requirement?.message).toContain("@sec1 is an author: their own approval does not count");
  });

  it("needs it whatever approvals.via says, and whatever the admins' own training", () => {
    const strict = testPolicy({ training: { admins: "security", require: true }, approvals: { via: ["sign_off"] } });
    const [requirement] = rosterChangeRequirements(strict, base, head, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirement?.status).toBe("met");
  });

  it("a roster added or deleted is a change too; an untouched one is not", () => {
    const none = snapshot({}, "none");
    expect(rosterChangeRequirements(policy, none, head, approvalFacts())).toHaveLength(1);
    expect(rosterChangeRequirements(policy, base, none, approvalFacts())).toHaveLength(1);
    expect(rosterChangeRequirements(policy, base, base, approvalFacts())).toEqual([]);
  });

  it("an invalid new roster fails, with its line: merged, it would leave nobody trained", () => {
    const invalid = snapshot(
      { "governance/training.yaml": "courses:\n  - id: x\n    roles: [developer]\n    validity_days: 0\n" },
      "head",
    );
    const requirements = rosterChangeRequirements(policy, base, invalid, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirements.map((r) => [r.id, r.status, r.message, r.line])).toEqual([
      ["training.roster", "met", "the roster change was approved by @sec1 in a review of headsha", 1],
      [
        "training.roster.valid",
        "failed",
        "governance/training.yaml:4: courses[0].validity_days: Too small: expected number to be >0",
        4,
      ],
    ]);
  });

  it("a pending roster requirement turns a passing decision into action required", () => {
    const passing: Decision = { verdict: "success", models: [], unmanaged: [], errors: [] };
    const pending = rosterChangeRequirements(policy, base, head, approvalFacts());
    expect(withRosterRequirements(passing, pending)).toMatchObject({ verdict: "action_required", roster: pending });
    expect(withRosterRequirements({ ...passing, verdict: "failure" }, pending).verdict).toBe("failure");
  });
});
