import nock from "nock";
import { beforeEach, describe, expect, test } from "vitest";
import { reviewMarker } from "../../src/core/review/marker.js";
import { sweepInstallation, sweepRepository, type SweepContext } from "../../src/handlers/re-evaluation.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles, type RepositoryModel } from "../fixtures/manifests.js";
import { serveNoPolicy, servePolicy } from "../helpers/serve-github.js";
import { serveReleaseCheckOf, serveReleases, serveTag } from "../helpers/serve-releases.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  TEST_LISTING_WAITS_MS,
  testIssueMarkerKey,
  testMarkerKey,
  type TestApp,
} from "../helpers/test-app.js";
import { OPENING_ISSUE_BODY } from "../../src/github/sign-off-issues.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { REPOSITORY_URL } from "../fixtures/payloads/lifecycle.js";
import { postgresCoordination } from "../../src/store/coordination.js";
import { testDatabase } from "../helpers/database.js";

const API = `/repos/${OWNER}/${REPO}`;
const MAIN = commitSha("main");
const MAIN_REEVALUATED = commitSha("main re-evaluated");
const V19_COMMIT = commitSha("v1.9.0");
const REPOSITORY = { owner: OWNER, repo: REPO, defaultBranch: "main", repositoryUrl: REPOSITORY_URL };

const fraud = (overrides: Partial<RepositoryModel>): RepositoryModel => ({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.0.0",
  weights: "weights of 2.0.0",
  prompt: "You score card transactions.\n",
  // 180 days from 2026-06-15 is 2026-12-12: within the 30-day notice on 2026-11-28
  evaluation: { evaluator: "eve", date: "2026-06-15" },
  ...overrides,
});
const FRAUD = repositoryModelFiles(fraud({}));
/** The same artefacts evaluated again: a second record for the digest (newest last). */
function reevaluated(date: string): Record<string, FileFixture> {
  const files = { ...FRAUD.files };
  const manifest = String(files[FRAUD.manifestPath]);
  const record = manifest.slice(manifest.indexOf("  - version: 2.0.0"));
  files[FRAUD.manifestPath] =
    `${manifest}${record.replace("date: 2026-06-15", `date: ${date}`).replace("evaluator: eve", "evaluator: erin")}`;
  return files;
}
const FRAUD_19 = repositoryModelFiles(
  fraud({ version: "1.9.0", weights: "weights of 1.9.0", evaluation: { evaluator: "eve", date: "2026-06-10" } }),
);
const FRESH_SCORER = repositoryModelFiles({
  dir: "models/scorer",
  name: "risk-scorer",
  version: "1.0.0",
  weights: "scorer weights",
  prompt: "You score risk.\n",
  evaluation: { evaluator: "eve", date: "2026-11-01" },
});

interface RepositoryState {
  commit: string;
  files: Record<string, FileFixture>;
  release?: { tag: string; commit: string; files: Record<string, FileFixture> };
  policy?: string;
}

/** The story's repository: one fake per test, so its content reads (which persist) know every commit the runs move to. */
let fake: FakeRepository;
beforeEach(() => {
  fake = new FakeRepository({ owner: OWNER, repo: REPO, commits: [] }).serveContents();
});

/** What one daily run reads of the repository: policy, default branch, its models, the latest release and its models. */
function serveRun(state: RepositoryState): void {
  if (state.policy !== undefined) servePolicy(OWNER, REPO, "main", state.policy);
  else serveNoPolicy(OWNER, REPO, "main");
  nock(GITHUB_API)
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: state.commit } });
  fake
    .addCommits([
      { sha: state.commit, files: state.files },
      ...(state.release ? [{ sha: state.release.commit, files: state.release.files }] : []),
    ])
    .serveTree(state.commit);
  // the release in use: the latest that counts, in the order the gates compare releases (it passed its gate)
  const releases = state.release ? [{ id: 1, tag: state.release.tag, publishedAt: "2026-10-01T10:00:00Z" }] : [];
  serveReleases(OWNER, REPO, releases);
  if (!state.release) return;
  serveTag(OWNER, REPO, state.release.tag, state.release.commit);
  serveReleaseCheckOf(OWNER, REPO, state.release.commit, "success");
  if (state.release.commit !== state.commit) fake.serveTree(state.release.commit);
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

