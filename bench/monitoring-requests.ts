/**
 * How many GitHub requests production monitoring adds to the daily run per repository (docs/performance.md),
 * reports committed under monitoring/{model}/{version} vs the newest artefact of a workflow, as the number of models
 * grows: a day within every threshold, the day every version breaches (a Drift detected issue opened each), the
 * next day unchanged, and the day it clears (each issue closed). Each is compared with the same day's run without
 * `monitoring` in the policy. Drives the real sweep against the tests' fakes (nock), so every request is counted.
 *
 *   node --import tsx bench/monitoring-requests.ts
 */
import nock from "nock";
import { resolve } from "node:path";
import { sweepRepository } from "../src/handlers/re-evaluation.js";
import { inProcessCoordination } from "../src/store/coordination.js";
import { commitSha } from "../test/fixtures/git-objects.js";
import { repositoryModelFiles } from "../test/fixtures/manifests.js";
import { OWNER, REPO } from "../test/fixtures/payloads/index.js";
import { FakeIssueTracker, serveCommitsAlways, servePolicyAlways } from "../test/helpers/fake-issue-tracker.js";
import { GITHUB_API, type FileFixture } from "../test/helpers/fake-repository.js";
import { createTestApp, INSTALLATION_ID, testMarkerKey, type RecordedRequest } from "../test/helpers/test-app.js";
import { buildZip } from "../test/helpers/zip.js";

export const MONITORING_SCENARIOS = [1, 10, 100];
const API = `/repos/${OWNER}/${REPO}`;
const BLOB_HOST = "https://productionresultssa0.blob.core.windows.net";
const DAYS = [
  { day: "within every threshold", accuracy: 0.95, now: "2026-11-28T12:00:00Z", reportAt: "2026-11-28T06:00:00Z" },
  { day: "every version breaches", accuracy: 0.8, now: "2026-11-29T12:00:00Z", reportAt: "2026-11-29T06:00:00Z" },
  { day: "next day, same reports", accuracy: 0.8, now: "2026-11-30T12:00:00Z", reportAt: "2026-11-29T06:00:00Z" },
  {
    day: "next day, a new report, same breach",
    accuracy: 0.8,
    now: "2026-12-01T12:00:00Z",
    reportAt: "2026-12-01T06:00:00Z",
  },
  { day: "cleared", accuracy: 0.95, now: "2026-12-02T12:00:00Z", reportAt: "2026-12-02T06:00:00Z" },
] as const;
const THRESHOLDS = "  thresholds:\n    - { metric: accuracy, min: 0.9 }\n    - { metric: violations, max: 0 }\n";
const POLICIES = {
  none: "evaluation:\n  max_age_days: 180\n",
  committed: `monitoring:\n  reports: { path: "monitoring/{model}/{version}" }\n${THRESHOLDS}`,
  artefact: `monitoring:\n  reports: { workflow: monitoring.yml, artifact: monitoring-reports, path: "{model}/{version}" }\n${THRESHOLDS}`,
};
type Source = keyof typeof POLICIES;

export interface MonitoringMeasurement {
  models: number;
  source: Source;
  day: string;
  requests: { total: number; reads: number; graphql: number; writes: number };
}

/** Each model's reports: modelgate's own JSON (dated) and SageMaker's constraint_violations.json (dated by its commit). */
function reports(models: number, accuracy: number, generatedAt: string, prefix: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < models; i++) {
    const folder = `${prefix}model-${i}/1.0.0`;
    files[`${folder}/report.json`] = JSON.stringify({
      format: "modelgate-monitoring/1",
      model: `model-${i}`,
      version: "1.0.0",
      generated_at: generatedAt,
      metrics: { accuracy },
    });
    files[`${folder}/constraint_violations.json`] = '{"violations": []}';
  }
  return files;
}

function modelFiles(models: number): Record<string, FileFixture> {
  const files: Record<string, FileFixture> = { "README.md": "# Models\n" };
  for (let i = 0; i < models; i++)
    Object.assign(
      files,
      repositoryModelFiles({
        dir: `models/m${i}`,
        name: `model-${i}`,
        version: "1.0.0",
        weights: `weights ${i}`,
        prompt: `You are model ${i}.\n`,
        evaluation: { evaluator: "eve", date: "2026-11-01" },
      }).files,
    );
  return files;
}

