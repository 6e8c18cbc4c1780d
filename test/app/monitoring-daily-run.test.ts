import nock from "nock";
import { beforeEach, describe, expect, test } from "vitest";
import { driftMarker } from "../../src/core/monitoring/marker.js";
import { sweepRepository, type SweepContext } from "../../src/handlers/re-evaluation.js";
import { OPENING_ISSUE_BODY } from "../../src/github/sign-off-issues.js";
import { postgresCoordination } from "../../src/store/coordination.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { REPOSITORY_URL } from "../fixtures/payloads/lifecycle.js";
import { testDatabase } from "../helpers/database.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
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
import { buildZip } from "../helpers/zip.js";

const API = `/repos/${OWNER}/${REPO}`;
const REPOSITORY = { owner: OWNER, repo: REPO, defaultBranch: "main", repositoryUrl: REPOSITORY_URL };
const NOW = new Date("2026-11-28T12:00:00Z");
// evaluated on 2026-11-01: far from expiry, so only monitoring can make a re-evaluation due
const FRAUD = repositoryModelFiles({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.0.0",
  weights: "weights of 2.0.0",
  prompt: "You score card transactions.\n",
  evaluation: { evaluator: "eve", date: "2026-11-01" },
});
const FOLDER = "monitoring/fraud-detector/2.0.0";

const POLICY = `monitoring:
  reports:
    path: monitoring/{model}/{version}
  max_report_age_days: 7
  thresholds:
    - { metric: accuracy, min: 0.9 }
    - { metric: attack_success_rate, max: 0.05, security: true }
`;
const ARTIFACT_POLICY = `monitoring:
  reports:
    workflow: monitoring.yml
    artifact: monitoring-reports
    path: "{model}/{version}"
  thresholds:
    - { metric: share_of_drifted_columns, max: 0.3 }
`;

function modelgateReport(
  metrics: Record<string, number | null>,
  generatedAt = "2026-11-27T06:00:00Z",
  model = "fraud-detector",
): string {
  return JSON.stringify({
    format: "modelgate-monitoring/1",
    model,
    version: "2.0.0",
    generated_at: generatedAt,
    metrics,
  });
}

let fake: FakeRepository;
beforeEach(() => {
  fake = new FakeRepository({ owner: OWNER, repo: REPO, commits: [] }).serveContents();
});

/** One daily run's reads: policy, default branch, its models and reports (in its tree), no release. */
function serveRun(commit: string, files: Record<string, FileFixture>, policy = POLICY): void {
  servePolicy(OWNER, REPO, "main", policy);
  nock(GITHUB_API)
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: commit } });
  fake.addCommits([{ sha: commit, files }]).serveTree(commit);
  serveReleases(OWNER, REPO, []);
}

async function sweepContext(app: TestApp, now = NOW): Promise<SweepContext> {
  return {
    octokit: await app.probot.auth(INSTALLATION_ID),
    log: app.probot.log,
    now,
    markerKey: testMarkerKey(),
    coordination: postgresCoordination((await testDatabase()).pool, { waitsMs: TEST_LISTING_WAITS_MS }),
  };
}

const driftIssues = (tracker: FakeIssueTracker) =>
  tracker.appIssues().filter((i) => i.labels.includes("model-monitoring"));
const reviewIssues = (tracker: FakeIssueTracker) =>
  tracker.appIssues().filter((i) => i.labels.includes("model-review"));

