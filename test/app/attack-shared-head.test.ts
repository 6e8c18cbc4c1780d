import nock from "nock";
import { describe, expect, test } from "vitest";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud, RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import {
  serveCheckRunCreate,
  serveCheckRunLookup,
  serveNoPolicy,
  serveOpenPullRequests,
  servePolicy,
  serveReviews,
  type CheckRunBody,
} from "../helpers/serve-github.js";
import {
  OWNER,
  REPO,
  pullRequestEvent,
  pullRequestResource,
  type PullRequestFixture,
} from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";

const BASE = commitSha("base");
const WEAK_BASE = commitSha("weak-base");
const HEAD = commitSha("head");
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const INTO_MAIN: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const INTO_WEAK: PullRequestFixture = {
  number: 8,
  author: "dana",
  baseRef: "sandbox",
  baseSha: WEAK_BASE,
  headSha: HEAD,
};

// a branch nobody protects, whose policy asks for nothing: the route the attack took to a green
const PERMISSIVE_POLICY = [
  "gates:",
  "  new_model: { evaluation: false, approvals: [] }",
  "  retrain: { evaluation: false, approvals: [] }",
  "  training_data: { evaluation: false, approvals: [] }",
  "  configuration: { evaluation: false, approvals: [] }",
  "  version_bump: { evaluation: false, approvals: [] }",
  "  metadata: { evaluation: false, approvals: [] }",
  "",
].join("\n");

/** Both pull requests carry HEAD: #7 into main (built-in policy, `files.main` at its base), #8 into sandbox (permissive policy, `files.sandbox`). */
function serveSharedHead(files: {
  main: Record<string, FileFixture>;
  sandbox: Record<string, FileFixture>;
  head: Record<string, FileFixture>;
}): void {
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  servePolicy(OWNER, REPO, "sandbox", PERMISSIVE_POLICY);
  const repository = new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: files.main },
      { sha: WEAK_BASE, files: files.sandbox },
      { sha: HEAD, files: files.head },
    ],
  });
  repository.servePullRequest(BASE, HEAD);
  repository.serveCompare(WEAK_BASE, HEAD).serveTree(WEAK_BASE).serveTree(HEAD);
  serveReviews(OWNER, REPO, 7, []);
  serveReviews(OWNER, REPO, 8, []);
}

describe("attack: a second pull request with the same head into a weaker branch", () => {
  test("the head's one run keeps the strictest verdict when the weak pull request is evaluated last", async () => {
    const app = await createTestApp();
    serveSharedHead({ main: RELEASED.files, sandbox: RELEASED.files, head: RETRAINED.files });
    new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveCheckRunLookup(OWNER, REPO, HEAD, [], "modelgate", [
      pullRequestResource(INTO_MAIN),
      pullRequestResource(INTO_WEAK),
    ]);
    serveCheckRunCreate(OWNER, REPO);

    // the event is about the weak pull request only; main's pull request is found by its head
    await app.receive(pullRequestEvent("opened", INTO_WEAK, INSTALLATION_ID));

    const writes = app.requestsTo("POST", CHECK_RUNS);
    expect(writes).toHaveLength(1);
    const body = writes[0]!.body as CheckRunBody;
    expect(body.head_sha).toBe(HEAD);
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("#7 into main: 1 model: 2 sign-offs missing");
    expect(body.output.summary).toContain("| #7 | `main` | ⏳ action required | 1 model: 2 sign-offs missing |");
    expect(body.output.summary).toContain("| #8 | `sandbox` | ✅ success | The model change meets its gate |");
    expect(body.actions.map((a) => a.identifier)).toEqual(["open-sign-off", "reevaluate"]);
    // both decisions are in the audit trail, each with the run's conclusion
    const decisions = app.logs.filter((line) => line.msg === "modelgate decision");
    expect(
      decisions.map((d) => [d.pull_request, d.verdict, (d.check_run as { conclusion: string }).conclusion]),
    ).toEqual([
      [7, "action_required", "action_required"],
      [8, "success", "action_required"],
    ]);
  });

  test("a pull request into an unprotected branch counts: its failure fails the head's run even when main's passes", async () => {
    const app = await createTestApp();
    // no model change against main (its base already holds the head's files), a retrain with a hash mismatch against the sandbox
    const tampered = repositoryModelFiles(
      fraud({ version: "2.1.0", weights: "weights of 2.1.0, swapped", declaredWeightsSha: sha256("weights of 2.1.0") }),
    );
    serveSharedHead({ main: tampered.files, sandbox: RELEASED.files, head: tampered.files });
    serveCheckRunLookup(OWNER, REPO, HEAD, [], "modelgate", [pullRequestResource(INTO_WEAK)]);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("synchronize", INTO_MAIN, INSTALLATION_ID));

    const body = app.requestsTo("POST", CHECK_RUNS)[0]!.body as CheckRunBody;
    expect(body.conclusion).toBe("failure");
    expect(body.output.summary).toContain("| #7 | `main` | ✅ success | No model changes |");
    expect(body.output.summary).toMatch(/\| #8 \| `sandbox` \| ❌ failure \|/);
  });

  test("when the open pull requests cannot be listed, the head's run fails closed with the cause", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/${REPO}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(502, { message: "Bad Gateway" });
    serveCheckRunLookup(OWNER, REPO, HEAD, [], "modelgate", null);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", INTO_WEAK, INSTALLATION_ID));

    const body = app.requestsTo("POST", CHECK_RUNS)[0]!.body as CheckRunBody;
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe(
      `Could not evaluate: GitHub answered 502 while reading the open pull requests of acme/models at ${HEAD.slice(0, 7)}`,
    );
    // nothing else was read: no verdict of any pull request is trusted without the list
    expect(app.requestsTo("GET", /contents|git\/trees/)).toEqual([]);
  });
});