const NOW = new Date("2026-11-28T12:00:00Z");

describe("re-evaluation story 1: an evaluation that will expire", () => {
  test("opens one issue, labelled, signed, with the due date and the developer and system operator holders; a second run changes nothing", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun({ commit: MAIN, files: { ...FRAUD.files, ...FRESH_SCORER.files } });

    const first = await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(first).toEqual({ repo: `${OWNER}/${REPO}`, due: 1, opened: 1, updated: 0, closed: 0, deferred: 0 });
    const [issue] = tracker.appIssues();
    expect(tracker.appIssues()).toHaveLength(1);
    expect(issue?.title).toBe("Re-evaluation due: fraud-detector 2.0.0");
    expect(issue?.labels).toEqual(["model-review"]);
    // opened with a placeholder, then signed for its own number (a marker bound to its issue cannot be copied into another)
    expect(app.requestsTo("POST", `${API}/issues`).map((r) => (r.body as { body: string }).body)).toEqual([
      OPENING_ISSUE_BODY,
    ]);
    expect(issue?.body.split("\n")[0]).toBe(
      reviewMarker(
        { repo: `${OWNER}/${REPO}`, model: "fraud-detector", digest: FRAUD.digest, evaluated: "2026-06-15" },
        testIssueMarkerKey(issue!.number),
      ),
    );
    expect(issue?.body).toContain("⏳ **Due by 2026-12-12.** The evaluation stops counting then.");
    expect(issue?.body).toContain(`| Digest | \`${FRAUD.digest}\` |`);
    expect(issue?.body).toContain("| In use | default branch `main` (`models/fraud/model.yaml`) |");
    expect(issue?.body).toContain("@acme/ml-engineers @acme/platform-ops: please re-evaluate these artefacts.");
    // created once: recorded in the database every replica shares
    const { rows } = await (await testDatabase()).pool.query("SELECT key FROM modelgate.created_once");
    expect(rows).toEqual([{ key: `${OWNER}/${REPO}:fraud-detector:review-${FRAUD.digest.slice(7)}-20260615` }]);

    serveRun({ commit: MAIN, files: { ...FRAUD.files, ...FRESH_SCORER.files } });
    const second = await sweepRepository(await sweepContext(app, new Date("2026-11-29T12:00:00Z")), REPOSITORY);

    expect(second).toEqual({ repo: `${OWNER}/${REPO}`, due: 1, opened: 0, updated: 0, closed: 0, deferred: 0 });
    expect(tracker.appIssues()).toHaveLength(1);
    // only the first run's signing write: the second writes nothing
    expect(app.requestsTo("PATCH", new RegExp(`^${API}/issues/`))).toHaveLength(1);
    expect(app.requestsTo("POST", `${API}/issues`)).toHaveLength(1);
  });

  test("a model version in the latest release gets its own issue, naming the release", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const fresh = repositoryModelFiles(fraud({ evaluation: { evaluator: "eve", date: "2026-11-01" } }));
    serveRun({
      commit: MAIN,
      files: fresh.files,
      release: { tag: "v1.9.0", commit: V19_COMMIT, files: FRAUD_19.files },
    });

    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(tracker.appIssues().map((i) => i.title)).toEqual(["Re-evaluation due: fraud-detector 1.9.0"]);
    expect(tracker.appIssues()[0]?.body).toContain("| In use | latest release `v1.9.0` (`models/fraud/model.yaml`) |");
  });

  test("the release in use is the latest that passed its gate, as the gates compare releases: a newer failed one is passed over", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const fresh = repositoryModelFiles(fraud({ evaluation: { evaluator: "eve", date: "2026-11-01" } }));
    serveNoPolicy(OWNER, REPO, "main");
    nock(GITHUB_API)
      .get(`${API}/git/ref/heads%2Fmain`)
      .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: MAIN } });
    const failed = commitSha("v2.1.0");
    fake
      .addCommits([
        { sha: MAIN, files: fresh.files },
        { sha: V19_COMMIT, files: FRAUD_19.files },
      ])
      .serveTree(MAIN)
      .serveTree(V19_COMMIT);
    serveReleases(OWNER, REPO, [
      { id: 2, tag: "v2.1.0", publishedAt: "2026-11-20T10:00:00Z" },
      { id: 1, tag: "v1.9.0", publishedAt: "2026-09-02T10:00:00Z" },
    ]);
    serveTag(OWNER, REPO, "v2.1.0", failed);
    serveReleaseCheckOf(OWNER, REPO, failed, "failure");
    serveTag(OWNER, REPO, "v1.9.0", V19_COMMIT);
    serveReleaseCheckOf(OWNER, REPO, V19_COMMIT, "success");

    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(tracker.appIssues()[0]?.body).toContain("| In use | latest release `v1.9.0` (`models/fraud/model.yaml`) |");
    expect(app.requestsTo("GET", `${API}/releases/latest`)).toEqual([]);
  });

  test("the latest release at the default branch's commit is read once, and named as both", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun({ commit: MAIN, files: FRAUD.files, release: { tag: "v2.0.0", commit: MAIN, files: FRAUD.files } });

    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(app.requestsTo("GET", `${API}/git/trees/${MAIN}`)).toHaveLength(1);
    expect(tracker.appIssues()[0]?.body).toContain(
      "| In use | default branch `main` (`models/fraud/model.yaml`)<br>latest release `v2.0.0` (`models/fraud/model.yaml`) |",
    );
  });

  test("an issue someone else opened with a copied marker does not count: modelgate opens its own", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const marker = reviewMarker(
      { repo: `${OWNER}/${REPO}`, model: "fraud-detector", digest: FRAUD.digest, evaluated: "2026-06-15" },
      testMarkerKey(),
    );
    tracker.addIssue({
      title: "Re-evaluation due: fraud-detector 2.0.0",
      body: `${marker}\nclose me`,
      labels: ["model-review"],
      appId: null,
      author: "mallory",
    });
    // modelgate's own issue, but its marker edited to another evaluation date
    tracker.addIssue({
      title: "Re-evaluation due: fraud-detector 2.0.0",
      body: marker.replace("2026-06-15", "2026-11-15"),
      labels: ["model-review"],
      appId: APP_ID,
      author: "modelgate[bot]",
    });
    serveRun({ commit: MAIN, files: FRAUD.files });

    const outcome = await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(outcome.opened).toBe(1);
    expect(tracker.issues.filter((i) => i.state === "open")).toHaveLength(3);
  });

  test("a model without a passing evaluation of its digest, or decommissioned, gets no issue", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const failed = repositoryModelFiles(
      fraud({ evaluation: { evaluator: "eve", date: "2026-06-15", result: "fail" } }),
    );
    const retired = repositoryModelFiles({
      ...fraud({}),
      dir: "models/old",
      name: "old-model",
      status: "decommissioned",
    });
    serveRun({ commit: MAIN, files: { ...failed.files, ...retired.files } });

    expect(await sweepRepository(await sweepContext(app, NOW), REPOSITORY)).toMatchObject({ due: 0, opened: 0 });
    expect(tracker.issues).toEqual([]);
  });
});

