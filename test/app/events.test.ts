import nock from "nock";
import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { FakeRepository } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { APP_ID, createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import {
  OWNER,
  REPO,
  checkRunEvent,
  checkSuiteRerequestedEvent,
  pullRequestResource,
  pullRequestReviewEvent,
  type PullRequestFixture,
} from "../fixtures/payloads/index.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 12, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;

/** Everything one evaluation of PR #12 reads and writes, for a change without models. */
function serveEvaluation(pr: PullRequestFixture = PR, openPulls: unknown[] = []): void {
  serveNoPolicy(OWNER, REPO, pr.baseRef);
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: pr.baseSha, files: { "a.txt": "a\n" } },
      { sha: pr.headSha, files: { "a.txt": "b\n" } },
    ],
  }).servePullRequest(pr.baseSha, pr.headSha);
  serveReviews(OWNER, REPO, pr.number, []);
  serveCheckRunLookup(OWNER, REPO, pr.headSha, [], "modelgate", openPulls);
  serveCheckRunCreate(OWNER, REPO);
}

function servePullRequest(pr: PullRequestFixture): void {
  nock("https://api.github.com").get(`/repos/${OWNER}/${REPO}/pulls/${pr.number}`).reply(200, pullRequestResource(pr));
}

describe("pull_request_review", () => {
  test("a submitted review re-evaluates the pull request", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveEvaluation();

    await app.receive(
      pullRequestReviewEvent("submitted", PR, { login: "alice", state: "approved", commitId: HEAD }, INSTALLATION_ID),
    );

    expect(app.requestsTo("POST", CHECK_RUNS)).toHaveLength(1);
  });

  test("a review of a closed pull request is ignored", async () => {
    const app = await createTestApp();

    await app.receive(
      pullRequestReviewEvent(
        "dismissed",
        { ...PR, state: "closed" },
        { login: "alice", state: "dismissed", commitId: HEAD },
        INSTALLATION_ID,
      ),
    );

    expect(app.requests).toEqual([]);
  });
});

describe("check_run", () => {
  test("Re-run of modelgate's own run re-evaluates its pull request, read fresh", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePullRequest(PR);
    serveEvaluation();

    await app.receive(
      checkRunEvent(
        "rerequested",
        { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [PR] },
        INSTALLATION_ID,
      ),
    );

    expect(app.requestsTo("GET", `/repos/${OWNER}/${REPO}/pulls/12`)).toHaveLength(1);
    expect((app.requestsTo("POST", CHECK_RUNS)[0]?.body as { head_sha: string }).head_sha).toBe(HEAD);
  });

  test.each(["reevaluate", "open-sign-off"])("the %s button re-evaluates", async (identifier) => {
    const app = await createTestApp();
    serveInstallationToken();
    servePullRequest(PR);
    serveEvaluation();

    await app.receive(
      checkRunEvent(
        "requested_action",
        { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [PR], identifier },
        INSTALLATION_ID,
      ),
    );

    expect(app.requestsTo("POST", CHECK_RUNS)).toHaveLength(1);
  });

  test.each([
    ["another app's run", { appId: 31337, name: "modelgate", identifier: "reevaluate" }],
    ["another check name", { appId: APP_ID, name: "lint", identifier: "reevaluate" }],
    ["an unknown button", { appId: APP_ID, name: "modelgate", identifier: "deploy" }],
  ])("a requested action on %s is ignored: nothing is read or written", async (_case, run) => {
    const app = await createTestApp();

    await app.receive(
      checkRunEvent("requested_action", { ...run, headSha: HEAD, pullRequests: [PR] }, INSTALLATION_ID),
    );

    expect(app.requests).toEqual([]);
  });

  test("a run of a fork's pull request (no pull_requests in the payload) finds its PR among the open ones by head", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveEvaluation(PR, [
      pullRequestResource(PR),
      pullRequestResource({ ...PR, number: 3, headSha: commitSha("other") }),
      pullRequestResource({ ...PR, number: 4, state: "closed" }),
    ]);

    await app.receive(
      checkRunEvent(
        "rerequested",
        { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [] },
        INSTALLATION_ID,
      ),
    );

    expect(app.requestsTo("POST", CHECK_RUNS)).toHaveLength(1);
    expect(app.requestsTo("GET", `/repos/${OWNER}/${REPO}/pulls/12/reviews`)).toHaveLength(1);
  });

  test("when the pull request cannot be read, the run on that commit says so", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    nock("https://api.github.com")
      .get(`/repos/${OWNER}/${REPO}/pulls/12`)
      .reply(503, { message: "Service Unavailable" });
    serveCheckRunLookup(OWNER, REPO, HEAD, [], "modelgate", null);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(
      checkRunEvent(
        "rerequested",
        { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [PR] },
        INSTALLATION_ID,
      ),
    );

    expect(app.requestsTo("POST", CHECK_RUNS)[0]?.body).toMatchObject({
      head_sha: HEAD,
      conclusion: "failure",
      output: { title: "Could not evaluate: GitHub answered 503 while reading pull request #12 of acme/models" },
    });
  });
});

