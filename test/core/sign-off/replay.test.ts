import { describe, expect, it } from "vitest";
import { replaySignOffs, type ReplayContext } from "../../../src/core/sign-off/replay.js";
import { holdsRole } from "../../../src/core/evaluate/roles.js";
import type { SignOffComment } from "../../../src/core/evaluate/types.js";
import { testPolicy } from "../../fixtures/manifests.js";

const roles = {
  developer: { users: ["dev1", "dev2", "alice", "author"] },
  system_operator: { users: ["ops1", "alice"] },
  data_custodian: { teams: ["data-governance"] },
  security: { users: ["sec1", "author"] },
};

function context(
  overrides: {
    approvals?: Record<string, unknown>;
    overrides?: Record<string, unknown>;
    requiredRoles?: string[];
  } = {},
): ReplayContext {
  const policy = testPolicy({ roles, approvals: overrides.approvals ?? {}, overrides: overrides.overrides ?? {} });
  return {
    policy,
    authors: ["Author"],
    holdsRole: (login, role) => holdsRole(policy, { carol: { "data-governance": true } }, login, role),
    requiredRoles: overrides.requiredRoles ?? ["developer", "system_operator"],
    org: "acme",
  };
}

let minute = 0;
function c(login: string, body: string, extra: Partial<SignOffComment> = {}): SignOffComment {
  minute++;
  return {
    id: minute,
    login,
    body,
    createdAt: `2026-11-30T10:${String(minute % 60).padStart(2, "0")}:00Z`,
    edited: false,
    ...extra,
  };
}

interface Case {
  name: string;
  comments: () => SignOffComment[];
  ctx?: ReplayContext;
  /** role -> "approved by x" | "rejected by x" */
  standing: Record<string, string>;
  /** accepted (true) or the refusal reason, per command comment in order */
  outcomes: Array<true | RegExp>;
}

