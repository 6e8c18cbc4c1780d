import nock from "nock";
import { describe, expect, test } from "vitest";
import { decideDeployment, type DeploymentRequest } from "../../src/handlers/deployment.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles, type RepositoryModel } from "../fixtures/manifests.js";
import { fraud, withEvaluationRecord } from "../fixtures/fraud-detector.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, servePolicy } from "../helpers/serve-github.js";
import {
  serveBranchHead,
  serveReleaseCheckOf,
  serveReleases,
  serveSignOffIssueList,
  serveTag,
} from "../helpers/serve-releases.js";
import {
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  testMarkerKey,
  APP_ID,
  type TestApp,
} from "../helpers/test-app.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { deploymentProtectionRuleEvent, REPOSITORY_URL, type ReleaseFixture } from "../fixtures/payloads/lifecycle.js";
import { inProcessCoordination } from "../../src/store/coordination.js";
import { postgresInventoryStore } from "../../src/store/inventory-store.js";
import type { Jobs } from "../../src/queue/job-queue.js";
import { testDatabase } from "../helpers/database.js";
import { emptyInventory } from "../helpers/inventory.js";

const API = `/repos/${OWNER}/${REPO}`;
const DEPLOYED = commitSha("deployed");
const V2_COMMIT = commitSha("v2.0.0");
const V19_COMMIT = commitSha("v1.9.0");
const RUN_ID = 555;
const REPORT_RUN_ID = 8300;
const REPORT_URL = `${REPOSITORY_URL}/runs/${REPORT_RUN_ID}`;
const CHECK_NAME = "modelgate / deployment (production)";
const MEMBERS = { "ml-engineers": ["alice"], "platform-ops": ["bob"], "data-governance": ["carol"] };

const FRAUD_20 = repositoryModelFiles(fraud({}));
const FRAUD_21 = repositoryModelFiles(
  fraud({ version: "2.1.0", weights: "weights of 2.1.0", evaluation: { evaluator: "eve", date: "2026-11-20" } }),
);
const FRAUD_19 = repositoryModelFiles(
  fraud({ version: "1.9.0", weights: "weights of 1.9.0", evaluation: { evaluator: "eve", date: "2026-09-01" } }),
);
const scorer = (date: string) =>
  repositoryModelFiles({
    dir: "models/scorer",
    name: "risk-scorer",
    version: "1.0.0",
    weights: "scorer weights",
    prompt: "You score risk.\n",
    evaluation: { evaluator: "eve", date },
  });
const SCORER = scorer("2026-11-20");
const MAIN_HEAD = commitSha("main");

const V2: ReleaseFixture = { id: 100, tag: "v2.0.0", publishedAt: "2026-10-01T10:00:00Z" };
const V19: ReleaseFixture = { id: 99, tag: "v1.9.0", publishedAt: "2026-09-02T10:00:00Z" };

interface ReleasedCommit {
  release: ReleaseFixture;
  commit: string;
  files: Record<string, FileFixture>;
}

interface SignOffFixture {
  number: number;
  model: RepositoryModel;
  files: { digest: string };
  comments: Array<{ id: number; login: string; body: string }>;
}

/** The sign-off issues of the scenario, closed (their pull requests merged), each tracking pull request #7 by dave. */
function serveSignOffIssues(signOffs: SignOffFixture[]): void {
  serveSignOffIssueList(
    OWNER,
    REPO,
    signOffs.map((s) => ({
      number: s.number,
      ref: { model: s.model.name, version: s.model.version, digest: s.files.digest },
      tracking: {
        manifestPath: "models/fraud/model.yaml",
        kinds: ["retrain"],
        pulls: [{ number: 7, author: "dave", roles: ["developer", "system_operator"] }],
      },
      comments: s.comments,
      state: "closed",
    })),
    MEMBERS,
  );
}

/** An earlier deployment of the environment, as `GET /deployments` lists it, and its report check run. */
interface EarlierDeployment {
  id: number;
  commit: string;
  environment?: string;
  /** The conclusion of this app's `modelgate / deployment (…)` run on its commit ("none": no run; undefined: not read). */
  check?: "success" | "failure" | "none";
  files?: Record<string, FileFixture>;
}

/** The pull request that merged the deployed commit, and whether its `modelgate` check passed. */
interface MergedPull {
  number: number;
  base: string;
  head: string;
  check: "success" | "failure" | "none";
  files: Record<string, FileFixture>;
}

