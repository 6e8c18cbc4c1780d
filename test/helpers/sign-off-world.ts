/** The repository, people and pull request of the sign-off stories (test/app/sign-off*.test.ts). */
import nock from "nock";
import { GITHUB_API, type CommitFixture } from "./fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { INSTALLATION_ID, testIssueMarkerKey, type TestApp } from "./test-app.js";
import { markerSignature } from "../../src/core/markers/signature.js";
import {
  FakeCheckRuns,
  FakeIssueTracker,
  FakeTeams,
  serveCommitsAlways,
  servePolicyAlways,
  servePullRequestAlways,
  type FakeComment,
} from "./fake-issue-tracker.js";
import { OWNER, REPO, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { issueCommentEvent } from "../fixtures/payloads/issue-comment.js";

export const BASE = commitSha("base");
export const HEAD = commitSha("head");
export const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };

/** Three accountable roles held by teams, and a security lead who may break glass (overrides.roles defaults to [security]). */
export const POLICY = [
  "roles:",
  "  developer: { teams: [ml-engineers] }",
  "  system_operator: { teams: [platform-ops] }",
  "  data_custodian: { teams: [data-governance] }",
  "  security: { users: [sam] }",
  "",
].join("\n");

/** dana (the PR author) is an ML engineer too; alice is in two teams, to test separation of duties. */
export const TEAMS = {
  "ml-engineers": ["alice", "dana"],
  "platform-ops": ["bob", "alice"],
  "data-governance": ["carol"],
};

export interface World {
  tracker: FakeIssueTracker;
  checks: FakeCheckRuns;
  teams: FakeTeams;
  pr: PullRequestFixture;
}

/** Serves everything an evaluation and a command read, for as many deliveries as a story makes. */
export function world(options: { policy?: string; commits?: CommitFixture[]; pr?: PullRequestFixture } = {}): World {
  const pr = options.pr ?? { ...PR };
  nock(GITHUB_API).persist().post(`/app/installations/${INSTALLATION_ID}/access_tokens`).optionally().reply(201, {
    token: "ghs_test",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
    repository_selection: "all",
  });
  servePolicyAlways(OWNER, REPO, "main", options.policy ?? POLICY);
  serveCommitsAlways(
    OWNER,
    REPO,
    options.commits ?? [
      { sha: BASE, files: RELEASED.files },
      { sha: HEAD, files: RETRAINED.files },
    ],
  );
  servePullRequestAlways(OWNER, REPO, pr);
  return {
    tracker: new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve(),
    checks: new FakeCheckRuns(OWNER, REPO).serve(),
    teams: new FakeTeams(OWNER, structuredClone(TEAMS)).serve(),
    pr,
  };
}

/** Posts a comment on an issue and delivers `issue_comment.created` for it. */
export async function postComment(
  app: TestApp,
  tracker: FakeIssueTracker,
  issueNumber: number,
  login: string,
  body: string,
  options: { id?: string; type?: "User" | "Bot" } = {},
): Promise<FakeComment> {
  const comment = tracker.addComment(issueNumber, { login, body, ...(options.type ? { type: options.type } : {}) });
  await deliverComment(app, tracker, issueNumber, comment, "created", options.id);
  return comment;
}

/** Delivers an issue_comment event for a comment as the tracker holds it now. */
export async function deliverComment(
  app: TestApp,
  tracker: FakeIssueTracker,
  issueNumber: number,
  comment: FakeComment,
  action: "created" | "edited" | "deleted",
  id?: string,
  bodyFrom?: string,
): Promise<void> {
  const event = issueCommentEvent(
    action,
    tracker.issueResource(tracker.issue(issueNumber)),
    tracker.commentResource(issueNumber, comment),
    INSTALLATION_ID,
    bodyFrom === undefined ? undefined : { bodyFrom },
  );
  await app.receive({ ...event, ...(id ? { id } : {}) });
}

/** The replies this app wrote on an issue (its hidden reply marker removed). */
export function replies(tracker: FakeIssueTracker, issueNumber: number): string[] {
  return tracker
    .issue(issueNumber)
    .comments.filter((c) => c.type === "Bot")
    .map((c) => c.body.replace(/^<!-- modelgate:reply [^\n]*-->\n/, ""));
}

/** A sign-off subject as its markers' signatures cover it (the intent always spelled out). */
export interface SignedSubject {
  model: string;
  version: string;
  digest: string;
  intent: "ship" | "decommission";
}

/** The `sig` the test app writes into the identity marker of `subject`'s issue (number `issue`: markers are bound to it). */
export function identitySig(subject: SignedSubject, issue = 100): string {
  return markerSignature(testIssueMarkerKey(issue), "sign-off", subject);
}

/** The `sig` the test app writes into the tracking marker (its JSON without sig) of `subject`'s issue. */
export function trackingSig(subject: SignedSubject, trackingJson: string, issue = 100): string {
  return markerSignature(testIssueMarkerKey(issue), "sign-off-tracking", {
    subject,
    tracking: JSON.parse(trackingJson) as unknown,
  });
}

/** The tracking marker line the test app writes: the tracking JSON with its `sig` last. */
export function trackingLine(subject: SignedSubject, trackingJson: string, issue = 100): string {
  return `<!-- modelgate:sign-off-tracking ${trackingJson.slice(0, -1)},"sig":"${trackingSig(subject, trackingJson, issue)}"} -->`;
}
