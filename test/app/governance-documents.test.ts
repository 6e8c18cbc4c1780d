import { createHash } from "node:crypto";
import nock from "nock";
import { describe, expect, test } from "vitest";
import { documentReviewMarker } from "../../src/core/governance/document-issue.js";
import { sweepRepository, type SweepContext } from "../../src/handlers/re-evaluation.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
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
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { serveCheckRunCreate, serveCheckRunLookup, type CheckRunBody } from "../helpers/serve-github.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";
import { REPOSITORY_URL } from "../fixtures/payloads/lifecycle.js";
import { postgresCoordination } from "../../src/store/coordination.js";
import { testDatabase } from "../helpers/database.js";

const API = `/repos/${OWNER}/${REPO}`;
const MAIN = commitSha("main");
const REPOSITORY = { owner: OWNER, repo: REPO, defaultBranch: "main", repositoryUrl: REPOSITORY_URL };
const NOW = new Date("2026-11-28T12:00:00Z");
const PATH = "docs/plans/incident.md";
const POLICY = [
  "roles:",
  "  security: { users: [sec-lead] }",
  "governance:",
  "  documents:",
  `    - { path: ${PATH}, provision: 5.2.2-5, review_days: 90, owner_role: security, fail_release: true }`,
  "",
].join("\n");
const PLAN = "# Incident response\n\nCall the on-call security engineer.\n";
// a model evaluated recently: the run opens no re-evaluation issue, only the document's
const SCORER = repositoryModelFiles({
  dir: "models/scorer",
  name: "risk-scorer",
  version: "1.0.0",
  weights: "scorer weights",
  prompt: "You score risk.\n",
  evaluation: { evaluator: "eve", date: "2026-11-01" },
});

interface DocumentCommitFixture {
  sha: string;
  date: string;
  login: string;
  text: string | null;
  file?: GraphqlFile;
}

interface GraphqlFile {
  mode: number;
  object: { text: string; byteSize: number; isBinary: boolean; isTruncated: boolean };
}

const regularFile = (text: string): GraphqlFile => ({
  mode: 0o100644,
  object: { text, byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false },
});

/**
 * GitHub's answers to the documents' history query (src/github/governance.ts), newest commit first, as `set` last
 * gave them; registered before the fake repository, which answers every other GraphQL file read.
 */
function serveDocumentHistories(): { set(commits: DocumentCommitFixture[]): void; queries: string[] } {
  let current: DocumentCommitFixture[] = [];
  const queries: string[] = [];
  nock(GITHUB_API)
    .persist()
    .post(
      "/graphql",
      (body: { query?: string }) => typeof body.query === "string" && body.query.includes("history(first:"),
    )
    .reply(200, (_uri, body) => {
      queries.push((body as { query: string }).query);
      return {
        data: {
          repository: {
            commit: {
              d0: {
                nodes: current.map((c) => ({
                  oid: c.sha,
                  committedDate: c.date,
                  author: { user: { login: c.login }, name: c.login },
                  file: c.file ?? (c.text === null ? null : regularFile(c.text)),
                })),
              },
            },
            reviews: null,
          },
        },
      };
    });
  return { set: (commits) => void (current = commits), queries };
}

/** What one daily run reads besides the document history: policy, default branch, its models, no release. */
function serveRun(fake: FakeRepository): void {
  servePolicy(OWNER, REPO, "main", POLICY);
  nock(GITHUB_API)
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: MAIN } });
  fake.serveTree(MAIN);
  serveReleases(OWNER, REPO, []);
}

function setUp(): { history: ReturnType<typeof serveDocumentHistories>; fake: FakeRepository } {
  const history = serveDocumentHistories();
  const fake = new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [{ sha: MAIN, files: { ...SCORER.files, [PATH]: PLAN } }],
  }).serveContents();
  return { history, fake };
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

const created = { sha: "a".repeat(40), date: "2026-06-01T10:00:00Z", login: "sec-lead", text: PLAN };
const rewrapped = {
  sha: "b".repeat(40),
  date: "2026-11-27T10:00:00Z",
  login: "dana",
  text: PLAN.replace(" security", "\nsecurity"),
};
const reviewed = {
  sha: "c".repeat(40),
  date: "2026-11-28T09:00:00Z",
  login: "sec-lead",
  text: `${PLAN}Escalate to the CISO after one hour.\n`,
};