describe("failure: the check run cannot be written", () => {
  test("four failures in a row leave an error line naming delivery, repository and head, and the decision line with the failure", async () => {
    const app = await createTestApp();
    servePullRequestScenario(INTO_MAIN, { base: RELEASED.files, head: RETRAINED.files });
    serveOpenPullRequests(OWNER, REPO, []);
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/${REPO}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(500, { message: "Internal Server Error" });

    await expect(
      app.receive({ ...pullRequestEvent("opened", INTO_MAIN, INSTALLATION_ID), id: "d-77" }),
    ).rejects.toThrow(/could not write the check run "modelgate"/);

    const error = app.logs.find((line) => line.msg === "modelgate could not write the check run");
    expect(error).toMatchObject({
      level: 50,
      delivery: "d-77",
      repo: "acme/models",
      head_sha: HEAD,
      pull_requests: [7],
      status: 500,
    });
    expect(error?.reason).toContain("GitHub answered 500");
    const decision = app.logs.find((line) => line.msg === "modelgate decision");
    expect(decision).toMatchObject({
      delivery: "d-77",
      pull_request: 7,
      verdict: "action_required",
      check_run: { written: false, conclusion: "action_required" },
    });
    expect((decision?.check_run as { error: string }).error).toContain("GitHub answered 500");
  });

  test.each([
    [
      "a refused connection",
      { code: "ECONNREFUSED", message: "connect ECONNREFUSED 140.82.112.6:443", address: "140.82.112.6", port: 443 },
      "connection refused (140.82.112.6:443)",
    ],
    [
      "a DNS failure",
      { code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND api.github.com", hostname: "api.github.com" },
      "DNS lookup failed (api.github.com)",
    ],
    ["a reset connection", { code: "ECONNRESET", message: "socket hang up" }, "connection reset"],
    ["a timeout", { code: "ETIMEDOUT", message: "connect ETIMEDOUT" }, "timed out"],
  ])("%s is named as such, never as an HTTP status", async (_case, networkError, cause) => {
    const app = await createTestApp();
    serveInstallationToken();
    nock(GITHUB_API).get(`/repos/${OWNER}/${REPO}/pulls`).query(true).replyWithError(networkError);
    nock(GITHUB_API).get(`/repos/${OWNER}/${REPO}/commits/${HEAD}/check-runs`).query(true).replyWithError(networkError);

    await expect(
      app.receive({ ...pullRequestEvent("opened", INTO_MAIN, INSTALLATION_ID), id: "d-78" }),
    ).rejects.toThrow(cause);

    const decision = app.logs.find((line) => line.msg === "modelgate decision");
    expect(decision?.could_not_evaluate).toBe(
      `${cause} while reading the open pull requests of acme/models at ${HEAD.slice(0, 7)}`,
    );
    expect(JSON.stringify(app.logs)).not.toContain("GitHub answered 500");
    expect(app.logs.find((line) => line.msg === "modelgate could not write the check run")).toMatchObject({
      delivery: "d-78",
      head_sha: HEAD,
    });
  });
});
