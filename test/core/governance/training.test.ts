import { describe, expect, it } from "vitest";
import {
  trainingDue,
  trainingJudgement,
  trainingStanding,
  type TrainingFacts,
} from "../../../src/core/governance/training.js";
import { loadTrainingRoster, type TrainingRoster } from "../../../src/core/governance/training-schema.js";
import { trainingFactsFromText, trainingProvisionEvidence } from "../../../src/core/governance/training-evidence.js";
import { comparePolicies } from "../../../src/core/policy/compare-policies.js";
import { testPolicy } from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";

const COURSES: TrainingRoster["courses"] = [
  { id: "ml-security", roles: ["developer", "system_operator"], validity_days: 365 },
  { id: "data-handling", roles: ["data_custodian"], validity_days: 180 },
];

function facts(records: TrainingRoster["records"], extra: Partial<TrainingFacts> = {}): TrainingFacts {
  return {
    roster: { courses: COURSES, records },
    source: "governance/training.yaml of acme/models",
    committedAt: "2026-11-20T09:00:00Z",
    now: TEST_NOW.toISOString(),
    ...extra,
  };
}

interface StandingCase {
  name: string;
  training: TrainingFacts | undefined;
  login: string;
  role: string;
  expected: true | string;
}

const standingCases: StandingCase[] = [
  {
    name: "a record within its validity counts",
    training: facts([{ login: "dev1", course: "ml-security", completed: "2026-03-01" }]),
    login: "dev1",
    role: "developer",
    expected: true,
  },
  {
    name: "one course may qualify for several roles",
    training: facts([{ login: "ops1", course: "ml-security", completed: "2026-03-01" }]),
    login: "ops1",
    role: "system_operator",
    expected: true,
  },
  {
    name: "an expired record names the day it expired",
    training: facts([{ login: "custodian1", course: "data-handling", completed: "2026-04-04" }]),
    login: "custodian1",
    role: "data_custodian",
    expected: "data_custodian training expired 2026-10-01",
  },
  {
    name: "it expires on its expiry day, not the day after",
    training: facts([{ login: "custodian1", course: "data-handling", completed: "2026-06-04" }]),
    login: "custodian1",
    role: "data_custodian",
    expected: "data_custodian training expired 2026-12-01",
  },
  {
    name: "the renewal that lasts longest counts",
    training: facts([
      { login: "custodian1", course: "data-handling", completed: "2026-11-01" },
      { login: "custodian1", course: "data-handling", completed: "2026-01-01" },
    ]),
    login: "custodian1",
    role: "data_custodian",
    expected: true,
  },
  {
    name: "a course for another role does not train this one",
    training: facts([{ login: "dev1", course: "ml-security", completed: "2026-11-01" }]),
    login: "dev1",
    role: "data_custodian",
    expected: "no training record for data_custodian",
  },
  {
    name: "no course qualifies for the role",
    training: facts([]),
    login: "sec1",
    role: "security",
    expected: "no course in the training roster qualifies for security",
  },
  {
    name: "no roster at all",
    training: { roster: undefined, source: "governance/training.yaml", now: TEST_NOW.toISOString() },
    login: "dev1",
    role: "developer",
    expected: "no training roster (governance/training.yaml) was found",
  },
  {
    name: "a roster that could not be read trains nobody",
    training: undefined,
    login: "dev1",
    role: "developer",
    expected: "the training roster could not be read",
  },
  {
    name: "an invalid roster trains nobody",
    training: { ...facts([]), roster: undefined, invalid: 'line 3: course "x" is not listed under courses' },
    login: "dev1",
    role: "developer",
    expected:
      'the training roster (governance/training.yaml of acme/models) is invalid: line 3: course "x" is not listed under courses',
  },
  {
    name: "attack: login case tricks — GitHub logins compare case-insensitively, so DEV1 is dev1 and nobody else",
    training: facts([{ login: "DEV1", course: "ml-security", completed: "2026-03-01" }]),
    login: "dev1",
    role: "developer",
    expected: true,
  },
  {
    name: "attack: login case tricks — a record for a longer login does not train its prefix",
    training: facts([{ login: "dev1-bot", course: "ml-security", completed: "2026-03-01" }]),
    login: "dev1",
    role: "developer",
    expected: "no training record for developer",
  },
  {
    name: "attack: backdated record — a record added late counts only for what is left of its window from the claimed date",
    training: facts([{ login: "dev1", course: "ml-security", completed: "2025-11-01" }]),
    login: "dev1",
    role: "developer",
    expected: "developer training expired 2026-11-01",
  },
  {
    name: "attack: forward-dated record — a completion after the judgement time counts for nothing",
    training: facts([{ login: "dev1", course: "ml-security", completed: "2026-12-24" }], { committedAt: undefined }),
    login: "dev1",
    role: "developer",
    expected:
      "the developer training record is dated 2026-12-24, after today (2026-12-01): a completion is recorded after it happens",
  },
  {
    name: "attack: forward-dated record — a completion after the roster's last commit was recorded before it happened",
    training: facts([{ login: "dev1", course: "ml-security", completed: "2026-11-25" }]),
    login: "dev1",
    role: "developer",
    expected:
      "the developer training record is dated 2026-11-25, after the roster was last changed (2026-11-20): a completion is recorded after it happens",
  },
  {
    name: "a forward-dated record does not hide an older current one",
    training: facts([
      { login: "dev1", course: "ml-security", completed: "2026-11-25" },
      { login: "dev1", course: "ml-security", completed: "2026-05-01" },
    ]),
    login: "dev1",
    role: "developer",
    expected: true,
  },
];