const cases: Case[] = [
  {
    name: "a holder approves",
    comments: () => [c("dev1", "/approve developer")],
    standing: { developer: "approved by dev1" },
    outcomes: [true],
  },
  {
    name: "a command refused when it was posted stays refused, even if its author now holds the role",
    comments: () => [c("dev1", "/approve developer", { refusedEarlier: true }), c("ops1", "/approve system_operator")],
    standing: { system_operator: "approved by ops1" },
    outcomes: [/refused when it was posted/, true],
  },
  {
    name: "a non-holder is refused, naming who holds the role",
    comments: () => [c("bob", "/approve data_custodian")],
    ctx: context({ requiredRoles: ["data_custodian"] }),
    standing: {},
    outcomes: [/^@bob is not a member of data_custodian \(teams: @acme\/data-governance, users: none\)\.$/],
  },
  {
    name: "a team member holds the role",
    comments: () => [c("Carol", "/approve data_custodian")],
    ctx: context({ requiredRoles: ["data_custodian"] }),
    standing: { data_custodian: "approved by Carol" },
    outcomes: [true],
  },
  {
    name: "an unknown role is refused",
    comments: () => [c("dev1", "/approve reviewer")],
    standing: {},
    outcomes: [
      /^there is no role "reviewer" in the policy; the roles are developer, system_operator, data_custodian, security\.$/,
    ],
  },
  {
    name: "a role no gate asks of this version is refused",
    comments: () => [c("carol", "/approve data_custodian")],
    standing: {},
    outcomes: [
      /^no gate of the policy asks data_custodian to sign off this model version; the roles that can sign off are developer, system_operator\.$/,
    ],
  },
  {
    name: "nothing to sign off",
    comments: () => [c("dev1", "/approve developer")],
    ctx: context({ requiredRoles: [] }),
    standing: {},
    outcomes: [/^no gate of the policy asks for a sign-off of this model version, so developer cannot sign off\.$/],
  },
  {
    name: "a role only a release or deployment may ask is accepted (acceptedRoles)",
    comments: () => [c("carol", "/approve data_custodian")],
    ctx: { ...context(), acceptedRoles: ["developer", "system_operator", "data_custodian"] },
    standing: { data_custodian: "approved by carol" },
    outcomes: [true],
  },
  {
    name: "a role outside acceptedRoles is refused even when listed nowhere else",
    comments: () => [c("sec1", "/approve security")],
    ctx: { ...context(), acceptedRoles: ["developer", "system_operator", "data_custodian"] },
    standing: {},
    outcomes: [/^no gate of the policy asks security to sign off this model version/],
  },
  {
    name: "one person, one role spans the roles a release or deployment may ask",
    comments: () => [c("alice", "/approve system_operator"), c("alice", "/approve developer")],
    ctx: { ...context({ requiredRoles: ["developer"] }), acceptedRoles: ["developer", "system_operator"] },
    standing: { system_operator: "approved by alice" },
    outcomes: [true, /already signed off as system_operator/],
  },
  {
    name: "an author is refused",
    comments: () => [c("author", "/approve developer")],
    standing: {},
    outcomes: [
      /^@author is an author of this change, and an author's own sign-off does not count \(approvals\.allow_author is false\)\.$/,
    ],
  },
  {
    name: "an author may sign off with allow_author",
    comments: () => [c("author", "/approve developer")],
    ctx: context({ approvals: { allow_author: true } }),
    standing: { developer: "approved by author" },
    outcomes: [true],
  },
  {
    name: "distinct people: one person, one role",
    comments: () => [c("alice", "/approve developer"), c("alice", "/approve system_operator")],
    standing: { developer: "approved by alice" },
    outcomes: [
      true,
      /^@alice already signed off as developer for this model version, and one person signs off only one role \(approvals\.distinct_people is true\)\.$/,
    ],
  },
  {
    name: "without distinct_people one person may sign off two roles",
    comments: () => [c("alice", "/approve developer"), c("alice", "/approve system_operator")],
    ctx: context({ approvals: { distinct_people: false } }),
    standing: { developer: "approved by alice", system_operator: "approved by alice" },
    outcomes: [true, true],
  },
  {
    name: "revoking one's own sign-off frees the person for another role",
    comments: () => [
      c("alice", "/approve developer"),
      c("alice", "/revoke developer"),
      c("alice", "/approve system_operator"),
    ],
    standing: { system_operator: "approved by alice" },
    outcomes: [true, true, true],
  },
  {
    name: "a later approval by someone else replaces the standing one",
    comments: () => [c("dev1", "/approve developer"), c("dev2", "/approve developer")],
    standing: { developer: "approved by dev2" },
    outcomes: [true, true],
  },
  {
    name: "a rejection stands until it is revoked; approving over it is refused",
    comments: () => [
      c("dev1", "/approve developer"),
      c("dev2", "/reject developer the threats table is empty"),
      c("dev1", "/approve developer"),
    ],
    standing: { developer: "rejected by dev2" },
    outcomes: [
      true,
      true,
      /^developer was rejected by @dev2 \(the threats table is empty\); a holder of developer must clear it with `\/revoke developer` before it can be approved\.$/,
    ],
  },
  {
    name: "reject then revoke by another holder, then approve",
    comments: () => [
      c("dev2", "/reject developer not yet"),
      c("dev1", "/revoke developer"),
      c("dev1", "/approve developer"),
    ],
    standing: { developer: "approved by dev1" },
    outcomes: [true, true, true],
  },
  {
    name: "revoking nothing is refused",
    comments: () => [c("dev1", "/revoke developer")],
    standing: {},
    outcomes: [/^developer has no standing sign-off or rejection to revoke\.$/],
  },
  {
    name: "a non-holder cannot revoke",
    comments: () => [c("dev1", "/approve developer"), c("ops1", "/revoke developer")],
    standing: { developer: "approved by dev1" },
    outcomes: [true, /^@ops1 is not a member of developer/],
  },
  {
    name: "an author cannot clear a rejection",
    comments: () => [c("dev1", "/reject developer no"), c("author", "/revoke developer")],
    standing: { developer: "rejected by dev1" },
    outcomes: [true, /^@author is an author of this change/],
  },
  {
    name: "someone who approved one role cannot reject another (distinct people)",
    comments: () => [c("alice", "/approve developer"), c("alice", "/reject system_operator nope")],
    standing: { developer: "approved by alice" },
    outcomes: [true, /already signed off as developer/],
  },
  {
    name: "edited comments are ignored entirely",
    comments: () => [c("dev1", "/approve developer", { edited: true }), c("ops1", "/approve system_operator")],
    standing: { system_operator: "approved by ops1" },
    outcomes: [true],
  },
  {
    name: "ordinary and malformed comments are skipped",
    comments: () => [c("dev1", "LGTM"), c("dev1", "/approve"), c("dev1", "/approve developer")],
    standing: { developer: "approved by dev1" },
    outcomes: [true],
  },
  {
    name: "comments are replayed oldest first whatever the input order",
    comments: () => {
      const first = c("dev1", "/approve developer");
      const second = c("dev2", "/reject developer regression");
      return [second, first];
    },
    standing: { developer: "rejected by dev2" },
    outcomes: [true, true],
  },
  {
    name: "role holding is checked at replay time: a holder who left no longer counts",
    comments: () => [c("erin", "/approve developer")],
    ctx: { ...context(), holdsRole: () => false },
    standing: {},
    outcomes: [/@erin is not a member of developer/],
  },
];