describe("monitoring story 1: committed reports, a threshold crossed, then cleared", () => {
  test("opens one Drift detected issue, edits it only when the findings change, and closes it when they clear", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("day 1"), {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.86, attack_success_rate: 0.01 }),
    });

    const first = await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(first.monitoring).toEqual({ breached: 1, opened: 1, updated: 0, closed: 0, deferred: 0 });
    const [issue] = driftIssues(tracker);
    expect(driftIssues(tracker)).toHaveLength(1);
    expect(issue?.title).toBe("Drift detected: fraud-detector 2.0.0");
    expect(issue?.labels).toEqual(["model-monitoring"]);
    expect(app.requestsTo("POST", `${API}/issues`).map((r) => (r.body as { body: string }).body)).toEqual([
      OPENING_ISSUE_BODY,
    ]);
    expect(issue?.body.split("\n")[0]).toBe(
      driftMarker(
        { repo: `${OWNER}/${REPO}`, model: "fraud-detector", version: "2.0.0", digest: FRAUD.digest },
        testIssueMarkerKey(issue!.number),
      ),
    );
    expect(issue?.body).toContain(
      `| ❌ below its minimum | \`accuracy\` | 0.86 | ≥ 0.9 | \`${FOLDER}/week-48.json\` |`,
    );
    expect(issue?.body).toContain("@acme/platform-ops: please look at the model in production.");
    // an accuracy threshold is no security breach: no re-evaluation is due
    expect(reviewIssues(tracker)).toEqual([]);

    // the same findings the next day: nothing written
    serveRun(commitSha("day 1"), {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.86, attack_success_rate: 0.01 }),
    });
    const second = await sweepRepository(await sweepContext(app, new Date("2026-11-29T12:00:00Z")), REPOSITORY);
    expect(second.monitoring).toEqual({ breached: 1, opened: 0, updated: 0, closed: 0, deferred: 0 });
    expect(app.requestsTo("PATCH", new RegExp(`^${API}/issues/`))).toHaveLength(1);

    // a newer report, still below: the body is edited once, no comment (no notification spam)
    const day3 = {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.86, attack_success_rate: 0.01 }),
      [`${FOLDER}/week-49.json`]: modelgateReport({ accuracy: 0.88 }, "2026-11-29T06:00:00Z"),
    };
    serveRun(commitSha("day 3"), day3);
    const third = await sweepRepository(await sweepContext(app, new Date("2026-11-30T12:00:00Z")), REPOSITORY);
    expect(third.monitoring).toMatchObject({ updated: 1 });
    expect(driftIssues(tracker)[0]?.body).toContain(
      `| ❌ below its minimum | \`accuracy\` | 0.88 | ≥ 0.9 | \`${FOLDER}/week-49.json\` |`,
    );
    expect(driftIssues(tracker)[0]?.comments).toEqual([]);

    // recovered: closed with a comment saying which report shows it
    serveRun(commitSha("day 4"), {
      ...day3,
      [`${FOLDER}/week-50.json`]: modelgateReport({ accuracy: 0.93 }, "2026-11-30T06:00:00Z"),
    });
    const fourth = await sweepRepository(await sweepContext(app, new Date("2026-12-01T12:00:00Z")), REPOSITORY);
    expect(fourth.monitoring).toMatchObject({ breached: 0, closed: 1 });
    const closed = driftIssues(tracker)[0]!;
    expect(closed.state).toBe("closed");
    expect(closed.comments.map((c) => c.body)).toEqual([
      `The newest monitoring report (\`${FOLDER}/week-50.json\`, dated \`2026-11-30T06:00:00Z\`) is current and within every threshold. Closing.`,
    ]);
    expect(closed.body).toContain("✅ **Cleared:**");

    // the same breach coming back reopens the one issue of this version (never a second one)
    serveRun(commitSha("day 5"), {
      ...day3,
      [`${FOLDER}/week-50.json`]: modelgateReport(
        { accuracy: 0.86, attack_success_rate: 0.01 },
        "2026-12-01T06:00:00Z",
      ),
    });
    const fifth = await sweepRepository(await sweepContext(app, new Date("2026-12-02T12:00:00Z")), REPOSITORY);
    expect(fifth.monitoring).toMatchObject({ opened: 0, updated: 1 });
    expect(driftIssues(tracker)).toHaveLength(1);
    expect(driftIssues(tracker)[0]?.state).toBe("open");
  });
});