describe("trainingStanding", () => {
  it.each(standingCases)("$name", ({ training, login, role, expected }) => {
    const standing = trainingStanding(training, login, role);
    if (expected === true) expect(standing.current).toBe(true);
    else expect(standing).toEqual({ current: false, reason: expected });
  });
});

describe("trainingJudgement", () => {
  const expired = facts([{ login: "custodian1", course: "data-handling", completed: "2026-04-04" }]);
  it("does not look when training.require is false", () => {
    expect(trainingJudgement(testPolicy(), undefined, "custodian1", "data_custodian")).toEqual({ counts: true });
  });
  it("refuses untrained holders when training.require is true", () => {
    expect(
      trainingJudgement(testPolicy({ training: { require: true } }), expired, "custodian1", "data_custodian"),
    ).toEqual({ counts: false, reason: "not counted: data_custodian training expired 2026-10-01" });
  });
  it("counts and warns in the grace mode", () => {
    expect(
      trainingJudgement(testPolicy({ training: { require: "warn" } }), expired, "custodian1", "data_custodian"),
    ).toEqual({
      counts: true,
      warning: "would not count with training.require: true: data_custodian training expired 2026-10-01",
    });
  });
  it("counts a current holder without a word", () => {
    const current = facts([{ login: "custodian1", course: "data-handling", completed: "2026-10-01" }]);
    expect(
      trainingJudgement(testPolicy({ training: { require: true } }), current, "custodian1", "data_custodian"),
    ).toEqual({ counts: true });
  });
});

describe("the roster file", () => {
  const valid = [
    "courses:",
    "  - id: ml-security",
    "    roles: [developer]",
    "    validity_days: 365",
    "records:",
    "  - login: dev1",
    "    course: ml-security",
    "    completed: 2026-03-01",
    `    evidence: ${"a".repeat(64)}`,
  ].join("\n");

  it("reads a valid roster", () => {
    const loaded = loadTrainingRoster("governance/training.yaml", valid);
    expect(loaded.ok && loaded.roster.records[0]).toEqual({
      login: "dev1",
      course: "ml-security",
      completed: "2026-03-01",
      evidence: "a".repeat(64),
    });
  });

  const invalid: Array<[string, string, string]> = [
    [
      "an unknown course",
      valid.replace("course: ml-security", "course: ml-securty"),
      'line 7: records[0].course: course "ml-securty" is not listed under courses',
    ],
    [
      "a course listed twice",
      valid.replace("records:", "  - id: ml-security\n    roles: [developer]\n    validity_days: 30\nrecords:"),
      'line 5: courses[1].id: course "ml-security" is listed twice',
    ],
    [
      "a date that does not exist",
      valid.replace("2026-03-01", "2026-02-30"),
      "line 8: records[0].completed: not a calendar date",
    ],
    [
      "a timestamp instead of a date",
      valid.replace("2026-03-01", "2026-03-01T00:00:00Z"),
      "line 8: records[0].completed: a date is written YYYY-MM-DD",
    ],
    [
      "attack: login case tricks — a look-alike login (Cyrillic а)",
      valid.replace("login: dev1", "login: dеv1"),
      "line 6: records[0].login: not a GitHub login",
    ],
    [
      "an evidence hash that is not SHA-256",
      valid.replace("a".repeat(64), "abc"),
      "line 9: records[0].evidence: evidence is the SHA-256 of the certificate: 64 lower-case hex digits",
    ],
    ["an unknown key", `${valid}\n    passed: true`, 'line 10: records[0]: unknown key "passed"'],
  ];
  it.each(invalid)("refuses %s", (_name, text, error) => {
    const loaded = loadTrainingRoster("governance/training.yaml", text);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(`line ${loaded.errors[0]?.line}: ${loaded.errors[0]?.message}`).toBe(error);
  });
});