async function measureSource(models: number, source: Source): Promise<MonitoringMeasurement[]> {
  nock.cleanAll();
  nock.disableNetConnect();
  const app = await createTestApp({ coordination: inProcessCoordination() });
  nock(GITHUB_API).persist().post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, {
    token: "ghs_bench",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
    repository_selection: "all",
  });
  servePolicyAlways(OWNER, REPO, "main", POLICIES[source]);
  const base = modelFiles(models);
  const commits = DAYS.map((d, index) => ({
    sha: commitSha(`monitoring-${index}`),
    files: source === "committed" ? { ...base, ...reports(models, d.accuracy, d.reportAt, "monitoring/") } : base,
  }));
  serveCommitsAlways(OWNER, REPO, commits);
  let today = 0;
  nock(GITHUB_API)
    .persist()
    .get(`${API}/git/ref/heads%2Fmain`)
    .reply(() => [200, { ref: "refs/heads/main", object: { type: "commit", sha: commits[today]!.sha } }]);
  nock(GITHUB_API).persist().get(`${API}/releases`).query(true).reply(200, []);
  // committed SageMaker reports are dated by the commit that last touched them
  nock(GITHUB_API)
    .persist()
    .post("/graphql", (body: { query?: string }) => typeof body.query === "string" && body.query.includes("history("))
    .reply((_uri, body) => {
      const aliases = [...(body as { query: string }).query.matchAll(/(d\d+): history/g)].map((m) => m[1]!);
      const object = Object.fromEntries(
        aliases.map((a) => [a, { nodes: [{ committedDate: "2026-11-28T06:00:00Z" }] }]),
      );
      return [200, { data: { repository: { object } } }];
    });
  nock(GITHUB_API)
    .persist()
    .get(`${API}/actions/workflows/monitoring.yml/runs`)
    .query(true)
    .reply(() => [200, { total_count: 1, workflow_runs: [{ id: 9000 + today }] }]);
  nock(GITHUB_API)
    .persist()
    .get(/\/actions\/runs\/\d+\/artifacts/)
    .query(true)
    .reply((uri) => {
      const run = Number(/runs\/(\d+)/.exec(uri)?.[1]);
      const day = DAYS[run - 9000]!;
      return [
        200,
        {
          total_count: 1,
          artifacts: [
            {
              id: run,
              name: "monitoring-reports",
              size_in_bytes: 1000,
              expired: false,
              created_at: day.reportAt,
            },
          ],
        },
      ];
    });
  nock(GITHUB_API)
    .persist()
    .get(/\/actions\/artifacts\/\d+\/zip$/)
    .reply((uri) => [302, "", { location: `${BLOB_HOST}/zip/${/artifacts\/(\d+)/.exec(uri)?.[1]}` }]);
  nock(BLOB_HOST)
    .persist()
    .get(/\/zip\/\d+/)
    .reply((uri) => {
      const day = DAYS[Number(uri.split("/").pop()) - 9000]!;
      const files = reports(models, day.accuracy, day.reportAt, "");
      return [
        200,
        buildZip(Object.entries(files).map(([name, content]) => ({ name, content }))),
        { "content-type": "application/zip" },
      ];
    });
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  const octokit = await app.probot.auth(INSTALLATION_ID);
  const rows: MonitoringMeasurement[] = [];
  for (const [index, day] of DAYS.entries()) {
    today = index;
    const from = app.requests.length;
    await sweepRepository(
      {
        octokit,
        log: app.probot.log,
        now: new Date(day.now),
        markerKey: testMarkerKey(),
        coordination: inProcessCoordination(),
      },
      { owner: OWNER, repo: REPO, defaultBranch: "main", repositoryUrl: `https://github.com/${OWNER}/${REPO}` },
    );
    const requests = app.requests.slice(from).filter((r: RecordedRequest) => !r.path.startsWith("/app/installations/"));
    rows.push({
      models,
      source,
      day: day.day,
      requests: {
        total: requests.length,
        reads: requests.filter((r) => r.method === "GET").length,
        graphql: requests.filter((r) => r.path === "/graphql").length,
        writes: requests.filter((r) => r.method !== "GET" && r.path !== "/graphql").length,
      },
    });
  }
  nock.cleanAll();
  return rows;
}

export async function measureMonitoring(models: number): Promise<MonitoringMeasurement[]> {
  const rows: MonitoringMeasurement[] = [];
  for (const source of ["none", "committed", "artefact"] as const) rows.push(...(await measureSource(models, source)));
  return rows;
}

export function monitoringTable(rows: ReadonlyArray<MonitoringMeasurement>): string {
  const lines = [
    "| models | reports | day | GitHub requests | added by monitoring | REST reads | GraphQL | writes |",
    "|---:|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    if (row.source === "none") continue;
    const without = rows.find((r) => r.source === "none" && r.models === row.models && r.day === row.day)!;
    const { requests } = row;
    lines.push(
      `| ${row.models} | ${row.source} | ${row.day} | ${requests.total} | +${requests.total - without.requests.total} | ${requests.reads} | ${requests.graphql} | ${requests.writes} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const rows: MonitoringMeasurement[] = [];
  for (const models of MONITORING_SCENARIOS) rows.push(...(await measureMonitoring(models)));
  console.log(monitoringTable(rows));
}
