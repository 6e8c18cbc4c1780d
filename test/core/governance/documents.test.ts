import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  documentRequirements,
  documentStanding,
  lastContentCommit,
  normaliseDocument,
  parseReviewRecords,
  recordPullRequest,
  type DocumentCommit,
  type DocumentFacts,
  type ReviewRecord,
} from "../../../src/core/governance/documents.js";
import type { GovernanceDocument } from "../../../src/core/policy/governance-schema.js";
import { parsePolicy } from "../../../src/core/policy/load-policy.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { approvalFacts, modelFiles, snapshot, testPolicy } from "../../fixtures/manifests.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const PLAN = "# Incident response\n\nCall the on-call security engineer.\n";
const plan: GovernanceDocument = {
  path: "docs/plans/incident.md",
  provision: "5.2.2-5",
  review_days: 90,
  owner_role: "security",
  fail_release: true,
};
const commit = (sha: string, date: string, text: string | undefined, author = "alice"): DocumentCommit => ({
  sha: sha.repeat(40).slice(0, 40),
  date: `${date}T10:00:00Z`,
  author,
  ...(text !== undefined ? { text } : {}),
});
const facts = (history: DocumentCommit[], overrides: Partial<DocumentFacts> = {}): DocumentFacts => ({
  file: { kind: "file", text: history[0]?.text ?? PLAN, sha256: sha256(history[0]?.text ?? PLAN) },
  history,
  historyTruncated: false,
  records: [],
  recordsAt: "on the default branch",
  ...overrides,
});
const record = (overrides: Partial<ReviewRecord> = {}): ReviewRecord => ({
  path: plan.path,
  date: "2026-11-20",
  sha256: sha256(PLAN),
  reviewer: "sec1",
  ...overrides,
});

describe("normaliseDocument: whitespace is not content", () => {
  it.each([
    ["trailing spaces", "a b\n", "a b   \n\n"],
    ["re-wrapped lines", "one two three", "one\ntwo\n  three"],
    ["tabs and CRLF", "a b", "a\t\r\nb"],
  ])("%s normalise alike", (_label, a, b) => {
    expect(normaliseDocument(a)).toBe(normaliseDocument(b));
  });
  it("a changed word is a change", () => {
    expect(normaliseDocument("call security")).not.toBe(normaliseDocument("call ops"));
  });
});

describe("lastContentCommit: which commit reviewed the document", () => {
  it.each<[string, DocumentCommit[], boolean, string | undefined]>([
    ["the commit that created it, when the history is whole", [commit("a", "2026-10-01", PLAN)], false, "a"],
    ["nothing, when the history is cut before the creation", [commit("a", "2026-10-01", PLAN)], true, undefined],
    [
      "the newest commit that changed the words",
      [commit("b", "2026-11-01", `${PLAN}Escalate after 1 hour.\n`), commit("a", "2026-10-01", PLAN)],
      false,
      "b",
    ],
    [
      "attack: a whitespace-only commit does not renew the review",
      [commit("b", "2026-11-30", PLAN.replace(/\n/g, "  \n")), commit("a", "2026-06-01", PLAN)],
      false,
      "a",
    ],
    [
      "a commit that restores a deleted document",
      [commit("c", "2026-11-01", PLAN), commit("b", "2026-10-01", undefined), commit("a", "2026-09-01", PLAN)],
      false,
      "c",
    ],
  ])("%s", (_label, history, truncated, expected) => {
    expect(lastContentCommit(history, truncated)?.sha.slice(0, 1)).toBe(expected);
  });
});