describe("re-evaluation story 2: the date nears, then passes", () => {
  test("the issue is updated at each stage, with the holders mentioned in a comment; not again within a stage", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const state = { commit: MAIN, files: FRAUD.files };
    serveRun(state);
    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);
    const issue = tracker.appIssues()[0]!;

    serveRun(state);
    expect(await sweepRepository(await sweepContext(app, new Date("2026-12-07T06:00:00Z")), REPOSITORY)).toMatchObject({
      opened: 0,
      updated: 1,
    });
    expect(issue.body).toContain("⚠️ **Due by 2026-12-12: less than a week left.**");
    expect(issue.comments.map((c) => c.body)).toEqual([
      "@acme/ml-engineers @acme/platform-ops: the evaluation of fraud-detector 2.0.0 expires on 2026-12-12. Please re-evaluate it.",
    ]);

    serveRun(state);
    expect(await sweepRepository(await sweepContext(app, new Date("2026-12-08T06:00:00Z")), REPOSITORY)).toMatchObject({
      updated: 0,
    });
    expect(issue.comments).toHaveLength(1);

    serveRun(state);
    expect(await sweepRepository(await sweepContext(app, new Date("2026-12-13T06:00:00Z")), REPOSITORY)).toMatchObject({
      updated: 1,
    });
    expect(issue.body).toContain(
      "❌ **Expired on 2026-12-12.** Until this version is re-evaluated, its deployments and releases fail their gates.",
    );
    expect(issue.comments.map((c) => c.body)[1]).toBe(
      "@acme/ml-engineers @acme/platform-ops: the evaluation of fraud-detector 2.0.0 expired on 2026-12-12. Please re-evaluate it.",
    );
    expect(issue.state).toBe("open");
    expect(tracker.appIssues()).toHaveLength(1);
  });
});

