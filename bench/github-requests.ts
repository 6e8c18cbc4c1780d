/**
 * How many GitHub requests one pull-request evaluation makes, and how long the pure core
 * takes, as the number of changed models grows: the first evaluation of a PR (which opens
 * its sign-off issues) and its re-evaluation once those issues exist (a review submitted).
 * Drives the real app (Probot + handlers + src/github) against the stateful fakes of the
 * tests (nock), so every request is counted.
 */
import { performance } from "node:perf_hooks";
import nock from "nock";
import { plannedReads } from "../src/core/detect/plan-reads.js";
import { evaluateGate } from "../src/core/evaluate/evaluate-gate.js";
import { renderCheckRun } from "../src/core/render/check-run.js";
import { defaultPolicy } from "../src/core/policy/schema.js";
import type { FileContent, Snapshot, TreeEntry } from "../src/core/detect/snapshot.js";
import { GITHUB_API, type FileFixture } from "../test/helpers/fake-repository.js";
import { commitSha, gitBlobSha } from "../test/fixtures/git-objects.js";
import { repositoryModelFiles } from "../test/fixtures/manifests.js";
import { TEST_NOW } from "../test/fixtures/clock.js";
import { createTestApp, INSTALLATION_ID, type RecordedRequest } from "../test/helpers/test-app.js";
import { OWNER, REPO, pullRequestEvent, pullRequestReviewEvent } from "../test/fixtures/payloads/index.js";
import { isTeamMembershipQuery } from "../test/helpers/serve-github.js";
import { serveLfs } from "../test/helpers/serve-lfs.js";
import {
  FakeCheckRuns,
  FakeIssueTracker,
  FakeTeams,
  isIssueCommentsQuery,
  serveCommitsAlways,
  servePolicyAlways,
  servePullRequestAlways,
} from "../test/helpers/fake-issue-tracker.js";
import { inProcessCoordination } from "../src/store/coordination.js";

export interface Scenario {
  label: string;
  models: number;
  /** Changed files that are not models (source code, docs). */
  otherFiles: number;
}

export type Evaluation = "first evaluation" | "re-evaluation";

export interface RequestMeasurement {
  scenario: Scenario;
  evaluation: Evaluation;
  filesChanged: number;
  conclusion: string;
  requests: {
    total: number;
    rest: number;
    /** Batched file reads (manifests, pointers, prompts). */
    graphqlFiles: number;
    /** Batched sign-off comment reads. */
    graphqlComments: number;
    blobs: number;
    membership: number;
    checkRunWrites: number;
    /** Everything about sign-off issues: listing, label, issues, REST comment reads, GraphQL comment reads. */
    signOffIssues: number;
    /** The Git LFS batch requests (100 objects each) and range reads of the format scan (docs/supply-chain.md). */
    lfsBatches: number;
    lfsRanges: number;
  };
  /** Files asked through GraphQL. */
  fileAliases: number;
  /** Issues whose comments were asked through GraphQL. */
  issueAliases: number;
  appMillis: number;
  coreMillis: number;
}

const BASE = commitSha("bench-base");
const HEAD = commitSha("bench-head");
const PR = { number: 1, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };

/** Base and head files: every model retrained (new weights, raised version, bound evaluation), plus other changed files. */
export function scenarioFiles({ models, otherFiles }: Scenario): {
  base: Record<string, FileFixture>;
  head: Record<string, FileFixture>;
} {
  const base: Record<string, FileFixture> = { "README.md": "# Models\n" };
  const head: Record<string, FileFixture> = { "README.md": "# Models\n" };
  for (let i = 0; i < models; i++) {
    const common = { dir: `models/m${i}`, name: `model-${i}`, prompt: `You are model ${i}.\n` };
    Object.assign(
      base,
      repositoryModelFiles({
        ...common,
        version: "1.0.0",
        weights: `weights ${i} v1`,
        evaluation: { evaluator: "eve", date: "2026-06-01" },
      }).files,
    );
    Object.assign(
      head,
      repositoryModelFiles({
        ...common,
        version: "1.1.0",
        weights: `weights ${i} v2`,
        evaluation: { evaluator: "eve", date: "2026-11-20" },
      }).files,
    );
  }
  for (let i = 0; i < otherFiles; i++) {
    base[`src/pkg${i % 50}/file${i}.py`] = `VALUE = ${i}\n`;
    head[`src/pkg${i % 50}/file${i}.py`] = `VALUE = ${i + 1}\n`;
  }
  return { base, head };
}

/**
 * The first evaluation of the PR (opened, approved by two reviewers holding the roles: it
 * opens one sign-off issue per model version), then its re-evaluation when a third review
 * is submitted (the issues exist now, so their comment histories are read).
 */