describe("replaySignOffs", () => {
  it.each(cases)("$name", ({ comments, ctx, standing, outcomes }) => {
    const list = comments();
    const state = replaySignOffs(list, ctx ?? context());
    expect(Object.fromEntries(Object.entries(state.roles).map(([role, s]) => [role, `${s.state} by ${s.by}`]))).toEqual(
      standing,
    );
    expect(state.outcomes.map((o) => (o.accepted ? true : o.reason))).toEqual(
      outcomes.map((o) => (o === true ? true : expect.stringMatching(o))),
    );
    for (const outcome of state.outcomes) expect(outcome.accepted).toBe(outcome.reason === undefined);
  });

  it("an approval of a role the tracked changes do not need says it counts where a release or deployment asks for it", () => {
    const approve = c("carol", "/approve data_custodian");
    const state = replaySignOffs([approve, c("dev1", "/approve developer")], {
      ...context(),
      acceptedRoles: ["developer", "system_operator", "data_custodian"],
    });
    expect(state.outcomes.map((o) => o.note)).toEqual([
      "`/approve data_custodian` is recorded. The pull requests of this model version need developer, system_operator; the approval of data_custodian counts where a release or deployment of it asks for data_custodian (for example when it is compared with an older version or judged as a new model).",
      undefined,
    ]);
  });

  it("records who, when, why and which comment for each standing sign-off", () => {
    const reject = c("dev2", "/reject developer eval is stale");
    const state = replaySignOffs([reject], context());
    expect(state.roles.developer).toEqual({
      state: "rejected",
      by: "dev2",
      at: reject.createdAt,
      reason: "eval is stale",
      commentId: reject.id,
    });
    expect(state.outcomes).toEqual([
      {
        commentId: reject.id,
        login: "dev2",
        command: { type: "reject", role: "developer", reason: "eval is stale" },
        accepted: true,
      },
    ]);
  });
});

describe("replaySignOffs: hostile role names", () => {
  it("a role named like an Object method has no standing sign-off until one is given", () => {
    const policy = testPolicy({ roles: { ...roles, constructor: { users: ["dev1"] } } });
    const ctx: ReplayContext = {
      policy,
      authors: [],
      holdsRole: (login, role) => holdsRole(policy, {}, login, role),
      requiredRoles: ["constructor"],
    };
    const state = replaySignOffs([c("dev1", "/revoke constructor"), c("dev1", "/approve constructor")], ctx);
    expect(state.outcomes.map((o) => o.accepted)).toEqual([false, true]);
    expect(state.roles.constructor).toMatchObject({ state: "approved", by: "dev1" });
  });
});