describe("documentStanding: exists and reviewed within review_days", () => {
  it("a document changed 30 days ago is current, due 90 days after that change", () => {
    const standing = documentStanding(plan, facts([commit("a", "2026-11-01", PLAN)]), TEST_NOW);
    expect(standing).toMatchObject({
      status: "current",
      due: "2027-01-30",
      review: { how: "commit", date: "2026-11-01", by: "alice" },
      message: "docs/plans/incident.md: reviewed 2026-11-01 (commit aaaaaaaaaaaa by alice), next due 2027-01-30.",
    });
  });

  it("a document last changed 200 days ago is overdue and says since when", () => {
    const standing = documentStanding(plan, facts([commit("a", "2026-05-15", PLAN)]), TEST_NOW);
    expect(standing.status).toBe("overdue");
    expect(standing.message).toBe(
      "docs/plans/incident.md is overdue for review: reviewed 2026-05-15 (commit aaaaaaaaaaaa by alice), due 2026-08-13 (every 90 days).",
    );
  });

  it("attack: a review 'renewed' by a whitespace commit stays overdue", () => {
    const history = [commit("b", "2026-11-30", `${PLAN}\n\n\n`), commit("a", "2026-05-15", PLAN)];
    const standing = documentStanding(plan, facts(history), TEST_NOW);
    expect(standing.status).toBe("overdue");
    expect(standing.review?.sha?.startsWith("a")).toBe(true);
  });

  it("a missing document is missing", () => {
    expect(documentStanding(plan, facts([], { file: { kind: "missing" } }), TEST_NOW)).toMatchObject({
      status: "missing",
      message: "docs/plans/incident.md does not exist.",
    });
  });

  it("attack: a symlink in the document's place is not the document", () => {
    const standing = documentStanding(
      plan,
      facts([commit("a", "2026-11-01", PLAN)], { file: { kind: "unusable", reason: "a symbolic link" } }),
      TEST_NOW,
    );
    expect(standing).toMatchObject({
      status: "missing",
      message: "docs/plans/incident.md is not a document: a symbolic link.",
    });
  });

  it("a review record on the default branch renews an old document, and names where it was read", () => {
    const standing = documentStanding(
      plan,
      facts([commit("a", "2026-05-15", PLAN)], { records: [record()] }),
      TEST_NOW,
    );
    expect(standing).toMatchObject({
      status: "current",
      review: { how: "record", date: "2026-11-20", by: "sec1", at: "on the default branch" },
      due: "2027-02-18",
      refusedRecords: [],
      message:
        "docs/plans/incident.md: reviewed 2026-11-20 (record of sec1 in governance/reviews.yaml on the default branch), next due 2027-02-18.",
    });
  });

  it.each<[string, Partial<ReviewRecord>, string]>([
    [
      "attack: a record whose sha256 is of an older content of the document does not count",
      { sha256: sha256("an older plan") },
      "review record of 2026-11-20 by sec1: reviewed other content than the document's",
    ],
    [
      "attack: a review record dated in the future does not count",
      { date: "2027-06-01" },
      "review record of 2027-06-01 by sec1: dated in the future",
    ],
    [
      "attack: a record dated before the document's current content was committed does not count",
      { date: "2026-05-14" },
      "review record of 2026-05-14 by sec1: dated before the document's content of 2026-05-15",
    ],
  ])("%s", (_label, overrides, refusal) => {
    const given: ReviewRecord = { ...record(), ...overrides };
    const standing = documentStanding(plan, facts([commit("a", "2026-05-15", PLAN)], { records: [given] }), TEST_NOW);
    expect(standing.status).toBe("overdue");
    expect(standing.refusedRecords).toEqual([refusal]);
  });
});