describe("re-evaluation story 3: a new evaluation lands", () => {
  test("the issue is closed with a link to the manifest on the default branch, and no new issue opens", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun({ commit: MAIN, files: FRAUD.files });
    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);
    const issue = tracker.appIssues()[0]!;

    serveRun({ commit: MAIN_REEVALUATED, files: reevaluated("2026-12-01") });
    const outcome = await sweepRepository(await sweepContext(app, new Date("2026-12-02T06:00:00Z")), REPOSITORY);

    expect(outcome).toEqual({ repo: `${OWNER}/${REPO}`, due: 0, opened: 0, updated: 0, closed: 1, deferred: 0 });
    expect(issue.state).toBe("closed");
    expect(issue.stateReason).toBe("completed");
    expect(issue.comments.map((c) => c.body)).toEqual([
      `A new evaluation of this digest, dated 2026-12-01, landed on the default branch: ${REPOSITORY_URL}/blob/${MAIN_REEVALUATED}/models/fraud/model.yaml. Closing.`,
    ]);
    expect(tracker.appIssues()).toHaveLength(1);
  });

  test("a version no longer in use closes its issue; a closed issue of the same evaluation is never reopened", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun({ commit: MAIN, files: { ...FRAUD.files, ...FRESH_SCORER.files } });
    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    serveRun({ commit: MAIN_REEVALUATED, files: FRESH_SCORER.files });
    expect(await sweepRepository(await sweepContext(app, NOW), REPOSITORY)).toMatchObject({ closed: 1 });
    expect(tracker.appIssues()[0]?.comments.map((c) => c.body)).toEqual([
      "This version is no longer on the default branch nor in the latest release. Closing.",
    ]);

    serveRun({ commit: MAIN, files: FRAUD.files });
    expect(await sweepRepository(await sweepContext(app, NOW), REPOSITORY)).toMatchObject({
      due: 1,
      opened: 0,
      updated: 0,
      closed: 0,
      deferred: 0,
    });
    expect(tracker.appIssues()).toHaveLength(1);
  });
});

describe("re-evaluation story 3b: markers bound to their issue", () => {
  test("attack: a review issue's signed marker copied into another of modelgate's issues does not make that one an issue of the evaluation", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun({ commit: MAIN, files: FRAUD.files });
    await sweepRepository(await sweepContext(app, NOW), REPOSITORY);
    const [legit] = tracker.appIssues();
    // a writer pastes #1's body into another issue modelgate opened
    const copy = tracker.addIssue({
      title: "Re-evaluation due: fraud-detector 2.0.0",
      body: legit!.body,
      labels: ["model-review"],
      appId: APP_ID,
      author: "modelgate[bot]",
    });

    serveRun({ commit: MAIN_REEVALUATED, files: reevaluated("2026-12-01") });
    const outcome = await sweepRepository(await sweepContext(app, new Date("2026-12-02T06:00:00Z")), REPOSITORY);

    // only the real one is closed: the copy's marker was signed for another issue, so modelgate never acts on it
    expect(outcome).toMatchObject({ closed: 1 });
    expect(legit!.state).toBe("closed");
    expect([copy.state, copy.comments]).toEqual(["open", []]);
  });
});

