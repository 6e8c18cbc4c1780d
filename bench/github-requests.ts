/**
 * How many GitHub requests one pull-request evaluation makes, and how long the pure core
 * takes, as the number of changed models grows. Drives the real app (Probot + handlers +
 * src/github) against the fake repository of the tests (nock), so every request is counted.
 */
import { performance } from "node:perf_hooks";
import nock from "nock";
import { plannedReads } from "../src/core/plan-reads.js";
import { evaluateGate } from "../src/core/evaluate/evaluate-gate.js";
import { renderCheckRun } from "../src/core/render/check-run.js";
import { defaultPolicy } from "../src/core/policy/schema.js";
import type { FileContent, Snapshot, TreeEntry } from "../src/core/snapshot.js";
import { FakeRepository, type FileFixture } from "../test/helpers/fake-repository.js";
import { commitSha, gitBlobSha } from "../test/helpers/git-objects.js";
import { modelFiles } from "../test/helpers/model-files.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken, TEST_NOW } from "../test/helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveCheckRunUpdate, serveNoPolicy, serveReviews, serveTeamMembership } from "../test/helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent } from "../test/fixtures/payloads/index.js";
import { FakeIssueTracker } from "../test/helpers/fake-issue-tracker.js";

export interface Scenario {
  label: string;
  models: number;
  /** Changed files that are not models (source code, docs). */
  otherFiles: number;
}

export interface RequestMeasurement {
  scenario: Scenario;
  filesChanged: number;
  conclusion: string;
  requests: { total: number; rest: number; graphql: number; blobs: number; membership: number; checkRunWrites: number; signOffIssues: number };
  graphqlAliases: number;
  appMillis: number;
  coreMillis: number;
}

const BASE = commitSha("bench-base");
const HEAD = commitSha("bench-head");
const PR = { number: 1, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const TEAMS = ["data-governance", "ml-engineers", "platform-ops"];

/** Base and head files: every model retrained (new weights, raised version, bound evaluation), plus other changed files. */
export function scenarioFiles({ models, otherFiles }: Scenario): { base: Record<string, FileFixture>; head: Record<string, FileFixture> } {
  const base: Record<string, FileFixture> = { "README.md": "# Models\n" };
  const head: Record<string, FileFixture> = { "README.md": "# Models\n" };
  for (let i = 0; i < models; i++) {
    const common = { dir: `models/m${i}`, name: `model-${i}`, prompt: `You are model ${i}.\n` };
    Object.assign(base, modelFiles({ ...common, version: "1.0.0", weights: `weights ${i} v1`, evaluation: { evaluator: "eve", date: "2026-06-01" } }).files);
    Object.assign(head, modelFiles({ ...common, version: "1.1.0", weights: `weights ${i} v2`, evaluation: { evaluator: "eve", date: "2026-11-20" } }).files);
  }
  for (let i = 0; i < otherFiles; i++) {
    base[`src/pkg${i % 50}/file${i}.py`] = `VALUE = ${i}\n`;
    head[`src/pkg${i % 50}/file${i}.py`] = `VALUE = ${i + 1}\n`;
  }
  return { base, head };
}

export async function measureRequests(scenario: Scenario): Promise<RequestMeasurement> {
  nock.disableNetConnect();
  const files = scenarioFiles(scenario);
  const app = await createTestApp();
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  const repository = new FakeRepository({ owner: OWNER, repo: REPO, commits: [{ sha: BASE, files: files.base }, { sha: HEAD, files: files.head }] }).servePullRequest(BASE, HEAD);
  serveReviews(OWNER, REPO, PR.number, [
    { login: "alice", state: "APPROVED", commitId: HEAD },
    { login: "bob", state: "APPROVED", commitId: HEAD },
  ]);
  serveTeamMembership(OWNER, ["alice", "bob"].flatMap((login) => TEAMS.map((team) => ({ login, team }))), { "ml-engineers": ["alice"], "platform-ops": ["bob"] });
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO, 1);
  serveCheckRunUpdate(OWNER, REPO, 1, 1000);
  // each retrained model version gets its sign-off issue opened (claim ref, label, issue)
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();

  const started = performance.now();
  await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));
  const appMillis = performance.now() - started;
  nock.cleanAll();

  const create = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]?.body as { conclusion?: string } | undefined;
  const requests = app.requests.filter((r) => !r.path.startsWith("/app/installations/"));
  const count = (test: (path: string, method: string) => boolean) => requests.filter((r) => test(r.path, r.method)).length;
  return {
    scenario,
    filesChanged: changedFiles(files.base, files.head),
    conclusion: create?.conclusion ?? "none",
    requests: {
      total: requests.length,
      graphql: count((path) => path === "/graphql"),
      rest: count((path) => path !== "/graphql"),
      blobs: count((path) => path.includes("/git/blobs/")),
      membership: count((path) => path.includes("/memberships/")),
      checkRunWrites: count((path, method) => path.includes("/check-runs") && method !== "GET"),
      signOffIssues: count((path) => path.includes("/issues") || path.includes("/git/refs") || path.includes("/labels")),
    },
    graphqlAliases: repository.graphqlRequests.reduce((sum, aliases) => sum + aliases.length, 0),
    appMillis,
    coreMillis: timeCore(files),
  };
}

