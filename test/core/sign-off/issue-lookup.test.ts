import { describe, expect, it } from "vitest";
import {
  lookUpSignOffIssue,
  type ListedSignOffIssue,
  type SignOffIssueLookup,
} from "../../../src/core/sign-off/issue-lookup.js";
import type { ModelVersionRef, SignOffSubjectOf } from "../../../src/core/sign-off/subject.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const TRACKING = {
  manifestPath: "models/fraud/model.yaml",
  kinds: [],
  pulls: [{ number: 7, author: "dana", roles: ["developer"] }],
};

const issue = (
  number: number,
  ref: Partial<ModelVersionRef> = {},
  rest: Partial<ListedSignOffIssue> = {},
): ListedSignOffIssue => ({
  number,
  state: "open",
  ref: { model: "fraud-detector", version: "2.1.0", digest: A, ...ref },
  tracking: TRACKING,
  ...rest,
});

const SHIP: SignOffSubjectOf = { name: "fraud-detector", digest: A, kinds: ["retrain"] };
const RETIRE: SignOffSubjectOf = { name: "fraud-detector", digest: A, kinds: ["decommission"] };

/** The number of the issue found, or the reason the gate cannot tell. */
const outcome = (found: SignOffIssueLookup<ListedSignOffIssue>) =>
  "cannotTell" in found ? found.cannotTell : (found.issue?.number ?? "none");

describe("lookUpSignOffIssue: which issue holds a subject's sign-offs", () => {
  it.each<{ name: string; issues: ListedSignOffIssue[]; subject: SignOffSubjectOf; expected: number | string }>([
    { name: "no issues", issues: [], subject: SHIP, expected: "none" },
    { name: "the issue of the same model, digest and intent", issues: [issue(1)], subject: SHIP, expected: 1 },
    {
      name: "a closed issue is still the subject's (it is reopened)",
      issues: [issue(1, {}, { state: "closed" })],
      subject: SHIP,
      expected: 1,
    },
    {
      name: "the version number is not part of the subject",
      issues: [issue(1, { version: "9.9.9" })],
      subject: SHIP,
      expected: 1,
    },
    { name: "another digest is another subject", issues: [issue(1, { digest: B })], subject: SHIP, expected: "none" },
    {
      name: "another model with the same artefacts is another subject",
      issues: [issue(1, { model: "churn-predictor" })],
      subject: SHIP,
      expected: "none",
    },
    { name: "the ship issue is not the decommission's", issues: [issue(1)], subject: RETIRE, expected: "none" },
    {
      name: "the decommission issue is",
      issues: [issue(1), issue(2, { intent: "decommission" })],
      subject: RETIRE,
      expected: 2,
    },
    {
      name: "a subject given as an issue's ref",
      issues: [issue(1), issue(2, { intent: "decommission" })],
      subject: { model: "fraud-detector", digest: A, intent: "decommission" },
      expected: 2,
    },
    {
      name: "attack: two issues claim the subject (a copied marker)",
      issues: [issue(3), issue(5, { version: "2.1.1" })],
      subject: SHIP,
      expected: `sign-off issues #3 and #5 both claim to be the sign-off issue of fraud-detector 2.1.0 (digest ${A}): one of them was edited; close the copy`,
    },
    {
      name: "attack: three issues claim a decommission",
      issues: [
        issue(3, { intent: "decommission" }),
        issue(4, { intent: "decommission" }),
        issue(9, { intent: "decommission" }),
      ],
      subject: RETIRE,
      expected: `sign-off issues #3, #4 and #9 all claim to be the sign-off issue of the decommission of fraud-detector 2.1.0 (digest ${A}): one of them was edited; close the copy`,
    },
    {
      name: "attack: a duplicate is refused even when one of them is untrusted",
      issues: [issue(3, {}, { tracking: undefined }), issue(5)],
      subject: SHIP,
      expected: `sign-off issues #3 and #5 both claim to be the sign-off issue of fraud-detector 2.1.0 (digest ${A}): one of them was edited; close the copy`,
    },
    {
      name: "attack: the tracking marker is missing or edited",
      issues: [issue(4, {}, { tracking: undefined })],
      subject: SHIP,
      expected:
        "the tracking marker of sign-off issue #4 is missing or was edited, so the authors of fraud-detector 2.1.0 cannot be trusted: close #4 and let modelgate open a new one",
    },
    {
      name: "attack: the tracking marker of a decommission issue",
      issues: [issue(4, { intent: "decommission" }, { tracking: undefined })],
      subject: RETIRE,
      expected:
        "the tracking marker of sign-off issue #4 is missing or was edited, so the authors of the decommission of fraud-detector 2.1.0 cannot be trusted: close #4 and let modelgate open a new one",
    },
    {
      name: "an untrusted issue of another subject is no concern",
      issues: [issue(4, { digest: B }, { tracking: undefined }), issue(6)],
      subject: SHIP,
      expected: 6,
    },
  ])("$name", ({ issues, subject, expected }) => {
    expect(outcome(lookUpSignOffIssue(issues, subject))).toBe(expected);
  });

  it("returns the issue itself, whatever else it carries", () => {
    const listed = { ...issue(1), url: "https://github.com/acme/models/issues/1" };
    expect(lookUpSignOffIssue([listed], SHIP)).toStrictEqual({ issue: listed });
  });
});