const PR_HEAD = commitSha("pull request head");
const PR_BASE = commitSha("pull request base");

/** `GET /deployments?environment=…`: the environment's deployments, newest first. */
function serveDeploymentList(environment: string, deployments: ReadonlyArray<EarlierDeployment>): void {
  nock(GITHUB_API)
    .get(`${API}/deployments`)
    .query({ environment, per_page: "100" })
    .reply(
      200,
      deployments.map((d) => ({ id: d.id, sha: d.commit, environment: d.environment ?? environment })),
    );
}

/** This app's run named `name` on `commit`: completed with `conclusion`, or none at all. */
function serveCheckOf(commit: string, name: string, conclusion: "success" | "failure" | "none"): void {
  nock(GITHUB_API)
    .get(`${API}/commits/${commit}/check-runs`)
    .query({ check_name: name, filter: "latest", app_id: String(APP_ID) })
    .reply(200, {
      total_count: conclusion === "none" ? 0 : 1,
      check_runs:
        conclusion === "none"
          ? []
          : [{ id: 6000, name, head_sha: commit, status: "completed", conclusion, app: { id: APP_ID } }],
    });
}

/** `GET /commits/{sha}/pulls`: the pull requests of the deployed commit (the merged one named). */
function serveMergedBy(pull: MergedPull | undefined): void {
  nock(GITHUB_API)
    .get(`${API}/commits/${DEPLOYED}/pulls`)
    .query({ per_page: "100" })
    .reply(
      200,
      pull
        ? [
            {
              number: pull.number,
              state: "closed",
              merged_at: "2026-11-29T10:00:00Z",
              merge_commit_sha: DEPLOYED,
              base: { sha: pull.base, ref: "main" },
              head: { sha: pull.head, ref: "retrain" },
            },
          ]
        : [],
    );
}

interface Scenario {
  files: Record<string, FileFixture>;
  /** The environment deployed to (default production). */
  environment?: string;
  /** Earlier deployments of the environment (none by default), newest first. */
  deployments?: EarlierDeployment[];
  /** The pull request that merged the deployed commit (asked only when no release qualifies). */
  mergedBy?: MergedPull;
  /** Published releases, newest first; the first that passed is the baseline. */
  released?: ReleasedCommit[];
  signOffs?: SignOffFixture[];
  policy?: string;
  /** Releases whose models the known good lookup reads (tag, check, tree again). */
  walked?: ReleasedCommit[];
  /** The default branch when its head is not the deployed commit. */
  main?: { commit: string; files: Record<string, string> };
}

/** Everything a deployment judgement reads, up to the report check run (the answer is left to each test). */
function serveDeployment(scenario: Scenario): void {
  serveInstallationToken();
  if (scenario.policy !== undefined) servePolicy(OWNER, REPO, "main", scenario.policy);
  else serveNoPolicy(OWNER, REPO, "main");
  const environment = scenario.environment ?? "production";
  const deployments = scenario.deployments ?? [];
  serveDeploymentList(environment, deployments);
  for (const d of deployments)
    if (d.check !== undefined) serveCheckOf(d.commit, `modelgate / deployment (${environment.toLowerCase()})`, d.check);
  const approved = deployments.find((d) => d.check === "success");
  const released = scenario.released ?? [];
  serveReleases(
    OWNER,
    REPO,
    released.map((r) => r.release),
  );
  const baseline = approved ? undefined : released[0];
  if (baseline) {
    serveTag(OWNER, REPO, baseline.release.tag, baseline.commit);
    serveReleaseCheckOf(OWNER, REPO, baseline.commit, "success");
  }
  const merge = !approved && !baseline ? scenario.mergedBy : undefined;
  if (!approved && !baseline) serveMergedBy(scenario.mergedBy);
  if (merge) serveCheckOf(merge.head, "modelgate", merge.check);
  const commits = [
    { sha: DEPLOYED, files: scenario.files },
    ...released.map((r) => ({ sha: r.commit, files: r.files })),
    ...(scenario.main ? [{ sha: scenario.main.commit, files: scenario.main.files }] : []),
    ...deployments.flatMap((d) => (d.files ? [{ sha: d.commit, files: d.files }] : [])),
    ...(merge ? [{ sha: PR_BASE, files: merge.files }] : []),
  ];
  const repository = new FakeRepository({ owner: OWNER, repo: REPO, commits });
  if (merge?.check === "success") repository.serveCompare(merge.base, merge.head, PR_BASE).serveTree(PR_BASE);
  if (approved) repository.serveTree(approved.commit);
  if (baseline) repository.serveTree(baseline.commit);
  repository.serveTree(DEPLOYED).serveContents();
  if (scenario.signOffs) serveSignOffIssues(scenario.signOffs);
  // the default branch is at the deployed commit unless the scenario says otherwise: its records are the commit's own
  serveBranchHead(OWNER, REPO, "main", scenario.main?.commit ?? DEPLOYED);
  if (scenario.main) repository.serveTree(scenario.main.commit);
  for (const walked of scenario.walked ?? []) {
    serveTag(OWNER, REPO, walked.release.tag, walked.commit);
    serveReleaseCheckOf(OWNER, REPO, walked.commit, "success");
    repository.serveTree(walked.commit);
  }
}