/** The pure core alone, with contents served from memory: plannedReads rounds + evaluateGate + renderCheckRun (median of 5). */
export function timeCore(files: { base: Record<string, FileFixture>; head: Record<string, FileFixture> }): number {
  const policy = defaultPolicy();
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const base = snapshotOf(BASE, files.base);
    const head = snapshotOf(HEAD, files.head);
    const started = performance.now();
    for (let round = 0; round < 3; round++) {
      const planned = plannedReads(policy, base.snapshot, head.snapshot);
      if (planned.base.length === 0 && planned.head.length === 0) break;
      for (const path of planned.base) base.read(path);
      for (const path of planned.head) head.read(path);
    }
    const facts = {
      available: true,
      authors: ["dana"],
      headSha: HEAD,
      reviews: [
        { login: "alice", state: "APPROVED" as const, commitId: HEAD, submittedAt: "2026-11-27T10:00:00Z" },
        { login: "bob", state: "APPROVED" as const, commitId: HEAD, submittedAt: "2026-11-27T10:00:00Z" },
      ],
      signOffs: {},
      signOffIssues: {},
      teamMembership: { alice: { "ml-engineers": true }, bob: { "platform-ops": true } },
    };
    const decision = evaluateGate({ policy, base: base.snapshot, head: head.snapshot, facts, now: TEST_NOW });
    renderCheckRun(decision, { checkName: "modelgate", policy, org: OWNER });
    runs.push(performance.now() - started);
  }
  return runs.sort((a, b) => a - b)[2] ?? 0;
}

function snapshotOf(commit: string, files: Record<string, FileFixture>): { snapshot: Snapshot; read(path: string): void } {
  const entries = new Map<string, TreeEntry>();
  for (const [path, content] of Object.entries(files)) entries.set(path, { path, blobSha: gitBlobSha(content), size: Buffer.byteLength(content), mode: "100644" });
  const contents = new Map<string, FileContent>();
  return {
    snapshot: { commit, entries, contents },
    read(path) {
      const content = files[path];
      if (typeof content === "string") contents.set(path, { kind: "text", text: content, size: Buffer.byteLength(content) });
      else contents.set(path, { kind: "unreadable", reason: "missing" });
    },
  };
}

function changedFiles(base: Record<string, FileFixture>, head: Record<string, FileFixture>): number {
  const paths = new Set([...Object.keys(base), ...Object.keys(head)]);
  return [...paths].filter((path) => base[path] !== head[path]).length;
}

export const SCENARIOS: Scenario[] = [
  { label: "1 model", models: 1, otherFiles: 0 },
  { label: "10 models", models: 10, otherFiles: 0 },
  { label: "100 models", models: 100, otherFiles: 0 },
  { label: "1,000 models", models: 1000, otherFiles: 0 },
  { label: "3,000-file PR (1 model)", models: 1, otherFiles: 3000 },
];

export function requestTable(rows: ReadonlyArray<RequestMeasurement>): string {
  const lines = [
    "| PR | files changed | verdict | GitHub requests | REST | GraphQL (aliases) | membership | check-run writes | sign-off issues | app time (ms) | core time (ms) |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      [
        r.scenario.label,
        r.filesChanged.toLocaleString("en-US"),
        r.conclusion,
        r.requests.total,
        r.requests.rest,
        `${r.requests.graphql} (${r.graphqlAliases.toLocaleString("en-US")})`,
        r.requests.membership,
        r.requests.checkRunWrites,
        r.requests.signOffIssues,
        r.appMillis.toFixed(0),
        r.coreMillis.toFixed(1),
      ].join(" | "),
    ).map((row) => `| ${row} |`),
  ];
  return lines.join("\n");
}