describe("re-evaluation story 4: across replicas and failures", () => {
  test("another replica created the issue, which GitHub does not list yet: this run waits for it and opens none of its own", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const ref = { repo: `${OWNER}/${REPO}`, model: "fraud-detector", digest: FRAUD.digest, evaluated: "2026-06-15" };
    await (
      await testDatabase()
    ).pool.query("INSERT INTO modelgate.created_once (key) VALUES ($1)", [
      `${OWNER}/${REPO}:fraud-detector:review-${FRAUD.digest.slice(7)}-20260615`,
    ]);
    tracker.createdElsewhere(2, {
      title: "Re-evaluation due: fraud-detector 2.0.0",
      // the first issue the fake tracker numbers is #100
      body: `${reviewMarker(ref, testIssueMarkerKey(100))}\nopened by the other replica`,
      labels: ["model-review"],
      appId: APP_ID,
      author: "modelgate[bot]",
      state: "open",
      stateReason: null,
      comments: [],
    });
    serveRun({ commit: MAIN, files: FRAUD.files });

    const outcome = await sweepRepository(await sweepContext(app, NOW), REPOSITORY);

    expect(outcome.opened).toBe(0);
    expect(tracker.appIssues()).toHaveLength(1);
    expect(app.requestsTo("POST", `${API}/issues`)).toEqual([]);
  });

  test("GitHub's content limits: at most 20 issues are written per repository and run, the rest on the next run", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const files: Record<string, FileFixture> = {};
    for (let i = 0; i < 25; i++)
      Object.assign(
        files,
        repositoryModelFiles({
          ...fraud({}),
          dir: `models/m${String(i).padStart(2, "0")}`,
          name: `model-${String(i).padStart(2, "0")}`,
          weights: `weights ${i}`,
        }).files,
      );
    serveRun({ commit: MAIN, files });

    expect(await sweepRepository(await sweepContext(app, NOW), REPOSITORY)).toMatchObject({
      due: 25,
      opened: 20,
      deferred: 5,
    });
    // one label for the run, not one per issue
    expect(app.requestsTo("POST", `${API}/labels`)).toHaveLength(1);

    serveRun({ commit: MAIN, files });
    expect(await sweepRepository(await sweepContext(app, NOW), REPOSITORY)).toMatchObject({
      due: 25,
      opened: 5,
      deferred: 0,
    });
    expect(new Set(tracker.appIssues().map((i) => i.title)).size).toBe(25);
  });

  test("an invalid policy fails the run of the repository, with the reason", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", "evaluation:\n  notice_days: soon\n", 2);

    await expect(sweepRepository(await sweepContext(app, NOW), REPOSITORY)).rejects.toThrow(
      "the policy .github/modelgate.yml of acme/models on main is invalid",
    );
  });

  test("the installation run walks every repository it can see, skips archived ones, and a failing one does not stop the others", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const repository = (name: string, archived = false) => ({
      id: name.length,
      name,
      full_name: `${OWNER}/${name}`,
      owner: { login: OWNER },
      default_branch: "main",
      html_url: `https://github.com/${OWNER}/${name}`,
      archived,
      disabled: false,
    });
    nock(GITHUB_API)
      .get("/installation/repositories")
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 3,
        repositories: [repository("broken"), repository("attic", true), repository(REPO)],
      });
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/broken/contents/.github%2Fmodelgate.yml`)
      .query({ ref: "main" })
      .reply(502, { message: "Bad Gateway" });
    serveRun({ commit: MAIN, files: FRAUD.files });

    await expect(sweepInstallation(await sweepContext(app, NOW))).rejects.toThrow("1 repository could not be checked");

    expect(tracker.appIssues().map((i) => i.title)).toEqual(["Re-evaluation due: fraud-detector 2.0.0"]);
    expect(app.logs.find((line) => line.msg === "modelgate daily re-evaluation run")).toMatchObject({
      repositories: 1,
      failed: 1,
      opened: 1,
    });
  });
});