/** The report check run on the deployed commit (a new one), and the answer to the deployment. */
function serveReportAndAnswer(environment = "production"): void {
  const name = `modelgate / deployment (${environment.toLowerCase()})`;
  serveCheckRunLookup(OWNER, REPO, DEPLOYED, [], name);
  serveCheckRunCreate(OWNER, REPO, REPORT_RUN_ID, name);
  serveAnswer();
}

/** A gated environment judged: everything it reads (serveDeployment), the report check run and the answer, then the event. */
async function judge(app: TestApp, scenario: Scenario): Promise<void> {
  serveDeployment(scenario);
  serveReportAndAnswer(scenario.environment);
  await app.receive(event(scenario.environment));
}

function serveAnswer(): void {
  nock(GITHUB_API).post(`${API}/actions/runs/${RUN_ID}/deployment_protection_rule`).reply(204);
}

/** The approval GitHub receives: the opening line, one line per model version (`lines`), the link to the report. */
function approval(lines: string[], compared = COMPARED_WITH_V2): Record<string, unknown> {
  return {
    environment_name: "production",
    state: "approved",
    comment: [
      `modelgate approved production at ${DEPLOYED.slice(0, 7)}: every model version meets its gates.`,
      compared,
      ...lines,
      `Full report: ${REPORT_URL}`,
    ].join("\n"),
  };
}

const COMPARED_WITH_V2 =
  "Compared with release v2.0.0, the latest release that passed its gate (no deployment was approved before).";

function answers(app: TestApp): Array<Record<string, unknown>> {
  return app
    .requestsTo("POST", `${API}/actions/runs/${RUN_ID}/deployment_protection_rule`)
    .map((r) => r.body as Record<string, unknown>);
}

function report(app: TestApp): { conclusion: string; actions: unknown[]; output: { title: string; summary: string } } {
  const creates = app.requestsTo("POST", `${API}/check-runs`);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as { conclusion: string; actions: unknown[]; output: { title: string; summary: string } };
}

const event = (environment = "production") =>
  deploymentProtectionRuleEvent({ environment, commit: DEPLOYED, runId: RUN_ID }, INSTALLATION_ID);
const RELEASED_V2: ReleasedCommit = { release: V2, commit: V2_COMMIT, files: { ...FRAUD_20.files, ...SCORER.files } };
const RELEASED_V19: ReleasedCommit = {
  release: V19,
  commit: V19_COMMIT,
  files: { ...FRAUD_19.files, ...SCORER.files },
};
const SIGNED_21: SignOffFixture = {
  number: 41,
  model: fraud({ version: "2.1.0" }),
  files: FRAUD_21,
  comments: [
    { id: 1, login: "alice", body: "/approve developer" },
    { id: 2, login: "bob", body: "/approve system_operator" },
  ],
};

