/** The GitHub a pull-request evaluation of acme/models reads (test/app): policy, files, reviews and the sign-off issues. */
import { OWNER, REPO, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "./fake-issue-tracker.js";
import nock from "nock";
import { FakeRepository, GITHUB_API, type FileFixture } from "./fake-repository.js";
import { serveCheckRunLookup, serveNoPolicy, servePolicy, serveReviews } from "./serve-github.js";
import { serveInstallationToken } from "./test-app.js";

/**
 * `pr` from `files.base` (at its base commit) to `files.head` (at its head): the installation
 * token, the policy of its base branch (built-in unless `policy` is given), the merge base, both
 * trees and contents, its `reviews`, and a sign-off issue tracker for the issues a gated version
 * gets (test/app/sign-off-issue.test.ts tells that story). The repository is returned for more commits.
 */
export function servePullRequestScenario(
  pr: PullRequestFixture,
  files: { base: Record<string, FileFixture>; head: Record<string, FileFixture> },
  options: {
    reviews?: Array<{ login: string; state: string; commitId: string }>;
    policy?: string;
    /** The merge base when the base branch moved on since the PR branched off (`files.base` are its files). */
    mergeBase?: string;
  } = {},
): { repository: FakeRepository; tracker: FakeIssueTracker } {
  serveInstallationToken();
  if (options.policy !== undefined) servePolicy(OWNER, REPO, pr.baseRef, options.policy);
  else serveNoPolicy(OWNER, REPO, pr.baseRef);
  const repository = new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: options.mergeBase ?? pr.baseSha, files: files.base },
      { sha: pr.headSha, files: files.head },
    ],
  }).servePullRequest(pr.baseSha, pr.headSha, options.mergeBase ?? pr.baseSha);
  serveReviews(OWNER, REPO, pr.number, options.reviews ?? []);
  return { repository, tracker: new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve() };
}

/**
 * A pull request that changes no model (its README only), read up to the lookup of its check run:
 * the smallest evaluation that writes a check run (the rate-limit stories write it under a limit).
 */
export function serveModelFreePullRequest(pr: { number: number; baseSha: string; headSha: string }): void {
  serveNoPolicy(OWNER, REPO, "main");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: pr.baseSha, files: { "README.md": "# Models\n" } },
      { sha: pr.headSha, files: { "README.md": "# Models and more\n" } },
    ],
  }).servePullRequest(pr.baseSha, pr.headSha);
  serveReviews(OWNER, REPO, pr.number, []);
  serveCheckRunLookup(OWNER, REPO, pr.headSha);
}

/**
 * The check-run write refused `limited` times with a secondary rate limit (retry-after: 1), then,
 * when `thenWritten`, written: returns the bodies GitHub took.
 */
export function serveCheckRunWriteUnderSecondaryLimit(limited: number, thenWritten: boolean): unknown[] {
  const path = `/repos/${OWNER}/${REPO}/check-runs`;
  nock(GITHUB_API)
    .post(path)
    .times(limited)
    .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" });
  const written: unknown[] = [];
  if (thenWritten)
    nock(GITHUB_API)
      .post(path, (body: unknown) => Boolean(written.push(body)))
      .reply(201, { id: 7001, name: "modelgate" });
  return written;
}