describe("check_suite", () => {
  test("Re-run all checks evaluates every open pull request of the suite's head into its one run", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const other: PullRequestFixture = { ...PR, number: 13, baseRef: "release", baseSha: commitSha("release") };
    servePullRequest(PR);
    servePullRequest(other);
    serveEvaluation(PR);
    serveNoPolicy(OWNER, REPO, "release");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: other.baseSha, files: { "a.txt": "a\n" } },
        { sha: HEAD, files: { "a.txt": "b\n" } },
      ],
    }).servePullRequest(other.baseSha, HEAD);
    serveReviews(OWNER, REPO, 13, []);

    await app.receive(
      checkSuiteRerequestedEvent({ appId: APP_ID, headSha: HEAD, pullRequests: [PR, other] }, INSTALLATION_ID),
    );

    // one run per head, never one per pull request (the second would overwrite the first)
    const writes = app.requestsTo("POST", CHECK_RUNS);
    expect(writes).toHaveLength(1);
    const summary = (writes[0]?.body as { output: { summary: string } }).output.summary;
    expect(summary).toContain("| #12 | `main` | ✅ success |");
    expect(summary).toContain("| #13 | `release` | ✅ success |");
  });

  test("another app's suite is ignored", async () => {
    const app = await createTestApp();

    await app.receive(checkSuiteRerequestedEvent({ appId: 31337, headSha: HEAD, pullRequests: [PR] }, INSTALLATION_ID));

    expect(app.requests).toEqual([]);
  });
});

describe("webhook signatures", () => {
  const secret = "webhook-secret";
  const sign = (key: string, payload: string) => `sha256=${createHmac("sha256", key).update(payload).digest("hex")}`;
  const reevaluate = () =>
    checkRunEvent(
      "requested_action",
      { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [PR], identifier: "reevaluate" },
      INSTALLATION_ID,
    );

  test("a forged or missing signature is rejected before any handler runs", async () => {
    const app = await createTestApp({ secret });
    const payload = JSON.stringify(reevaluate().payload);

    await expect(
      app.probot.webhooks.verifyAndReceive({
        id: "forged",
        name: "check_run",
        payload,
        signature: sign("another-secret", payload),
      }),
    ).rejects.toThrow(/signature does not match/i);
    await expect(
      app.probot.webhooks.verifyAndReceive({ id: "unsigned", name: "check_run", payload, signature: "" }),
    ).rejects.toThrow();
    expect(app.requests).toEqual([]);
  });

  test("a delivery signed with the app's secret is handled", async () => {
    const app = await createTestApp({ secret });
    serveInstallationToken();
    servePullRequest(PR);
    serveEvaluation();
    const payload = JSON.stringify(reevaluate().payload);

    await app.probot.webhooks.verifyAndReceive({
      id: "signed",
      name: "check_run",
      payload,
      signature: sign(secret, payload),
    });

    expect(app.requestsTo("POST", CHECK_RUNS)).toHaveLength(1);
  });
});