describe("deployment story 1: every model meets its gates", () => {
  test("the deployment is approved with a comment naming each model version, and the report is a check run on the commit", async () => {
    const app = await createTestApp();
    await judge(app, { files: { ...FRAUD_21.files, ...SCORER.files }, released: [RELEASED_V2], signOffs: [SIGNED_21] });

    expect(answers(app)).toEqual([
      approval([
        "- fraud-detector 2.1.0: meets its gates",
        "- risk-scorer 1.0.0: known good: risk-scorer 1.0.0, released in v2.0.0",
      ]),
    ]);
    const run = report(app);
    expect(run).toMatchObject({ name: CHECK_NAME, head_sha: DEPLOYED, conclusion: "success", actions: [] });
    expect(run.output.summary).toContain("signed off by @alice on the sign-off issue");
    expect(run.output.summary).toContain("known good: risk-scorer 1.0.0, released in v2.0.0");
    expect(app.logs.filter((line) => line.msg === "modelgate decision")).toEqual([
      expect.objectContaining({
        deployment: { id: 7300, environment: "production", state: "approved" },
        pull_request: null,
        head_sha: DEPLOYED,
        verdict: "success",
      }),
    ]);
  });
});

describe("deployment story 2: a model version misses its gates", () => {
  test("rejected, naming each model version and what it misses: sign-offs of the retrain, an unchanged model's expired evaluation", async () => {
    const app = await createTestApp();
    const expired = scorer("2026-03-01");
    await judge(app, {
      files: { ...FRAUD_21.files, ...expired.files },
      released: [{ ...RELEASED_V2, files: { ...FRAUD_20.files, ...expired.files } }],
      signOffs: [],
    });

    expect(answers(app)).toEqual([
      {
        environment_name: "production",
        state: "rejected",
        comment: [
          `modelgate rejected production at ${DEPLOYED.slice(0, 7)}: not every model version meets its gates.`,
          COMPARED_WITH_V2,
          "- fraud-detector 2.1.0: sign-off missing: developer, system_operator",
          "- risk-scorer 1.0.0: failed: known_good, evaluation.current",
          `Full report: ${REPORT_URL}`,
        ].join("\n"),
      },
    ]);
    expect(report(app).conclusion).toBe("failure");
    expect(report(app).output.summary).toContain("older than 180 days (evaluation.max_age_days): re-evaluate");
    expect(app.logs.filter((line) => line.msg === "modelgate decision")).toEqual([
      expect.objectContaining({
        deployment: { id: 7300, environment: "production", state: "rejected" },
        verdict: "failure",
      }),
    ]);
  });

  test("the first deployment, before any release passed, judges every model as new: an unmanaged model file fails it too", async () => {
    const app = await createTestApp();
    await judge(app, { files: { ...FRAUD_21.files, "models/shadow/model.onnx": "onnx bytes" }, signOffs: [] });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(answer?.comment).toContain(
      "- fraud-detector 2.1.0: sign-off missing: developer, system_operator, data_custodian",
    );
    expect(answer?.comment).toContain("- 1 unmanaged model file: models/shadow/model.onnx");
  });

  test("a comment never exceeds 1,024 characters, and still links the report", async () => {
    const app = await createTestApp();
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++)
      Object.assign(
        many,
        repositoryModelFiles({
          ...fraud({}),
          dir: `models/m${String(i).padStart(2, "0")}`,
          name: `model-number-${i}-with-a-long-name`,
          evaluation: undefined,
        }).files,
      );
    await judge(app, { files: many, signOffs: [] });

    const comment = String(answers(app)[0]?.comment);
    expect(comment.length).toBeLessThanOrEqual(1024);
    expect(comment).toMatch(
      /\n… \d+ more \(see the report\)\nFull report: https:\/\/github\.com\/acme\/models\/runs\/8300$/,
    );
    expect(answers(app)[0]?.state).toBe("rejected");
  });
});

