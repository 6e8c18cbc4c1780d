/**
 * How many GitHub requests the daily re-evaluation run costs per repository, as the number of
 * models grows: a quiet day (nothing due), the day their evaluations come due (one issue opened
 * per model version), an unchanged day after (issues exist), the day the date nears (each
 * issue updated and its holders told), and the day new evaluations land (each issue closed).
 * Drives the real sweep (src/handlers/re-evaluation.ts + src/github) against the stateful fakes
 * of the tests (nock), so every request is counted.
 */
import nock from "nock";
import { sweepRepository, type SweepOutcome } from "../src/handlers/re-evaluation.js";
import { GITHUB_API, type FileFixture } from "../test/helpers/fake-repository.js";
import { FakeIssueTracker, serveCommitsAlways, servePolicyAlways } from "../test/helpers/fake-issue-tracker.js";
import { commitSha } from "../test/fixtures/git-objects.js";
import { repositoryModelFiles } from "../test/fixtures/manifests.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  testMarkerKey,
  type RecordedRequest,
} from "../test/helpers/test-app.js";
import { releaseResource } from "../test/fixtures/payloads/lifecycle.js";
import { RELEASE_CHECK_NAME } from "../src/core/render/release-check-run.js";
import { OWNER, REPO } from "../test/fixtures/payloads/index.js";
import { inProcessCoordination } from "../src/store/coordination.js";

export const SWEEP_SCENARIOS = [1, 10, 100];

export interface SweepMeasurement {
  models: number;
  day: string;
  outcome: SweepOutcome;
  requests: { total: number; reads: number; graphql: number; writes: number };
}

const API = `/repos/${OWNER}/${REPO}`;
const RELEASE_COMMIT = commitSha("sweep-release");
const MAIN = commitSha("sweep-main");
const MAIN_REEVALUATED = commitSha("sweep-main-reevaluated");

function repositoryFiles(models: number, date: string): Record<string, FileFixture> {
  const files: Record<string, FileFixture> = { "README.md": "# Models\n" };
  for (let i = 0; i < models; i++) {
    Object.assign(
      files,
      repositoryModelFiles({
        dir: `models/m${i}`,
        name: `model-${i}`,
        version: "1.0.0",
        weights: `weights ${i}`,
        prompt: `You are model ${i}.\n`,
        evaluation: { evaluator: "eve", date },
      }).files,
    );
  }
  return files;
}

export async function measureSweep(models: number): Promise<SweepMeasurement[]> {
  nock.disableNetConnect();
  const app = await createTestApp({ coordination: inProcessCoordination() });
  nock(GITHUB_API).persist().post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, {
    token: "ghs_bench",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
    repository_selection: "all",
  });
  servePolicyAlways(OWNER, REPO, "main", undefined);
  // evaluated 2026-06-15: due by 2026-12-12; the latest release is another commit with the same models
  const due = repositoryFiles(models, "2026-06-15");
  serveCommitsAlways(OWNER, REPO, [
    { sha: MAIN, files: due },
    { sha: RELEASE_COMMIT, files: due },
    { sha: MAIN_REEVALUATED, files: repositoryFiles(models, "2026-12-01") },
  ]);
  let head = MAIN;
  nock(GITHUB_API)
    .persist()
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(() => [200, { ref: "refs/heads/main", object: { type: "commit", sha: head } }]);
  // the release in use: the latest that passed its gate (the release list, its tag, its release check run)
  nock(GITHUB_API)
    .persist()
    .get(`${API}/releases`)
    .query({ per_page: "100" })
    .reply(200, [releaseResource({ id: 1, tag: "v1.0.0", publishedAt: "2026-10-01T10:00:00Z" })]);
  nock(GITHUB_API)
    .persist()
    .get(`${API}/commits/${RELEASE_COMMIT}/check-runs`)
    .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID) })
    .reply(200, {
      total_count: 1,
      check_runs: [
        {
          id: 7000,
          name: RELEASE_CHECK_NAME,
          head_sha: RELEASE_COMMIT,
          status: "completed",
          conclusion: "success",
          app: { id: APP_ID },
        },
      ],
    });
  nock(GITHUB_API)
    .persist()
    .get(`${API}/git/ref/tags%2Fv1.0.0`)
    .reply(200, { ref: "refs/tags/v1.0.0", object: { type: "commit", sha: RELEASE_COMMIT } });
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  const octokit = await app.probot.auth(INSTALLATION_ID);
  const repository = {
    owner: OWNER,
    repo: REPO,
    defaultBranch: "main",
    repositoryUrl: `https://github.com/${OWNER}/${REPO}`,
  };

  const measure = async (day: string, now: string): Promise<SweepMeasurement> => {
    const from = app.requests.length;
    const outcome = await sweepRepository(
      {
        octokit,
        log: app.probot.log,
        now: new Date(now),
        markerKey: testMarkerKey(),
        coordination: inProcessCoordination(),
      },
      repository,
    );
    const requests = app.requests.slice(from).filter((r: RecordedRequest) => !r.path.startsWith("/app/installations/"));
    return {
      models,
      day,
      outcome,
      requests: {
        total: requests.length,
        reads: requests.filter((r) => r.method === "GET").length,
        graphql: requests.filter((r) => r.path === "/graphql").length,
        writes: requests.filter((r) => r.method !== "GET" && r.path !== "/graphql").length,
      },
    };
  };
  const rows = [
    await measure("quiet day (nothing due)", "2026-10-01T06:00:00Z"),
    await measure("evaluations come due", "2026-11-28T06:00:00Z"),
    await measure("next day, nothing changed", "2026-11-29T06:00:00Z"),
    await measure("less than a week left", "2026-12-06T06:00:00Z"),
  ];
  head = MAIN_REEVALUATED;
  rows.push(await measure("re-evaluated on main", "2026-12-02T06:00:00Z"));
  nock.cleanAll();
  return rows;
}

export function sweepTable(rows: ReadonlyArray<SweepMeasurement>): string {
  const lines = [
    "| models | day | due | opened | updated | closed | deferred | GitHub requests | REST reads | GraphQL | writes |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const { outcome, requests } = row;
    lines.push(
      `| ${row.models} | ${row.day} | ${outcome.due} | ${outcome.opened} | ${outcome.updated} | ${outcome.closed} | ${outcome.deferred} | ${requests.total} | ${requests.reads} | ${requests.graphql} | ${requests.writes} |`,
    );
  }
  return lines.join("\n");
}