describe("monitoring story 2: reports that are too old, or none", () => {
  test("the newest report older than max_report_age_days opens the issue", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("old"), {
      ...FRAUD.files,
      [`${FOLDER}/week-45.json`]: modelgateReport(
        { accuracy: 0.95, attack_success_rate: 0.01 },
        "2026-11-10T06:00:00Z",
      ),
    });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(driftIssues(tracker)[0]?.body).toContain(
      `| ❌ too old | | dated \`2026-11-10T06:00:00Z\` | newer than 7 days | \`${FOLDER}/week-45.json\` |`,
    );
  });

  test("a SageMaker report has no date of its own: the date of the commit that last touched it counts", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const commit = commitSha("sagemaker");
    serveRun(
      commit,
      { ...FRAUD.files, [`${FOLDER}/constraint_violations.json`]: '{"violations": []}' },
      `monitoring:\n  reports: {}\n  thresholds:\n    - { metric: violations, max: 0 }\n`,
    );
    const asked: unknown[] = [];
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: string }) => typeof body.query === "string" && body.query.includes("history("))
      .reply(200, (_uri, body) => {
        asked.push(body);
        return { data: { repository: { object: { d0: { nodes: [{ committedDate: "2026-11-01T09:00:00Z" }] } } } } };
      });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(asked).toHaveLength(1);
    expect((asked[0] as { variables: unknown }).variables).toEqual({ owner: OWNER, name: REPO, oid: commit });
    expect((asked[0] as { query: string }).query).toContain(
      `d0: history(first: 1, path: "${FOLDER}/constraint_violations.json")`,
    );
    expect(driftIssues(tracker)[0]?.body).toContain("| ❌ too old | | dated `2026-11-01T09:00:00Z` |");
  });

  test("attack: a clean report of another model in this version's folder does not hide that there is no report", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("other"), {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport(
        { accuracy: 0.99, attack_success_rate: 0 },
        "2026-11-27T06:00:00Z",
        "risk-scorer",
      ),
    });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    const body = driftIssues(tracker)[0]?.body ?? "";
    expect(body).toContain("| ❌ report refused | | `it is a report of another model (risk-scorer)` |");
    expect(body).toContain("| ❌ no report | | | | none found for this version |");
  });

  test("attack: a report dated in the future is refused, not counted current for years", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("future"), {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.99, attack_success_rate: 0 }, "2036-01-01T00:00:00Z"),
    });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(driftIssues(tracker)[0]?.body).toContain("`it is dated in the future (2036-01-01T00:00:00Z)`");
  });
});