describe("deployment story 3: modelgate cannot decide", () => {
  /** The request a retry of this deployment's judgement carries (the queue hands it back). */
  const retryRequest = (attempt: number): DeploymentRequest => ({
    installationId: INSTALLATION_ID,
    owner: OWNER,
    repo: REPO,
    defaultBranch: "main",
    repositoryUrl: REPOSITORY_URL,
    environment: "production",
    deploymentId: 7300,
    commit: DEPLOYED,
    runId: RUN_ID,
    attempt,
  });

  function serveGitHubDown(status: number): void {
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    serveDeploymentList("production", []);
    nock(GITHUB_API)
      .get(`${API}/releases`)
      .query({ per_page: "100" })
      .reply(status, { message: status === 404 ? "Not Found" : "Bad Gateway" });
  }

  test("GitHub fails and a retry can be queued: a status report, no approval and no rejection yet; the retry is queued", async () => {
    const queued: Array<{ request: DeploymentRequest; delaySeconds: number }> = [];
    const app = await createTestApp({
      scheduleDeploymentRetry: async (request, delaySeconds) => void queued.push({ request, delaySeconds }),
    });
    serveGitHubDown(502);
    serveReportAndAnswer();

    await app.receive(event());

    expect(answers(app)).toEqual([
      {
        environment_name: "production",
        comment: `modelgate could not decide on production at ${DEPLOYED.slice(0, 7)} yet, so it neither approves nor rejects now: GitHub answered 502 while reading the releases of acme/models. It tries again in 1 min (attempt 2 of 5).\nFull report: ${REPORT_URL}`,
      },
    ]);
    expect(queued).toEqual([
      {
        request: retryRequest(2),
        delaySeconds: 60,
      },
    ]);
    expect(report(app)).toMatchObject({
      conclusion: "failure",
      output: { title: expect.stringContaining("Could not evaluate") },
    });
    expect(app.logs.filter((line) => line.msg === "modelgate decision")).toEqual([
      expect.objectContaining({
        deployment: { id: 7300, environment: "production", state: "pending" },
        verdict: "failure",
      }),
    ]);
  });

  test("the last retry still fails: rejected with the reason", async () => {
    const queued: unknown[] = [];
    const app = await createTestApp({ scheduleDeploymentRetry: async (request) => void queued.push(request) });
    serveGitHubDown(503);
    serveReportAndAnswer();
    const octokit = await app.probot.auth(INSTALLATION_ID);
    const request = retryRequest(5);

    await decideDeployment(
      {
        octokit,
        log: app.probot.log,
        delivery: "retry-5",
        now: TEST_NOW,
        markerKey: testMarkerKey(),
        coordination: inProcessCoordination(),
        scheduleRetry: async () => void queued.push(1),
      },
      request,
    );

    expect(queued).toEqual([]);
    expect(answers(app)).toEqual([
      {
        environment_name: "production",
        state: "rejected",
        comment: `modelgate rejected production at ${DEPLOYED.slice(0, 7)}: it could not decide, and it never approves what it could not judge.\n- could not evaluate: GitHub answered 503 while reading the releases of acme/models\nFull report: ${REPORT_URL}`,
      },
    ]);
  });

  test("without a retry queue, a GitHub failure rejects at once", async () => {
    const app = await createTestApp();
    serveGitHubDown(502);
    serveReportAndAnswer();

    await app.receive(event());

    expect(answers(app).map((a) => a.state)).toEqual(["rejected"]);
  });

  test("a failure waiting will not fix (404) rejects even when a retry could be queued", async () => {
    const queued: unknown[] = [];
    const app = await createTestApp({ scheduleDeploymentRetry: async (request) => void queued.push(request) });
    serveGitHubDown(404);
    serveReportAndAnswer();

    await app.receive(event());

    expect(queued).toEqual([]);
    expect(answers(app)[0]).toMatchObject({
      state: "rejected",
      comment: expect.stringContaining("GitHub answered 404 while reading the releases of acme/models"),
    });
  });

  test("a queue that refuses the retry: rejected rather than left waiting", async () => {
    const app = await createTestApp({
      scheduleDeploymentRetry: async () => {
        throw new Error("queue unavailable");
      },
    });
    serveGitHubDown(502);
    serveReportAndAnswer();

    await app.receive(event());

    expect(answers(app).map((a) => a.state)).toEqual(["rejected"]);
  });

  test("an invalid policy rejects the deployment with the file and line", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", "deployments:\n  environments: production\n", 2);
    serveReportAndAnswer();

    await app.receive(event());

    expect(answers(app)[0]).toMatchObject({
      state: "rejected",
      comment: expect.stringContaining("- .github/modelgate.yml:2:"),
    });
  });
});

describe("deployment story 4: environments the policy does not gate", () => {
  test("are left to GitHub's own rules: no answer, no report", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");

    await app.receive(event("staging"));

    expect(answers(app)).toEqual([]);
    expect(app.requestsTo("POST", `${API}/check-runs`)).toEqual([]);
  });

  test("are approved without judgement when deployments.approve_others is true; globs name the gated ones", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", "deployments:\n  environments: ['prod-*']\n  approve_others: true\n");
    serveAnswer();

    await app.receive(event("production"));

    expect(answers(app)).toEqual([
      {
        environment_name: "production",
        state: "approved",
        comment:
          "modelgate approved production without judging it: it is not in deployments.environments of .github/modelgate.yml, and deployments.approve_others is true.",
      },
    ]);
  });
});