describe("story: a plan with a review date (governance.documents) in the daily run", () => {
  test("an overdue plan opens one issue for its owner role; a second run, after a whitespace-only commit, changes nothing; a review closes it", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();

    const { history, fake } = setUp();
    history.set([created]);
    serveRun(fake);
    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(history.queries).toHaveLength(1);
    expect(history.queries[0]).toContain(`d0: history(first: 21, path: "${PATH}")`);
    const [issue] = tracker.appIssues();
    expect(tracker.appIssues()).toHaveLength(1);
    expect(issue?.title).toBe(`Document review due: ${PATH}`);
    expect(issue?.labels).toEqual(["governance-review"]);
    expect(issue?.body.split("\n")[0]).toBe(
      documentReviewMarker(
        { repo: `${OWNER}/${REPO}`, path: PATH, due: "2026-08-30" },
        testIssueMarkerKey(issue!.number),
      ),
    );
    expect(issue?.body).toContain(
      `⏳ **Review overdue.** ${PATH} is overdue for review: reviewed 2026-06-01 (commit aaaaaaaaaaaa by sec-lead), due 2026-08-30 (every 90 days).`,
    );
    expect(issue?.body).toContain("| Gates releases | yes: releases fail until it is reviewed |");
    expect(issue?.body).toContain("@sec-lead: please review this document.");

    // attack: a whitespace-only commit does not renew the review: the issue stays open, none is added
    history.set([rewrapped, created]);
    serveRun(fake);
    await sweepRepository(await sweepContext(app, new Date("2026-11-28T13:00:00Z")), REPOSITORY);
    expect(tracker.appIssues()).toHaveLength(1);
    expect(tracker.appIssues()[0]?.state).toBe("open");
    expect(app.requestsTo("POST", `${API}/issues`)).toHaveLength(1);

    history.set([reviewed, rewrapped, created]);
    serveRun(fake);
    await sweepRepository(await sweepContext(app, new Date("2026-11-28T14:00:00Z")), REPOSITORY);
    const closed = tracker.appIssues()[0]!;
    expect(closed.state).toBe("closed");
    expect(closed.comments.map((c) => c.body)).toEqual([
      `✅ Reviewed: ${PATH}: reviewed 2026-11-28 (commit cccccccccccc by sec-lead), next due 2027-02-26. Closing.`,
    ]);
  });

  test("a missing plan opens an issue that says it is missing", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const { history, fake } = setUp();
    history.set([]);
    serveRun(fake);

    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(tracker.appIssues().map((i) => i.body.split("\n")[2])).toEqual([`❌ **Missing.** ${PATH} does not exist.`]);
  });

  test("attack: a symlink in the plan's place is not the plan", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const { history, fake } = setUp();
    const link = { ...regularFile("../../elsewhere/plan.md"), mode: 0o120000 };
    history.set([{ sha: "d".repeat(40), date: "2026-11-27T10:00:00Z", login: "dana", text: null, file: link }]);
    serveRun(fake);

    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(tracker.appIssues().map((i) => i.body.split("\n")[2])).toEqual([
      `❌ **Missing.** ${PATH} is not a document: a symbolic link.`,
    ]);
  });
});

describe("story: a pull request that records a review in governance/reviews.yaml", () => {
  const PR: PullRequestFixture = {
    number: 12,
    author: "dana",
    baseRef: "main",
    baseSha: commitSha("base"),
    headSha: commitSha("head"),
  };
  // every role held by users: no team membership is read
  const REVIEW_POLICY = POLICY.replace("[sec-lead]", "[sec-lead, dana]").replace(
    "governance:",
    "  developer: { users: [dana] }\n  system_operator: { users: [ops1] }\n  data_custodian: { users: [carol] }\ngovernance:",
  );
  const record = (path: string): string =>
    `reviews:\n  - path: ${path}\n    date: 2026-11-28\n    sha256: ${createHash("sha256").update(PLAN).digest("hex")}\n    reviewer: dana\n`;
  const approvals = (...logins: string[]) =>
    logins.map((login) => ({ login, state: "APPROVED", commitId: PR.headSha }));

  async function judgeRecord(
    reviewsYaml: string,
    reviews: ReturnType<typeof approvals>,
    baseReviewsYaml?: string,
  ): Promise<CheckRunBody> {
    const app = await createTestApp();
    const base: Record<string, string> =
      baseReviewsYaml === undefined ? {} : { "governance/reviews.yaml": baseReviewsYaml };
    servePullRequestScenario(
      PR,
      { base: { [PATH]: PLAN, ...base }, head: { [PATH]: PLAN, "governance/reviews.yaml": reviewsYaml } },
      { reviews, policy: REVIEW_POLICY },
    );
    serveCheckRunLookup(OWNER, REPO, PR.headSha);
    serveCheckRunCreate(OWNER, REPO);
    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));
    const creates = app.requestsTo("POST", `${API}/check-runs`);
    expect(creates).toHaveLength(1);
    return creates[0]!.body as CheckRunBody;
  }

  test("attack: the PR author signs their own review record — the check stays action_required", async () => {
    const body = await judgeRecord(record(PATH), approvals("dana"));
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("review record awaits its owner role");
    expect(body.output.summary).toContain("### Document review records");
    expect(body.output.summary).toContain(
      `| \`governance.review:${PATH}\` | ⏳ pending | governance/reviews.yaml records a review of ${PATH}, so its owner role security must approve it: security must sign off`,
    );
    expect(body.output.summary).toContain("@dana is an author: their own approval does not count");
  });

  test("attack: a holder of another role approves it — the check stays action_required", async () => {
    const body = await judgeRecord(record(PATH), approvals("ops1"));
    expect(body.conclusion).toBe("action_required");
    expect(body.output.summary).toContain("@ops1 approved but holds none of security");
  });

  test("passes once the owner role, not an author, approves the head commit", async () => {
    const body = await judgeRecord(record(PATH), approvals("sec-lead"));
    expect(body.conclusion).toBe("success");
    expect(body.output.summary).toContain(
      `| \`governance.review:${PATH}\` | ✅ met | the review record of ${PATH} was approved by @sec-lead in a review of ${PR.headSha.slice(0, 7)}`,
    );
  });

  test("only the records the pull request adds need approval: the base's are read and left alone", async () => {
    const onMain = record(PATH);
    const added = `${onMain}  - { path: docs/plans/made-up.md, date: 2026-11-28, sha256: ${"a".repeat(64)}, reviewer: dana }\n`;
    const body = await judgeRecord(added, approvals("sec-lead"), onMain);
    expect(body.conclusion).toBe("failure");
    expect(body.output.summary).toContain("`governance.review:docs/plans/made-up.md`");
    expect(body.output.summary).not.toContain(`\`governance.review:${PATH}\``);
  });

  test("attack: a record for a document the policy does not name fails, with its line", async () => {
    const body = await judgeRecord(record("docs/plans/made-up.md"), approvals("sec-lead"));
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("review record refused");
    expect(body.output.summary).toContain(
      "governance/reviews.yaml:2: docs/plans/made-up.md is not a document governance.documents names",
    );
  });
});