describe("monitoring: hostile text in reports", () => {
  test("attack: text from a report (its date) cannot mention people or add markup in the issue", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const evidently = JSON.stringify({
      timestamp: "@acme/everyone <img src=x>",
      metrics: [{ metric: "DatasetDriftMetric", result: { share_of_drifted_columns: 0.1 } }],
    });
    serveRun(commitSha("hostile"), { ...FRAUD.files, [`${FOLDER}/drift.json`]: evidently });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    const body = driftIssues(tracker)[0]?.body ?? "";
    expect(body).toContain("`@acme/everyone <img src=x>`");
    // outside code spans, no mention and no tag
    const outside = body.replace(/`[^`]*`/g, "");
    expect(outside).not.toContain("@acme/everyone");
    expect(outside).not.toContain("<img");
  });
});

describe("monitoring story 3: a security metric crossed", () => {
  test("makes the model's re-evaluation due at once, through a Re-evaluation due issue, though its evaluation is fresh", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("attacked"), {
      ...FRAUD.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.95, attack_success_rate: 0.12 }),
    });

    const outcome = await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(outcome).toMatchObject({ due: 1, opened: 1 });
    expect(driftIssues(tracker)[0]?.body).toContain(
      "| ❌ above its maximum 🔒 security | `attack_success_rate` | 0.12 | ≤ 0.05 |",
    );
    const [review] = reviewIssues(tracker);
    expect(review?.title).toBe("Re-evaluation due: fraud-detector 2.0.0");
    expect(review?.body).toContain(
      "🚨 **Due now: production monitoring crossed a security threshold** (`attack_success_rate`, report of 2026-11-27T06:00:00Z; see the `Drift detected` issue).",
    );
  });

  test("a re-evaluation dated after the breaching report answers it: no re-evaluation is due", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    const reevaluated = repositoryModelFiles({
      dir: "models/fraud",
      name: "fraud-detector",
      version: "2.0.0",
      weights: "weights of 2.0.0",
      prompt: "You score card transactions.\n",
      evaluation: { evaluator: "eve", date: "2026-11-28" },
    });
    serveRun(commitSha("answered"), {
      ...reevaluated.files,
      [`${FOLDER}/week-48.json`]: modelgateReport({ accuracy: 0.95, attack_success_rate: 0.12 }),
    });

    const outcome = await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(outcome).toMatchObject({ due: 0, opened: 0 });
    expect(reviewIssues(tracker)).toEqual([]);
    expect(driftIssues(tracker)).toHaveLength(1);
  });
});

describe("monitoring story 4: the newest artefact of a workflow", () => {
  const BLOB_HOST = "https://productionresultssa0.blob.core.windows.net";
  function serveArtifact(zip: Buffer, artifact: Record<string, unknown> = {}): void {
    nock(GITHUB_API)
      .get(`${API}/actions/workflows/monitoring.yml/runs`)
      .query({ branch: "main", status: "success", per_page: "1" })
      .reply(200, {
        total_count: 1,
        workflow_runs: [
          { id: 9001, name: "monitoring", head_branch: "main", status: "completed", conclusion: "success" },
        ],
      });
    nock(GITHUB_API)
      .get(`${API}/actions/runs/9001/artifacts`)
      .query({ name: "monitoring-reports", per_page: "1" })
      .reply(200, {
        total_count: 1,
        artifacts: [
          {
            id: 77,
            node_id: "MDg6QXJ0aWZhY3Q3Nw==",
            name: "monitoring-reports",
            size_in_bytes: zip.length,
            url: "",
            archive_download_url: `https://api.github.com${API}/actions/artifacts/77/zip`,
            expired: false,
            created_at: "2026-11-28T06:00:00Z",
            expires_at: "2027-02-26T06:00:00Z",
            updated_at: "2026-11-28T06:00:00Z",
            ...artifact,
          },
        ],
      });
    nock(GITHUB_API)
      .get(`${API}/actions/artifacts/77/zip`)
      .reply(302, "", { location: `${BLOB_HOST}/artifacts/77.zip?sig=x` });
    nock(BLOB_HOST).get("/artifacts/77.zip").query(true).reply(200, zip, { "content-type": "application/zip" });
  }

  test("reads the Evidently report inside the zip: exactly three Actions requests, dated by the artefact", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("artefact"), FRAUD.files, ARTIFACT_POLICY);
    const evidently = JSON.stringify({
      metrics: [{ id: "1", metric_id: "DriftedColumnsCount(drift_share=0.5)", value: { count: 6, share: 0.4 } }],
      tests: [],
    });
    serveArtifact(
      buildZip([
        { name: "fraud-detector/2.0.0/drift.json", content: evidently },
        { name: "risk-scorer/1.0.0/drift.json", content: "{}" },
      ]),
    );

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(app.requestsTo("GET", new RegExp(`^${API}/actions/`)).map((r) => r.path)).toEqual([
      `${API}/actions/workflows/monitoring.yml/runs?branch=main&status=success&per_page=1`,
      `${API}/actions/runs/9001/artifacts?name=monitoring-reports&per_page=1`,
      `${API}/actions/artifacts/77/zip`,
    ]);
    const body = driftIssues(tracker)[0]?.body ?? "";
    expect(body).toContain(
      "| ❌ above its maximum | `share_of_drifted_columns` | 0.4 | ≤ 0.3 | `monitoring-reports.zip:fraud-detector/2.0.0/drift.json` |",
    );
    expect(body).toContain(
      "| `monitoring-reports.zip:fraud-detector/2.0.0/drift.json` | evidently | `2026-11-28T06:00:00Z` | read |",
    );
  });

  test("attack: an artefact zip with a path-traversal entry is refused whole: the issue says so", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("traversal"), FRAUD.files, ARTIFACT_POLICY);
    const clean = JSON.stringify({
      metrics: [{ id: "1", metric_id: "DriftedColumnsCount(drift_share=0.5)", value: { count: 0, share: 0 } }],
    });
    serveArtifact(
      buildZip([
        { name: "fraud-detector/2.0.0/drift.json", content: clean },
        { name: "../../.github/workflows/evil.yml", content: "x" },
      ]),
    );

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(driftIssues(tracker)[0]?.body).toContain(
      '| ❌ report refused | | `the zip is refused: an entry with an unsafe name ("../../.github/workflows/evil.yml")` | | `workflow monitoring.yml, artefact monitoring-reports` |',
    );
  });

  test("attack: an artefact larger than the bound is not downloaded", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("huge"), FRAUD.files, ARTIFACT_POLICY);
    nock(GITHUB_API)
      .get(`${API}/actions/workflows/monitoring.yml/runs`)
      .query(true)
      .reply(200, { total_count: 1, workflow_runs: [{ id: 9001 }] });
    nock(GITHUB_API)
      .get(`${API}/actions/runs/9001/artifacts`)
      .query(true)
      .reply(200, {
        total_count: 1,
        artifacts: [
          {
            id: 77,
            name: "monitoring-reports",
            size_in_bytes: 2 ** 31,
            expired: false,
            created_at: "2026-11-28T06:00:00Z",
          },
        ],
      });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(app.requestsTo("GET", `${API}/actions/artifacts/77/zip`)).toEqual([]);
    expect(driftIssues(tracker)[0]?.body).toContain("the artefact is larger than 16 MiB");
  });

  test("no successful run: the issue says so", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("no run"), FRAUD.files, ARTIFACT_POLICY);
    nock(GITHUB_API)
      .get(`${API}/actions/workflows/monitoring.yml/runs`)
      .query(true)
      .reply(200, { total_count: 0, workflow_runs: [] });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(driftIssues(tracker)[0]?.body).toContain("no successful run on main");
  });
});