describe("deployment story 5: hostile requests", () => {
  test.each([
    [
      "another repository's run",
      `https://api.github.com/repos/evil/models/actions/runs/${RUN_ID}/deployment_protection_rule`,
    ],
    ["another endpoint", `https://api.github.com/repos/${OWNER}/${REPO}/actions/runs/${RUN_ID}/approve`],
    ["no URL at all", "not a url"],
  ])("a callback naming %s is never answered and the delivery fails", async (_label, callbackUrl) => {
    const app = await createTestApp();

    await expect(
      app.receive(
        deploymentProtectionRuleEvent(
          { environment: "production", commit: DEPLOYED, runId: RUN_ID, callbackUrl },
          INSTALLATION_ID,
        ),
      ),
    ).rejects.toThrow(/names no workflow run of this repository/);

    expect(app.requests).toEqual([]);
  });

  test("a deployment already answered (422) is logged, not failed", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", "deployments:\n  environments: ['prod-*']\n  approve_others: true\n");
    nock(GITHUB_API)
      .post(`${API}/actions/runs/${RUN_ID}/deployment_protection_rule`)
      .reply(422, { message: "No pending deployment requests to approve or reject" });

    await app.receive(event("production"));

    expect(
      app.logs.some(
        (line) => line.msg === "modelgate's deployment answer was refused: the deployment no longer waits for it",
      ),
    ).toBe(true);
  });
});

describe("deployment story 6: rolling back to a known good version", () => {
  test("a commit with a version released earlier is approved without new sign-offs, citing its release and sign-off issue", async () => {
    const app = await createTestApp();
    const signed19: SignOffFixture = { number: 12, model: fraud({ version: "1.9.0" }), files: FRAUD_19, comments: [] };
    await judge(app, {
      files: { ...FRAUD_19.files, ...SCORER.files },
      released: [RELEASED_V2, RELEASED_V19],
      signOffs: [signed19],
      walked: [RELEASED_V2, RELEASED_V19],
    });

    expect(answers(app)).toEqual([
      approval([
        "- fraud-detector 1.9.0: known good: fraud-detector 1.9.0, released in v1.9.0, signed off in #12",
        "- risk-scorer 1.0.0: known good: risk-scorer 1.0.0, released in v2.0.0",
      ]),
    ]);
    expect(report(app).output.summary).toContain(
      "known good: fraud-detector 1.9.0, released in v1.9.0, signed off in #12",
    );
  });

  test("attack: a later failed re-evaluation of the released digest on the default branch ends known good: rejected", async () => {
    const app = await createTestApp();
    // 1.9.0 shipped in a passing release; later its very artefacts failed a re-evaluation recorded on main
    const main = withEvaluationRecord(
      { manifestPath: FRAUD_19.manifestPath, files: { ...FRAUD_19.files, ...SCORER.files } },
      { version: "1.9.0", digest: FRAUD_19.digest, date: "2026-11-25", evaluator: "eve", result: "fail" },
    );
    await judge(app, {
      files: { ...FRAUD_19.files, ...SCORER.files },
      released: [RELEASED_V2, RELEASED_V19],
      signOffs: [],
      walked: [RELEASED_V2, RELEASED_V19],
      main: { commit: MAIN_HEAD, files: main },
    });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(answer?.comment).toContain("- fraud-detector 1.9.0: failed: known_good, version.not_lowered");
    expect(report(app).output.summary).toContain(
      "the evaluation of 2026-11-25 (recorded in the default branch main) failed (result: fail)",
    );
  });

  test("attack: deploying the released commit itself, after its digest failed a re-evaluation on the default branch: rejected", async () => {
    const app = await createTestApp();
    const main = withEvaluationRecord(
      { manifestPath: FRAUD_20.manifestPath, files: { ...FRAUD_20.files, ...SCORER.files } },
      { version: "2.0.0", digest: FRAUD_20.digest, date: "2026-11-25", evaluator: "eve", result: "fail" },
    );
    // the deployed commit is v2.0.0's: nothing changed since the baseline, so every model is "known good" unless its evaluation still counts
    await judge(app, {
      files: RELEASED_V2.files,
      released: [RELEASED_V2],
      main: { commit: MAIN_HEAD, files: main },
    });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(answer?.comment).toContain("- fraud-detector 2.0.0: failed: known_good, evaluation.result");
  });

  test("a rolled back version whose evaluation expired is not known good: rejected, saying to re-evaluate", async () => {
    const app = await createTestApp({ now: new Date("2027-04-01T12:00:00Z") });
    const fresh = scorer("2027-03-20");
    const released = [
      { ...RELEASED_V2, files: { ...FRAUD_20.files, ...fresh.files } },
      { ...RELEASED_V19, files: { ...FRAUD_19.files, ...fresh.files } },
    ];
    await judge(app, { files: { ...FRAUD_19.files, ...fresh.files }, released, signOffs: [], walked: released });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(answer?.comment).toContain(
      "- fraud-detector 1.9.0: failed: known_good, version.not_lowered, evaluation.current",
    );
    expect(report(app).output.summary).toContain(
      "but its evaluation no longer counts: re-evaluate these artefacts to restore it",
    );
  });
});