describe("replaySignOffs: /override", () => {
  it("a holder of an override role overrides, with the reason", () => {
    const comment = c("sec1", "/override incident 4711");
    const state = replaySignOffs([comment], context());
    expect(state.override).toEqual({ by: "sec1", reason: "incident 4711", at: comment.createdAt });
    expect(state.outcomes[0]?.accepted).toBe(true);
  });

  it.each([
    {
      name: "someone without an override role",
      login: "dev1",
      ctx: context(),
      reason:
        /^@dev1 may not override: only a holder of the role security \(teams: none, users: @sec1, @author\) may\.$/,
    },
    {
      name: "an author, even one holding the override role and with allow_author",
      login: "author",
      ctx: context({ approvals: { allow_author: true } }),
      reason: /^@author is an author of this change, and an author may not override its gate\.$/,
    },
    {
      name: "anyone when overrides are disabled",
      login: "sec1",
      ctx: context({ overrides: { roles: [] } }),
      reason: /^overrides are disabled: overrides\.roles is empty in the policy\.$/,
    },
  ])("is refused for $name", ({ login, ctx, reason }) => {
    const state = replaySignOffs([c(login, "/override hotfix")], ctx);
    expect(state.override).toBeUndefined();
    expect(state.outcomes[0]).toMatchObject({ accepted: false, reason: expect.stringMatching(reason) });
  });

  it("an edited override never counts", () => {
    expect(replaySignOffs([c("sec1", "/override hotfix", { edited: true })], context()).override).toBeUndefined();
  });
});

describe("replaySignOffs: role holding that could not be read", () => {
  /** The audit's context when the teams cannot be read: users of the policy are known, team members are not. */
  function unverifiedTeams(requiredRoles = ["developer", "data_custodian"]): ReplayContext {
    const ctx = context({ requiredRoles, overrides: { roles: ["data_custodian"] } });
    return {
      ...ctx,
      holdsRole: (login, role) => (ctx.policy.roles[role]?.teams.length ? "unverified" : ctx.holdsRole(login, role)),
    };
  }

  it("attack: an approval whose role holding is unverified is not counted, and says why", () => {
    const state = replaySignOffs(
      [c("mallory", "/approve data_custodian"), c("dev1", "/approve developer")],
      unverifiedTeams(),
    );
    expect(Object.keys(state.roles)).toEqual(["developer"]);
    expect(state.outcomes[0]).toMatchObject({
      accepted: false,
      roleNotVerified: true,
      reason:
        "whether @mallory holds data_custodian (teams: @acme/data-governance, users: none) could not be read, so this command is not counted (role not verified).",
    });
    expect(state.outcomes[1]).toEqual({
      commentId: expect.any(Number),
      login: "dev1",
      command: { type: "approve", role: "developer" },
      accepted: true,
    });
  });

  it("attack: an unverified /revoke cannot clear a rejection, nor an unverified /override stand", () => {
    const state = replaySignOffs(
      [
        c("dev1", "/reject developer not ready"),
        c("mallory", "/override ship it"),
        c("mallory", "/revoke data_custodian"),
      ],
      unverifiedTeams(),
    );
    expect(state.override).toBeUndefined();
    expect(state.roles["developer"]).toMatchObject({ state: "rejected", by: "dev1" });
    expect(state.outcomes.map((o) => [o.accepted, o.roleNotVerified])).toEqual([
      [true, undefined],
      [false, true],
      [false, true],
    ]);
  });

  it("a refusal for another reason is not marked unverified", () => {
    const state = replaySignOffs([c("author", "/approve data_custodian")], unverifiedTeams());
    expect(state.outcomes[0]).toMatchObject({ accepted: false, reason: expect.stringMatching(/is an author/) });
    expect(state.outcomes[0]!.roleNotVerified).toBeUndefined();
  });
});