describe("review records: what the gates check of a record on the default branch", () => {
  it("attack: a record of older content does not count even when the whitespace-only commit kept the words", () => {
    const older = "# Incident response\n\nCall the on-call security engineer.";
    const history = [commit("b", "2026-11-25", PLAN), commit("a", "2026-05-15", older)];
    const standing = documentStanding(plan, facts(history, { records: [record({ sha256: sha256(older) })] }), TEST_NOW);
    expect(standing).toMatchObject({ status: "overdue", review: { how: "commit", sha: "a".repeat(40) } });
    expect(standing.refusedRecords).toEqual([
      "review record of 2026-11-20 by sec1: reviewed other content than the document's",
    ]);
  });
  it("a record dated the day of the document's last commit counts", () => {
    const standing = documentStanding(
      plan,
      facts([commit("a", "2026-05-15", PLAN)], { records: [record({ date: "2026-05-15" })] }),
      TEST_NOW,
    );
    expect(standing).toMatchObject({ status: "overdue", review: { date: "2026-05-15" }, refusedRecords: [] });
  });
  it("attack: with no history of the document, a record cannot be dated against its content and does not count", () => {
    const standing = documentStanding(plan, facts([], { records: [record()] }), TEST_NOW);
    expect(standing.status).toBe("overdue");
    expect(standing.refusedRecords).toEqual([
      "review record of 2026-11-20 by sec1: the document's history could not be read, so its content is undated",
    ]);
  });
  it("a record of another document is not this one's", () => {
    const standing = documentStanding(
      plan,
      facts([commit("a", "2026-05-15", PLAN)], { records: [record({ path: "docs/plans/other.md" })] }),
      TEST_NOW,
    );
    expect(standing).toMatchObject({ status: "overdue", refusedRecords: [] });
  });
});

describe("recordPullRequest: the merged pull request that added a record, for the evidence", () => {
  const mine = record();
  const other = record({ path: "docs/plans/dr.md" });
  it.each<[string, Parameters<typeof recordPullRequest>[1], boolean, number | undefined]>([
    [
      "the commit that added it",
      [
        { records: [other, mine], pullRequest: 14 },
        { records: [other], pullRequest: 9 },
      ],
      false,
      14,
    ],
    [
      "a later commit that kept it does not take it over",
      [{ records: [mine, other], pullRequest: 15 }, { records: [mine], pullRequest: 12 }, { records: [] }],
      false,
      12,
    ],
    ["the commit that created the file", [{ records: [mine], pullRequest: 3 }], false, 3],
    [
      "beyond a cut history: unknown",
      [
        { records: [mine], pullRequest: 15 },
        { records: [mine], pullRequest: 12 },
      ],
      true,
      undefined,
    ],
    ["no merged pull request named: unknown", [{ records: [mine] }, { records: [] }], false, undefined],
    ["the newest commit does not hold it: unknown", [{ records: [other], pullRequest: 4 }], false, undefined],
    [
      "a reviewer's login in another case is the same record",
      [{ records: [{ ...mine, reviewer: "SEC1" }], pullRequest: 5 }],
      false,
      5,
    ],
  ])("%s", (_label, history, truncated, expected) => {
    expect(recordPullRequest(mine, history, truncated)).toBe(expected);
  });
  it("a counted record names the pull request that added it", () => {
    const standing = documentStanding(
      plan,
      facts([commit("a", "2026-05-15", PLAN)], { records: [record({ pullRequest: 12 })] }),
      TEST_NOW,
    );
    expect(standing.message).toBe(
      "docs/plans/incident.md: reviewed 2026-11-20 (record of sec1 in governance/reviews.yaml, added by pull request #12), next due 2027-02-18.",
    );
  });
});

describe("documentRequirements: only fail_release documents gate", () => {
  it("an overdue fail_release document fails; one without fail_release is left to the daily run", () => {
    const other: GovernanceDocument = { ...plan, path: "docs/plans/dr.md", fail_release: undefined };
    const old = facts([commit("a", "2026-05-15", PLAN)]);
    const requirements = documentRequirements([
      documentStanding(plan, old, TEST_NOW),
      documentStanding(other, old, TEST_NOW),
    ]);
    expect(requirements.map((r) => [r.id, r.status, r.provision])).toEqual([
      ["document:docs/plans/incident.md", "failed", "5.2.2-5"],
    ]);
  });
});