describe("monitoring that cannot be read", () => {
  test("a workflow that does not exist: the issue says so", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("no workflow"), FRAUD.files, ARTIFACT_POLICY);
    nock(GITHUB_API)
      .get(`${API}/actions/workflows/monitoring.yml/runs`)
      .query(true)
      .reply(404, { message: "Not Found" });

    await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(driftIssues(tracker)[0]?.body).toContain("`the workflow monitoring.yml is not found`");
  });

  test("GitHub failing to answer does not keep re-evaluation issues from being written; the run fails, to be tried again", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    // evaluated 2026-06-15: its re-evaluation is due by 2026-12-12
    const due = repositoryModelFiles({
      dir: "models/fraud",
      name: "fraud-detector",
      version: "2.0.0",
      weights: "weights of 2.0.0",
      prompt: "You score card transactions.\n",
      evaluation: { evaluator: "eve", date: "2026-06-15" },
    });
    serveRun(commitSha("outage"), due.files, ARTIFACT_POLICY);
    nock(GITHUB_API)
      .get(`${API}/actions/workflows/monitoring.yml/runs`)
      .query(true)
      .reply(502, { message: "Bad Gateway" });

    await expect(sweepRepository(await sweepContext(app), REPOSITORY)).rejects.toThrow(
      "the monitoring of acme/models could not be read or written",
    );

    expect(reviewIssues(tracker).map((i) => i.title)).toEqual(["Re-evaluation due: fraud-detector 2.0.0"]);
    expect(driftIssues(tracker)).toEqual([]);
  });
});

describe("without monitoring in the policy", () => {
  test("the daily run reads no report and lists no drift issue", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveRun(commitSha("plain"), FRAUD.files, "evaluation:\n  max_age_days: 180\n");

    const outcome = await sweepRepository(await sweepContext(app), REPOSITORY);

    expect(outcome.monitoring).toBeUndefined();
    expect(app.requestsTo("GET", `${API}/issues`).map((r) => r.path)).toEqual([
      `${API}/issues?state=all&labels=model-review&per_page=100`,
    ]);
  });
});