describe("deployment story 7: environment names are compared as GitHub compares them", () => {
  const POLICY = "deployments:\n  environments: [production, 'prod-*']\n  approve_others: true\n";
  const UNEVALUATED_21 = repositoryModelFiles(
    fraud({ version: "2.1.0", weights: "weights of 2.1.0", evaluation: undefined }),
  );

  test.each(["Production", "PRODUCTION", "PROD-EU"])(
    "attack: a deployment to %s of an unevaluated retrain is judged and rejected, not approved unjudged",
    async (environment) => {
      const app = await createTestApp();
      await judge(app, {
        environment,
        policy: POLICY,
        files: { ...UNEVALUATED_21.files, ...SCORER.files },
        released: [RELEASED_V2],
        signOffs: [],
      });

      const [answer] = answers(app);
      expect(answer).toMatchObject({ environment_name: environment, state: "rejected" });
      expect(String(answer?.comment)).toContain(`modelgate rejected ${environment} at ${DEPLOYED.slice(0, 7)}`);
      expect(String(answer?.comment)).toContain("- fraud-detector 2.1.0: failed: evaluation.bound");
      // one report per environment, whatever the spelling of its name
      expect(report(app)).toMatchObject({
        name: `modelgate / deployment (${environment.toLowerCase()})`,
        conclusion: "failure",
      });
      expect(app.logs.filter((line) => line.msg === "modelgate decision")).toEqual([
        expect.objectContaining({ deployment: { id: 7300, environment, state: "rejected" } }),
      ]);
    },
  );
});