export async function measureRequests(scenario: Scenario): Promise<[RequestMeasurement, RequestMeasurement]> {
  nock.disableNetConnect();
  const files = scenarioFiles(scenario);
  const app = await createTestApp({ coordination: inProcessCoordination() });
  nock(GITHUB_API).persist().post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, {
    token: "ghs_bench",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
    repository_selection: "all",
  });
  servePolicyAlways(OWNER, REPO, "main", undefined);
  const repository = serveCommitsAlways(OWNER, REPO, [
    { sha: BASE, files: files.base },
    { sha: HEAD, files: files.head },
  ]);
  const reviews = [
    { login: "alice", state: "APPROVED", commitId: HEAD },
    { login: "bob", state: "APPROVED", commitId: HEAD },
  ];
  servePullRequestAlways(OWNER, REPO, PR, () => reviews);
  // the changed weights are LFS objects: the format scan reads each by range
  serveLfs({ owner: OWNER, repo: REPO, batch: "optional", token: "ghs_bench" });
  new FakeTeams(OWNER, { "ml-engineers": ["alice"], "platform-ops": ["bob"] }).serve();
  const checks = new FakeCheckRuns(OWNER, REPO).serve();
  const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  const coreMillis = timeCore(files);
  const filesChanged = changedFiles(files.base, files.head);

  const measure = async (
    evaluation: Evaluation,
    event: { name: string; payload: unknown; id?: string },
  ): Promise<RequestMeasurement> => {
    const from = {
      requests: app.requests.length,
      files: repository.graphqlRequests.length,
      issues: tracker.graphqlRequests.length,
    };
    const started = performance.now();
    await app.receive(event);
    const appMillis = performance.now() - started;
    const requests = app.requests.slice(from.requests).filter((r) => !r.path.startsWith("/app/installations/"));
    return {
      scenario,
      evaluation,
      filesChanged,
      conclusion: checks.latest(HEAD).conclusion,
      requests: countRequests(requests),
      fileAliases: repository.graphqlRequests.slice(from.files).reduce((sum, aliases) => sum + aliases.length, 0),
      issueAliases: tracker.graphqlRequests.slice(from.issues).reduce((sum, issues) => sum + issues.length, 0),
      appMillis,
      coreMillis,
    };
  };

  const first = await measure("first evaluation", pullRequestEvent("opened", PR, INSTALLATION_ID));
  reviews.push({ login: "carol", state: "COMMENTED", commitId: HEAD });
  const again = await measure("re-evaluation", {
    ...pullRequestReviewEvent("submitted", PR, { login: "carol", state: "commented", commitId: HEAD }, INSTALLATION_ID),
    id: "delivery-2",
  });
  nock.cleanAll();
  return [first, again];
}

function countRequests(requests: ReadonlyArray<RecordedRequest>): RequestMeasurement["requests"] {
  const count = (test: (request: RecordedRequest) => boolean) => requests.filter(test).length;
  const isCommentRead = (r: RecordedRequest) =>
    r.path === "/graphql" && isIssueCommentsQuery((r.body ?? {}) as { query?: unknown });
  const isMembershipRead = (r: RecordedRequest) =>
    r.path.includes("/memberships/") ||
    (r.path === "/graphql" && isTeamMembershipQuery((r.body ?? {}) as { query?: unknown }));
  const isLfs = (r: RecordedRequest) =>
    r.path.endsWith(".git/info/lfs/objects/batch") || r.path.startsWith("/alambic/media/");
  return {
    total: requests.length,
    rest: count((r) => r.path !== "/graphql" && !isLfs(r)),
    graphqlFiles: count((r) => r.path === "/graphql" && !isCommentRead(r) && !isMembershipRead(r)),
    graphqlComments: count(isCommentRead),
    blobs: count((r) => r.path.includes("/git/blobs/")),
    membership: count(isMembershipRead),
    checkRunWrites: count((r) => r.path.includes("/check-runs") && r.method !== "GET"),
    signOffIssues: count((r) => r.path.includes("/issues") || r.path.includes("/labels") || isCommentRead(r)),
    lfsBatches: count((r) => isLfs(r) && r.method === "POST"),
    lfsRanges: count((r) => isLfs(r) && r.method === "GET"),
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

function snapshotOf(
  commit: string,
  files: Record<string, FileFixture>,
): { snapshot: Snapshot; read(path: string): void } {
  const entries = new Map<string, TreeEntry>();
  for (const [path, content] of Object.entries(files))
    entries.set(path, { path, blobSha: gitBlobSha(content), size: Buffer.byteLength(content), mode: "100644" });
  const contents = new Map<string, FileContent>();
  return {
    snapshot: { commit, entries, contents },
    read(path) {
      const content = files[path];
      if (typeof content === "string")
        contents.set(path, { kind: "text", text: content, size: Buffer.byteLength(content) });
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
    "| PR | evaluation | files changed | verdict | GitHub requests | REST | GraphQL: files (aliases) | GraphQL: comments (issues) | membership | check-run writes | sign-off issues | LFS: batch + range | app time (ms) | core time (ms) |",
    "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows
      .map((r) =>
        [
          r.scenario.label,
          r.evaluation,
          r.filesChanged.toLocaleString("en-US"),
          r.conclusion,
          r.requests.total.toLocaleString("en-US"),
          r.requests.rest.toLocaleString("en-US"),
          `${r.requests.graphqlFiles} (${r.fileAliases.toLocaleString("en-US")})`,
          `${r.requests.graphqlComments} (${r.issueAliases.toLocaleString("en-US")})`,
          r.requests.membership,
          r.requests.checkRunWrites,
          r.requests.signOffIssues.toLocaleString("en-US"),
          `${r.requests.lfsBatches} + ${r.requests.lfsRanges.toLocaleString("en-US")}`,
          r.appMillis.toFixed(0),
          r.coreMillis.toFixed(1),
        ].join(" | "),
      )
      .map((row) => `| ${row} |`),
  ];
  return lines.join("\n");
}
