import { describe, expect, it } from "vitest";
import type { ListedSignOffIssue } from "../../../src/core/sign-off/issue-lookup.js";
import type { SignOffTracking } from "../../../src/core/sign-off/issue.js";
import { supersededComment, supersededIssues } from "../../../src/core/sign-off/superseded.js";
import type { ModelVersionRef } from "../../../src/core/sign-off/subject.js";

const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;
const PR = 7;

const tracking = (...pulls: number[]): SignOffTracking => ({
  manifestPath: "models/fraud/model.yaml",
  kinds: ["retrain"],
  pulls: pulls.map((number) => ({ number, author: "dana", roles: ["developer"] })),
});
const issue = (
  number: number,
  ref: Partial<ModelVersionRef>,
  rest: Partial<ListedSignOffIssue> = {},
): ListedSignOffIssue => ({
  number,
  state: "open",
  ref: { model: "fraud-detector", version: "2.0.0", digest: OLD, ...ref },
  tracking: tracking(PR),
  ...rest,
});

/** The new subject pull request #7 carries. */
const SHIP_NEW: ModelVersionRef = { model: "fraud-detector", version: "2.1.0", digest: NEW };
const DECOMMISSION_OLD: ModelVersionRef = {
  model: "fraud-detector",
  version: "2.0.0",
  digest: OLD,
  intent: "decommission",
};

describe("supersededIssues: which older issues the pull request's new subject closes", () => {
  it.each<{ name: string; listed: ListedSignOffIssue[]; version: ModelVersionRef; superseded: number[] }>([
    { name: "nothing listed", listed: [], version: SHIP_NEW, superseded: [] },
    {
      name: "new artefacts: the issue of the old digest this PR carried",
      listed: [issue(1, {})],
      version: SHIP_NEW,
      superseded: [1],
    },
    {
      name: "the issue of the new subject itself is not superseded",
      listed: [issue(2, { version: "2.1.0", digest: NEW })],
      version: SHIP_NEW,
      superseded: [],
    },
    {
      name: "the same version number, other artefacts: superseded all the same",
      listed: [issue(1, { version: "2.1.0" })],
      version: SHIP_NEW,
      superseded: [1],
    },
    {
      name: "now a decommission of the same digest: the ship issue",
      listed: [issue(1, {})],
      version: DECOMMISSION_OLD,
      superseded: [1],
    },
    {
      name: "no longer a decommission: the decommission issue of the same digest",
      listed: [issue(1, { intent: "decommission" })],
      version: { model: "fraud-detector", version: "2.0.0", digest: OLD },
      superseded: [1],
    },
    {
      name: "another model's issue is left alone",
      listed: [issue(1, { model: "churn-predictor" })],
      version: SHIP_NEW,
      superseded: [],
    },
    {
      name: "a closed issue is left closed",
      listed: [issue(1, {}, { state: "closed" })],
      version: SHIP_NEW,
      superseded: [],
    },
    {
      name: "an issue that never tracked this PR is left open",
      listed: [issue(1, {}, { tracking: tracking(8, 9) })],
      version: SHIP_NEW,
      superseded: [],
    },
    {
      name: "an issue tracking this PR among others",
      listed: [issue(1, {}, { tracking: tracking(3, PR, 9) })],
      version: SHIP_NEW,
      superseded: [1],
    },
    {
      name: "an untrusted issue (no tracking) tracks nobody",
      listed: [issue(1, {}, { tracking: undefined })],
      version: SHIP_NEW,
      superseded: [],
    },
    {
      name: "several older subjects, in the order listed",
      listed: [
        issue(1, {}),
        issue(2, { version: "2.1.0", digest: NEW }),
        issue(3, { intent: "decommission" }),
        issue(4, { model: "churn-predictor" }),
      ],
      version: SHIP_NEW,
      superseded: [1, 3],
    },
  ])("$name", ({ listed, version, superseded }) => {
    expect(supersededIssues(listed, version, PR).map((i) => i.number)).toStrictEqual(superseded);
  });

  it("returns the issues themselves, whatever else they carry", () => {
    const old = { ...issue(1, {}), url: "https://github.com/acme/models/issues/1" };
    expect(supersededIssues([old], SHIP_NEW, PR)[0]).toBe(old);
  });
});

describe("supersededComment: what the closed issue says", () => {
  /** New artefacts: whatever the old issue approved, its sign-offs count only for the old digest. */
  const NEW_ARTEFACTS = [
    `Superseded by #12: pull request #7 now carries fraud-detector 2.1.0 with digest \`${NEW}\`.`,
    "",
    `Sign-offs are bound to a digest: those given here count only for \`${OLD}\`, never for the new artefacts. Sign off on #12.`,
  ].join("\n");

  it.each<{ name: string; old: ModelVersionRef; version: ModelVersionRef; body: string }>([
    {
      name: "new artefacts",
      old: { model: "fraud-detector", version: "2.0.0", digest: OLD },
      version: SHIP_NEW,
      body: NEW_ARTEFACTS,
    },
    {
      name: "new artefacts, from a decommission issue",
      old: DECOMMISSION_OLD,
      version: SHIP_NEW,
      body: NEW_ARTEFACTS,
    },
    {
      name: "the same artefacts, now a decommission",
      old: { model: "fraud-detector", version: "2.0.0", digest: OLD },
      version: DECOMMISSION_OLD,
      body: [
        `Superseded by #12: pull request #7 now carries the decommission of fraud-detector 2.0.0 with digest \`${OLD}\`.`,
        "",
        `Sign-offs are bound to a digest and to what they approve: those given here count only for shipping \`${OLD}\`. Sign off on #12.`,
      ].join("\n"),
    },
    {
      name: "the same artefacts, no longer a decommission",
      old: DECOMMISSION_OLD,
      version: { model: "fraud-detector", version: "2.0.0", digest: OLD },
      body: [
        `Superseded by #12: pull request #7 now carries fraud-detector 2.0.0 with digest \`${OLD}\`.`,
        "",
        `Sign-offs are bound to a digest and to what they approve: those given here count only for the decommission of \`${OLD}\`. Sign off on #12.`,
      ].join("\n"),
    },
  ])("$name", ({ old, version, body }) => {
    expect(supersededComment(old, { issue: 12, pullRequest: PR, version })).toBe(body);
  });
});
