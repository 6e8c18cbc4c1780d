import nock from "nock";
import { describe, expect, test } from "vitest";
import { sweepRepository, type SweepContext } from "../../src/handlers/re-evaluation.js";
import { reminderMarker } from "../../src/core/governance/training-reminder.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { servePolicy } from "../helpers/serve-github.js";
import { serveReleases } from "../helpers/serve-releases.js";
import {
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  TEST_LISTING_WAITS_MS,
  testIssueMarkerKey,
  testMarkerKey,
  type TestApp,
} from "../helpers/test-app.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { REPOSITORY_URL } from "../fixtures/payloads/lifecycle.js";
import { postgresCoordination } from "../../src/store/coordination.js";
import { testDatabase } from "../helpers/database.js";
import { rosterWith, serveRoster } from "../helpers/serve-training.js";

const API = `/repos/${OWNER}/${REPO}`;
const MAIN = commitSha("main");
const REPOSITORY = { owner: OWNER, repo: REPO, defaultBranch: "main", repositoryUrl: REPOSITORY_URL };
const POLICY = "training:\n  require: true\n";

/** One daily run over a repository with no models: its policy, branch, tree, releases and roster. */
function serveRun(roster: string, fake: FakeRepository, policy = POLICY): void {
  servePolicy(OWNER, REPO, "main", policy);
  nock(GITHUB_API)
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: MAIN } });
  fake.serveTree(MAIN);
  serveReleases(OWNER, REPO, []);
  if (policy === POLICY) serveRoster(OWNER, REPO, roster, { committedAt: "2026-11-29T10:00:00Z" });
}

async function sweepContext(app: TestApp, now: Date): Promise<SweepContext> {
  return {
    octokit: await app.probot.auth(INSTALLATION_ID),
    log: app.probot.log,
    now,
    markerKey: testMarkerKey(),
    coordination: postgresCoordination((await testDatabase()).pool, { waitsMs: TEST_LISTING_WAITS_MS }),
  };
}

describe("training reminders in the daily run", () => {
  test("open one issue mentioning the person 30 days before a record expires, once; close it when the record is renewed", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const fake = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [{ sha: MAIN, files: { "README.md": "# Models\n" } }],
    }).serveContents();
    const dueSoon = rosterWith([
      { login: "Alice", completed: "2025-12-20" },
      { login: "bob", completed: "2026-06-01" },
    ]);

    serveRun(dueSoon, fake);
    await sweepRepository(await sweepContext(app, new Date("2026-11-28T12:00:00Z")), REPOSITORY);

    const [issue] = tracker.appIssues();
    expect(tracker.appIssues()).toHaveLength(1);
    expect(issue?.title).toBe("Training due: Alice — ai-security-basics");
    expect(issue?.labels).toEqual(["training-due"]);
    expect(issue?.body.split("\n")[0]).toBe(
      reminderMarker(
        { repo: `${OWNER}/${REPO}`, login: "alice", course: "ai-security-basics", expires: "2026-12-20" },
        testIssueMarkerKey(issue!.number),
      ),
    );
    expect(issue?.body).toContain(
      "@Alice, your `ai-security-basics` training expires on **2026-12-20**. It qualifies you for `developer`, `system_operator`, `data_custodian`.",
    );

    // the next day: nothing new, nothing written
    serveRun(dueSoon, fake);
    const before = app.requests.length;
    await sweepRepository(await sweepContext(app, new Date("2026-11-29T12:00:00Z")), REPOSITORY);
    expect(tracker.appIssues()).toHaveLength(1);
    const written = app.requests
      .slice(before)
      .filter((r) => r.method !== "GET" && r.path !== "/graphql" && !r.path.startsWith("/app/"));
    expect(written).toEqual([]);

    // renewed: the issue closes with a word
    serveRun(
      rosterWith([
        { login: "Alice", completed: "2025-12-20" },
        { login: "alice", completed: "2026-11-29" },
        { login: "bob", completed: "2026-06-01" },
      ]),
      fake,
    );
    await sweepRepository(await sweepContext(app, new Date("2026-11-30T12:00:00Z")), REPOSITORY);
    const closed = tracker.issue(issue!.number);
    expect(closed.state).toBe("closed");
    expect(closed.comments.map((c) => c.body)).toEqual([
      "✅ Renewed: the record now counts until 2027-11-29. Closing.",
    ]);
  });

  test("nothing is read when training is off", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const fake = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [{ sha: MAIN, files: { "README.md": "# Models\n" } }],
    }).serveContents();
    serveRun("", fake, "training:\n  require: false\n");
    await sweepRepository(await sweepContext(app, new Date("2026-11-28T12:00:00Z")), REPOSITORY);
    expect(tracker.appIssues()).toEqual([]);
    expect(app.requestsTo("GET", /training\.yaml/)).toEqual([]);
  });
});