describe("trainingDue", () => {
  const roster: TrainingRoster = {
    courses: COURSES,
    records: [
      // expires 2026-12-20: within 30 days
      { login: "Dev1", course: "ml-security", completed: "2025-12-20" },
      // expires 2027-03-01: not yet
      { login: "ops1", course: "ml-security", completed: "2026-03-01" },
      // expired 2026-10-01, never renewed: still reminded
      { login: "custodian1", course: "data-handling", completed: "2026-04-04" },
      // expired, then renewed: not reminded
      { login: "dev2", course: "ml-security", completed: "2025-01-01" },
      { login: "dev2", course: "ml-security", completed: "2026-11-01" },
    ],
  };
  it("lists each person and course whose longest-lasting record expires within notice_days", () => {
    expect(trainingDue(roster, testPolicy(), TEST_NOW)).toEqual([
      { login: "custodian1", course: "data-handling", expires: "2026-10-01", roles: ["data_custodian"] },
      { login: "Dev1", course: "ml-security", expires: "2026-12-20", roles: ["developer", "system_operator"] },
    ]);
  });
  it("follows training.notice_days", () => {
    expect(trainingDue(roster, testPolicy({ training: { notice_days: 0 } }), TEST_NOW).map((d) => d.login)).toEqual([
      "custodian1",
    ]);
  });
});

describe("the policy's training section", () => {
  it("defaults to off, with system_operator as the roster's admins", () => {
    expect(testPolicy().training).toEqual({ require: false, admins: "system_operator", notice_days: 30 });
  });
  it("refuses admins that no role declares", () => {
    expect(() => testPolicy({ training: { admins: "nobody" } })).toThrow(
      /role \\"nobody\\" is not declared under roles/,
    );
  });
  it("tells a proposed policy that turns training off from one that turns it on", () => {
    const on = testPolicy({ training: { require: true } });
    const warn = testPolicy({ training: { require: "warn" } });
    expect(comparePolicies(on, warn)).toEqual([
      { setting: "training.require", from: "true", to: "warn", effect: "weakens" },
    ]);
    expect(comparePolicies(testPolicy(), warn)).toEqual([
      { setting: "training.require", from: "false", to: "warn", effect: "strengthens" },
    ]);
  });
});

describe("trainingProvisionEvidence (what the audit's matrix reads)", () => {
  const policy = testPolicy({ training: { require: true } });
  it("is missing everywhere without a roster, naming why", () => {
    const evidence = trainingProvisionEvidence(
      policy,
      trainingFactsFromText(undefined, "governance/training.yaml", undefined, TEST_NOW),
    );
    expect(evidence.map((e) => e.status)).toEqual(["missing", "missing", "missing", "missing"]);
    expect(evidence[0]?.evidence).toBe("no training roster (governance/training.yaml)");
  });
  it("is only partly there when a role has nobody trained, a record lapsed, or sign-offs do not need training", () => {
    const training = facts([
      { login: "dev1", course: "ml-security", completed: "2026-03-01" },
      { login: "custodian1", course: "data-handling", completed: "2026-04-04" },
    ]);
    expect(trainingProvisionEvidence(policy, training).map((e) => [e.provision, e.status, e.evidence])).toEqual([
      ["5.1.1-1", "evidenced", "governance/training.yaml: 2 course(s), 2 person(s) on record, current training held"],
      ["5.1.1-1.1", "partly", "no current training for data_custodian"],
      ["5.1.1-2", "partly", "lapsed without renewal: custodian1 (data-handling, 2026-10-01)"],
      ["5.1.1-2.2", "evidenced", "1 developer(s) with current training; a developer's sign-off counts only with it"],
    ]);
    expect(trainingProvisionEvidence(testPolicy({ training: { require: "warn" } }), training)[3]).toEqual({
      provision: "5.1.1-2.2",
      status: "partly",
      evidence: "developers are trained, but training.require is warn",
    });
  });
});