describe("deployment story 8: what a deployment is compared with", () => {
  const MAIN_AT_MERGE = commitSha("main at merge");
  const APPROVED_EARLIER = commitSha("approved earlier");
  const REJECTED_LATER = commitSha("rejected later");
  const MERGED_RETRAIN: MergedPull = {
    number: 7,
    base: MAIN_AT_MERGE,
    head: PR_HEAD,
    check: "success",
    files: { ...FRAUD_20.files },
  };

  test("attack: no release, a retrain that passed its PR gate (developer, system_operator): approved against the base of its gated merge, not rejected for data_custodian", async () => {
    const app = await createTestApp();
    await judge(app, { files: { ...FRAUD_21.files }, signOffs: [SIGNED_21], mergedBy: MERGED_RETRAIN });

    expect(answers(app)).toEqual([
      approval(
        ["- fraud-detector 2.1.0: meets its gates"],
        `Compared with ${PR_BASE.slice(0, 7)}, the base of pull request #7, which merged this commit after its modelgate check passed (no deployment was approved and no release passed before).`,
      ),
    ]);
    expect(report(app).output.summary).toContain(
      `### Deployment\n\nCompared with ${PR_BASE.slice(0, 7)}, the base of pull request #7`,
    );
  });

  test("a merged pull request whose modelgate check did not pass is no baseline: every model is judged as new", async () => {
    const app = await createTestApp();
    await judge(app, {
      files: { ...FRAUD_21.files },
      signOffs: [SIGNED_21],
      mergedBy: { ...MERGED_RETRAIN, check: "failure" },
    });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(String(answer?.comment)).toContain("Compared with nothing:");
    expect(String(answer?.comment)).toContain("- fraud-detector 2.1.0: sign-off missing: data_custodian");
  });

  test("judged as new, the data_custodian that the sign-off issue accepts counts, and the deployment is approved", async () => {
    const app = await createTestApp();
    const signed = {
      ...SIGNED_21,
      comments: [...SIGNED_21.comments, { id: 3, login: "carol", body: "/approve data_custodian" }],
    };
    await judge(app, { files: { ...FRAUD_21.files }, signOffs: [signed] });

    expect(answers(app)).toEqual([
      approval(
        ["- fraud-detector 2.1.0: meets its gates"],
        "Compared with nothing: no deployment was approved, no release passed and no gated pull request merged this commit, so every model is judged as new.",
      ),
    ]);
  });

  test("the latest earlier deployment modelgate approved comes first: an unchanged model is known good since it, a later rejected one is skipped", async () => {
    const app = await createTestApp();
    await judge(app, {
      files: { ...FRAUD_21.files, ...SCORER.files },
      deployments: [
        { id: 7400, commit: commitSha("a later deployment") },
        { id: 7299, commit: REJECTED_LATER, check: "failure" },
        {
          id: 7298,
          environment: "Production",
          commit: APPROVED_EARLIER,
          check: "success",
          files: { ...FRAUD_21.files, ...SCORER.files },
        },
      ],
      released: [RELEASED_V2],
    });

    expect(answers(app)).toEqual([
      approval(
        [
          `- fraud-detector 2.1.0: known good: fraud-detector 2.1.0, unchanged since ${APPROVED_EARLIER.slice(0, 7)}, deployed to production with modelgate's approval`,
          `- risk-scorer 1.0.0: known good: risk-scorer 1.0.0, unchanged since ${APPROVED_EARLIER.slice(0, 7)}, deployed to production with modelgate's approval`,
        ],
        `Compared with ${APPROVED_EARLIER.slice(0, 7)}, the latest earlier deployment to production that modelgate approved.`,
      ),
    ]);
  });

  test("a model that changed since the approved deployment is judged with its gates", async () => {
    const app = await createTestApp();
    await judge(app, {
      files: { ...FRAUD_21.files, ...SCORER.files },
      deployments: [
        { id: 7298, commit: APPROVED_EARLIER, check: "success", files: { ...FRAUD_20.files, ...SCORER.files } },
      ],
      signOffs: [],
    });

    const [answer] = answers(app);
    expect(answer?.state).toBe("rejected");
    expect(String(answer?.comment)).toContain("- fraud-detector 2.1.0: sign-off missing: developer, system_operator");
    expect(report(app).output.summary).toContain("These artefacts have no sign-off issue yet");
  });
});

describe("deployment story 9: the answer feeds the organisation's inventory", () => {
  test("each model version's answer for the environment is recorded where the gate answers, with its report and the sign-offs that stood", async () => {
    const database = await testDatabase();
    await emptyInventory(database.pool);
    const inventory = postgresInventoryStore(database.pool);
    const jobs: Jobs = { defineJob: () => undefined, defineCron: () => undefined, enqueue: async () => null };
    const app = await createTestApp({ jobs, inventory });
    const repositoryId = (event().payload as { repository: { id: number } }).repository.id;

    await judge(app, { files: { ...FRAUD_21.files, ...SCORER.files }, released: [RELEASED_V2], signOffs: [SIGNED_21] });

    const timeline = await inventory.modelTimeline(repositoryId, "fraud-detector");
    expect(timeline?.versions.map((v) => [v.version, v.digest, v.deployments, v.signOffs])).toEqual([
      [
        "2.1.0",
        FRAUD_21.digest,
        [
          {
            environment: "production",
            answer: "approved",
            url: REPORT_URL,
            sha: DEPLOYED,
            decidedAt: TEST_NOW.toISOString(),
          },
        ],
        [
          { role: "developer", login: "alice", at: expect.any(String) as unknown },
          { role: "system_operator", login: "bob", at: expect.any(String) as unknown },
        ],
      ],
    ]);
    expect((await inventory.modelTimeline(repositoryId, "risk-scorer"))?.versions[0]?.deployments[0]?.answer).toBe(
      "approved",
    );
  });
});