describe("governance/reviews.yaml", () => {
  it("reads records", () => {
    const parsed = parseReviewRecords(
      `reviews:\n  - { path: docs/plans/incident.md, date: 2026-11-20, sha256: ${sha256(PLAN)}, reviewer: sec1 }\n`,
    );
    expect(parsed).toEqual({
      ok: true,
      records: [{ path: "docs/plans/incident.md", date: "2026-11-20", sha256: sha256(PLAN), reviewer: "sec1" }],
    });
  });
  it("refuses a record whose path escapes the repository, with its line", () => {
    const parsed = parseReviewRecords(
      `reviews:\n  - path: ../other/plan.md\n    date: 2026-11-20\n    sha256: ${sha256(PLAN)}\n    reviewer: sec1\n`,
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]).toMatchObject({ path: "governance/reviews.yaml", line: 2 });
  });
});

describe("policy governance.documents", () => {
  const policy = (documents: string): ReturnType<typeof parsePolicy> =>
    parsePolicy(
      `roles:\n  security: { users: [sec1] }\ngovernance:\n  documents:\n${documents}`,
      ".github/modelgate.yml",
    );

  it("reads a document with its provision, review interval, owner role and fail_release", () => {
    const parsed = policy(
      "    - { path: docs/plans/incident.md, provision: 5.2.2-5, review_days: 90, owner_role: security, fail_release: true }\n",
    );
    expect(parsed.ok && parsed.policy.governance.documents).toEqual([plan]);
  });

  it.each([
    ["attack: a path that escapes with ../", "../secrets/plan.md", "without . or .. segments"],
    ["attack: a path that escapes from a folder", "docs/../../plan.md", "without . or .. segments"],
    ["an absolute path", "/etc/passwd", "without . or .. segments"],
    ["a backslash path", "docs\\\\plan.md", "without . or .. segments"],
  ])("%s is refused", (_label, path, message) => {
    const parsed = policy(`    - { path: "${path}", provision: 5.2.2-5, review_days: 90, owner_role: security }\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]!.message).toContain(message);
  });

  it.each([
    ["an unknown provision", "provision: 9.9.9-1, owner_role: security", "not a provision of EN 304 223"],
    ["an undeclared owner role", "provision: 5.2.2-5, owner_role: legal", 'role "legal" is not declared under roles'],
  ])("%s is refused", (_label, fields, message) => {
    const parsed = policy(`    - { path: docs/plan.md, review_days: 90, ${fields} }\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.message).join("\n")).toContain(message);
  });
});

describe("the release gate's document requirements (evaluateGate with governance.documents)", () => {
  const model = modelFiles({ dir: "models/fraud" });
  const policy = testPolicy({
    governance: {
      documents: [
        { path: plan.path, provision: "5.2.2-5", review_days: 90, owner_role: "security", fail_release: true },
        { path: "docs/plans/dr.md", provision: "5.2.1-3", review_days: 90, owner_role: "security" },
      ],
    },
  });
  const judge = (governance: Parameters<typeof evaluateGate>[0]["governance"]) =>
    evaluateGate({
      policy,
      base: snapshot({}, ""),
      head: snapshot(model.files, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
      ...(governance ? { governance } : {}),
    }).models[0]!;

  it("an overdue fail_release document fails the model's gate with its provision", () => {
    const old = facts([commit("a", "2026-05-15", PLAN)]);
    const verdict = judge({ documents: [documentStanding(policy.governance.documents[0]!, old, TEST_NOW)] });
    expect(verdict.requirements.find((r) => r.id.startsWith("document:"))).toMatchObject({
      id: "document:docs/plans/incident.md",
      status: "failed",
      provision: "5.2.2-5",
      path: "docs/plans/incident.md",
    });
    expect(verdict.verdict).toBe("failure");
  });

  it("a pull request's gate (no documents read) asks nothing of documents", () => {
    expect(judge(undefined).requirements.filter((r) => r.id.startsWith("document:"))).toEqual([]);
  });
});
