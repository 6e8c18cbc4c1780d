/**
 * nock answers for what the release and deployment gates read besides files: tags, the release
 * check run of an earlier release, the list of releases, and the sign-off issues of the model
 * versions they judge (docs/releases.md, docs/deployments.md).
 */
import nock from "nock";
import { renderTrackingMarker, type SignOffTracking } from "../../src/core/sign-off/issue.js";
import { signOffMarker } from "../../src/core/sign-off/marker.js";
import type { ModelVersionRef } from "../../src/core/sign-off/subject.js";
import { RELEASE_CHECK_NAME } from "../../src/handlers/release.js";
import { issueResource, releaseResource, type ReleaseFixture } from "../fixtures/payloads/lifecycle.js";
import { GITHUB_API } from "./fake-repository.js";
import { answerIssueComments, isIssueCommentsQuery } from "./fake-issue-tracker.js";
import { serveTeamMembership } from "./serve-github.js";
import { APP_ID, testIssueMarkerKey } from "./test-app.js";

/** The teams of the built-in policy's roles: the membership read asks each commenter about each of them. */
export const ROLE_TEAMS = ["data-governance", "ml-engineers", "platform-ops"];

/** `GET /git/ref/tags%2F<tag>`: a lightweight tag naming `commit`. */
export function serveTag(owner: string, repo: string, tag: string, commit: string): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/git/ref/tags%2F${encodeURIComponent(tag)}`)
    .reply(200, { ref: `refs/tags/${tag}`, object: { type: "commit", sha: commit } });
}

/**
 * `GET /git/ref/heads%2F<branch>`: the head of the default branch, which the release and
 * deployment gates read for the evaluation records that landed there (docs/re-evaluation.md).
 */
export function serveBranchHead(owner: string, repo: string, branch: string, commit: string): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/git/ref/heads%2F${encodeURIComponent(branch)}`)
    .reply(200, { ref: `refs/heads/${branch}`, object: { type: "commit", sha: commit } });
}

/**
 * The lookup of this app's release check run on an earlier release's commit (did that release
 * pass?): completed with `conclusion`, still running (`null`), or no run at all (`"none"`).
 */
export function serveReleaseCheckOf(
  owner: string,
  repo: string,
  commit: string,
  conclusion: "success" | "failure" | null | "none",
): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/commits/${commit}/check-runs`)
    .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID) })
    .reply(200, {
      total_count: conclusion === "none" ? 0 : 1,
      check_runs:
        conclusion === "none"
          ? []
          : [
              {
                id: 7000,
                name: RELEASE_CHECK_NAME,
                head_sha: commit,
                status: conclusion === null ? "in_progress" : "completed",
                conclusion,
                app: { id: APP_ID },
                output: { annotations_count: 0 },
              },
            ],
    });
}

/** `GET /releases?per_page=100`: the releases of the repository, as given (newest first). */
export function serveReleases(owner: string, repo: string, releases: ReadonlyArray<ReleaseFixture>): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/releases`)
    .query({ per_page: "100" })
    .reply(
      200,
      releases.map((release) => releaseResource(release)),
    );
}

/** A sign-off issue of this app, with signed markers, as a release or deployment finds it. */
export interface SignOffIssueFixture {
  number: number;
  ref: ModelVersionRef;
  tracking: SignOffTracking;
  comments: Array<{ id: number; login: string; body: string }>;
  state?: "open" | "closed";
  /** `false` for an issue the evaluation must not read (another subject): its history is not served, so a read of it fails. */
  read?: boolean;
}

/**
 * Every sign-off issue of the repository (`GET /issues?labels=modelgate:sign-off`), the comment
 * histories of those it reads (one batched GraphQL request, comments posted at `commentedAt`,
 * none edited), and the team membership of their commenters (`members[team]`).
 */
export function serveSignOffIssueList(
  owner: string,
  repo: string,
  issues: ReadonlyArray<SignOffIssueFixture>,
  members: Record<string, string[]>,
  commentedAt = "2026-11-28T10:00:00Z",
): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/issues`)
    .query({ state: "all", labels: "modelgate:sign-off", sort: "created", direction: "asc", per_page: "100" })
    .reply(
      200,
      issues.map((issue) => {
        const key = testIssueMarkerKey(issue.number, { owner, repo });
        return issueResource({
          number: issue.number,
          title: `Sign-off: ${issue.ref.model} ${issue.ref.version}${issue.ref.intent === "decommission" ? " (decommission)" : ""}`,
          body: [
            signOffMarker(issue.ref, key),
            renderTrackingMarker(issue.tracking, issue.ref, key),
            "## Sign-off",
          ].join("\n"),
          labels: ["modelgate:sign-off"],
          appId: APP_ID,
          ...(issue.state ? { state: issue.state } : {}),
        });
      }),
    );
  const read = issues.filter((issue) => issue.read !== false);
  const histories = new Map(
    read.map((issue) => [
      issue.number,
      issue.comments.map((c) => ({ ...c, type: "User" as const, createdAt: commentedAt, updatedAt: commentedAt })),
    ]),
  );
  if (read.length > 0) {
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: unknown }) => isIssueCommentsQuery(body))
      .reply(200, (_uri, body) =>
        answerIssueComments((body as { query: string }).query, (number) => histories.get(number)),
      );
  }
  const logins = [...new Set(read.flatMap((issue) => issue.comments.map((c) => c.login.toLowerCase())))].sort();
  serveTeamMembership(
    owner,
    logins.flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
    members,
  );
}
