import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  reviewRecordRequirements,
  withReviewRecordRequirements,
} from "../../../src/core/evaluate/review-record-requirements.js";
import type { Decision } from "../../../src/core/evaluate/types.js";
import { plannedReads } from "../../../src/core/detect/plan-reads.js";
import { checkRunTitle } from "../../../src/core/render/check-run-title.js";
import { approvalFacts, snapshot, testPolicy } from "../../fixtures/manifests.js";
import { review } from "../evaluate/scenario.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const PLAN_SHA = sha256("# Incident response\n");
const policy = testPolicy({
  governance: {
    documents: [
      { path: "docs/plans/incident.md", provision: "5.2.2-5", review_days: 90, owner_role: "security" },
      { path: "docs/plans/dr.md", provision: "5.2.1-3", review_days: 365, owner_role: "system_operator" },
    ],
  },
});
const entry = (path: string, date: string, reviewer = "sec1", sha = PLAN_SHA): string =>
  `  - path: ${path}\n    date: ${date}\n    sha256: ${sha}\n    reviewer: ${reviewer}\n`;
const OLD = `reviews:\n${entry("docs/plans/dr.md", "2026-06-01", "ops1")}`;
const base = snapshot({ "governance/reviews.yaml": OLD }, "base");
const withRecord = (record: string): ReturnType<typeof snapshot> =>
  snapshot({ "governance/reviews.yaml": `${OLD}${record}` }, "head");
const head = withRecord(entry("docs/plans/incident.md", "2026-11-30"));

describe("a pull request that adds a review record", () => {
  it("needs an approving review of the head commit by the document's owner role", () => {
    const requirements = reviewRecordRequirements(policy, base, head, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirements).toEqual([
      {
        id: "governance.review:docs/plans/incident.md",
        status: "met",
        message: "the review record of docs/plans/incident.md was approved by @sec1 in a review of headsha",
        provision: "5.2.2-5",
        path: "governance/reviews.yaml",
        line: 6,
      },
    ]);
  });

  it("without one it is pending, and turns a passing decision into action required", () => {
    const requirements = reviewRecordRequirements(policy, base, head, approvalFacts());
    expect(requirements.map((r) => [r.id, r.status])).toEqual([
      ["governance.review:docs/plans/incident.md", "pending"],
    ]);
    expect(requirements[0]?.message).toMatch(
      /^governance\/reviews\.yaml records a review of docs\/plans\/incident\.md, so its owner role security must approve it: /,
    );
    const passing: Decision = { verdict: "success", models: [], unmanaged: [], errors: [] };
    const decision = withReviewRecordRequirements(passing, requirements);
    expect(decision).toMatchObject({ verdict: "action_required", reviewRecords: requirements });
    expect(checkRunTitle(decision)).toBe("review record awaits its owner role");
  });

  it("attack: the PR author signs their own review record — their approval does not count", () => {
    const [requirement] = reviewRecordRequirements(
      policy,
      base,
      head,
      approvalFacts({ authors: ["sec1"], reviews: [review("sec1")] }),
    );
    expect(requirement?.status).toBe("pending");
    expect(requirement?.message).toContain("@sec1 is an author: their own approval does not count");
  });

  it("attack: the PR author's own approval does not count even when the policy allows authors for model changes", () => {
    const lenient = testPolicy({ ...policy, approvals: { allow_author: true } });
    const [requirement] = reviewRecordRequirements(
      { ...lenient, governance: policy.governance },
      base,
      head,
      approvalFacts({ authors: ["sec1"], reviews: [review("sec1")] }),
    );
    expect(requirement?.status).toBe("pending");
  });

  it("attack: a holder of another role approves it — it stays pending", () => {
    const [requirement] = reviewRecordRequirements(policy, base, head, approvalFacts({ reviews: [review("ops1")] }));
    expect(requirement?.status).toBe("pending");
    expect(requirement?.message).toContain("@ops1 approved but holds none of security");
  });

  it("attack: an approval of an older commit does not count for the record", () => {
    const [requirement] = reviewRecordRequirements(
      policy,
      base,
      head,
      approvalFacts({ reviews: [review("sec1", { commitId: "0123456789abcdef0123456789abcdef01234567" })] }),
    );
    expect(requirement?.status).toBe("pending");
  });

  it("needs it whatever approvals.via says", () => {
    const signOffOnly = { ...policy, approvals: { ...policy.approvals, via: ["sign_off" as const] } };
    const [requirement] = reviewRecordRequirements(
      signOffOnly,
      base,
      head,
      approvalFacts({ reviews: [review("sec1")] }),
    );
    expect(requirement?.status).toBe("met");
  });

  it("attack: a record for a document path the policy does not name fails, with its line", () => {
    const unnamed = withRecord(entry("docs/plans/made-up.md", "2026-11-30"));
    const requirements = reviewRecordRequirements(policy, base, unnamed, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirements).toEqual([
      {
        id: "governance.review:docs/plans/made-up.md",
        status: "failed",
        message:
          "governance/reviews.yaml:6: docs/plans/made-up.md is not a document governance.documents names, so no role may review it: remove the record or add the document to the policy",
        provision: "",
        path: "governance/reviews.yaml",
        line: 6,
      },
    ]);
    expect(
      checkRunTitle(
        withReviewRecordRequirements({ verdict: "success", models: [], unmanaged: [], errors: [] }, requirements),
      ),
    ).toBe("review record refused");
  });

  it("a changed record needs its owner role; records left as they were need nothing", () => {
    const changed = snapshot(
      { "governance/reviews.yaml": `reviews:\n${entry("docs/plans/dr.md", "2026-11-30", "ops1")}` },
      "head",
    );
    expect(reviewRecordRequirements(policy, base, changed, approvalFacts()).map((r) => r.id)).toEqual([
      "governance.review:docs/plans/dr.md",
    ]);
    const reformatted = snapshot({ "governance/reviews.yaml": `${OLD}\n# a comment\n` }, "head");
    expect(reviewRecordRequirements(policy, base, reformatted, approvalFacts())).toEqual([]);
    expect(reviewRecordRequirements(policy, base, base, approvalFacts())).toEqual([]);
    expect(reviewRecordRequirements(policy, base, snapshot({}, "head"), approvalFacts())).toEqual([]);
  });

  it("a new file's records all need their owner roles", () => {
    const requirements = reviewRecordRequirements(policy, snapshot({}, "base"), head, approvalFacts());
    expect(requirements.map((r) => r.id)).toEqual([
      "governance.review:docs/plans/dr.md",
      "governance.review:docs/plans/incident.md",
    ]);
  });

  it("an invalid reviews.yaml fails with file:line", () => {
    const invalid = withRecord(entry("docs/plans/incident.md", "2026-13-45").replace("sec1", "not a login!"));
    const requirements = reviewRecordRequirements(policy, base, invalid, approvalFacts({ reviews: [review("sec1")] }));
    expect(requirements.map((r) => [r.id, r.status, r.line])).toEqual([["governance.reviews.valid", "failed", 9]]);
    expect(requirements[0]?.message).toMatch(/^governance\/reviews\.yaml:9: /);
  });

  it("the pull request gate reads the file on both sides when it changed", () => {
    const tree = (s: ReturnType<typeof snapshot>): ReturnType<typeof snapshot> => ({ ...s, contents: new Map() });
    expect(plannedReads(policy, tree(base), tree(head))).toMatchObject({
      base: ["governance/reviews.yaml"],
      head: ["governance/reviews.yaml"],
    });
    expect(plannedReads(policy, tree(base), tree(base))).toMatchObject({ base: [], head: [] });
  });
});
