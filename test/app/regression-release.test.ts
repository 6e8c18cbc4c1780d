import nock from "nock";
import { describe, expect, test } from "vitest";
import { BOM_ASSET_NAME, RELEASE_CHECK_NAME } from "../../src/handlers/release.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud } from "../fixtures/fraud-detector.js";
import { servePolicy, type CheckRunBody } from "../helpers/serve-github.js";
import {
  serveBranchHead,
  serveReleaseCheckOf,
  serveReleases,
  serveSignOffIssueList,
  serveTag,
} from "../helpers/serve-releases.js";
import { APP_ID, createTestApp, INSTALLATION_ID, serveInstallationToken, type TestApp } from "../helpers/test-app.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { releaseEvent, releaseResource, type ReleaseFixture } from "../fixtures/payloads/lifecycle.js";

const PREVIOUS_COMMIT = commitSha("v2.0.0");
const TAGGED_COMMIT = commitSha("v2.2.0");
const API = `/repos/${OWNER}/${REPO}`;
const HOLDOUT = { name: "holdout-2026q3", sha256: "a".repeat(64) };

const POLICY = [
  "roles:",
  "  security: { users: [sam] }",
  "regression:",
  "  accept_role: security",
  "  metrics:",
  "    - { name: accuracy, direction: higher, max_drop: 0.02 }",
  "    - { name: attack_success_rate, direction: lower, max: 0.15, security: true }",
  "",
].join("\n");

/** v2.0.0 shipped fraud-detector 2.0.0 at accuracy 0.9. */
const RELEASED = repositoryModelFiles(
  fraud({
    evaluation: {
      evaluator: "eve",
      date: "2026-11-01",
      metrics: { accuracy: 0.9, attack_success_rate: 0.1 },
      dataset: HOLDOUT,
    },
  }),
);
/**
 * v2.2.0 ships 2.2.0 at 0.885: within 0.02 of an unreleased 2.1.0 (0.9 → 0.895 → 0.885 step by
 * step), but 0.015 below the last released version, which is what a release answers to.
 */
const CANDIDATE = repositoryModelFiles(
  fraud({
    version: "2.2.0",
    weights: "weights of 2.2.0",
    evaluation: {
      evaluator: "eve",
      date: "2026-11-20",
      metrics: { accuracy: 0.87, attack_success_rate: 0.1 },
      dataset: HOLDOUT,
    },
  }),
);

const PREVIOUS: ReleaseFixture = {
  id: 100,
  tag: "v2.0.0",
  publishedAt: "2026-10-01T10:00:00Z",
  createdAt: "2026-10-01T09:00:00Z",
};
const CURRENT: ReleaseFixture = { id: 102, tag: "v2.2.0", body: "## What's changed\n\n- Retrained fraud detector" };

/** The release v2.2.0 published, compared with v2.0.0, with the sign-off issue of 2.2.0's digest holding `comments`. */
async function publish(
  app: TestApp,
  comments: Array<{ id: number; login: string; body: string }>,
): Promise<CheckRunBody> {
  serveInstallationToken();
  nock(GITHUB_API).get(`${API}/releases/${CURRENT.id}`).reply(200, releaseResource(CURRENT));
  serveTag(OWNER, REPO, CURRENT.tag, TAGGED_COMMIT);
  servePolicy(OWNER, REPO, "main", POLICY);
  serveReleases(OWNER, REPO, [CURRENT, PREVIOUS]);
  serveTag(OWNER, REPO, PREVIOUS.tag, PREVIOUS_COMMIT);
  serveReleaseCheckOf(OWNER, REPO, PREVIOUS_COMMIT, "success");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: TAGGED_COMMIT, files: CANDIDATE.files },
      { sha: PREVIOUS_COMMIT, files: RELEASED.files },
    ],
  })
    .serveTree(PREVIOUS_COMMIT)
    .serveTree(TAGGED_COMMIT)
    .serveContents();
  serveBranchHead(OWNER, REPO, "main", TAGGED_COMMIT);
  serveSignOffIssueList(
    OWNER,
    REPO,
    [
      {
        number: 41,
        ref: { model: "fraud-detector", version: "2.2.0", digest: CANDIDATE.digest },
        tracking: {
          manifestPath: "models/fraud/model.yaml",
          kinds: ["retrain"],
          pulls: [{ number: 9, author: "dana", roles: ["developer", "system_operator"] }],
        },
        comments: [
          { id: 1, login: "alice", body: "/approve developer" },
          { id: 2, login: "bob", body: "/approve system_operator" },
          ...comments,
        ],
      },
    ],
    { "ml-engineers": ["alice"], "platform-ops": ["bob"], "data-governance": ["carol"] },
  );
  nock(GITHUB_API)
    .get(`${API}/commits/${TAGGED_COMMIT}/check-runs`)
    .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID), per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] });
  nock(GITHUB_API).post(`${API}/check-runs`).reply(201, { id: 8101 });
  nock(GITHUB_API).patch(`${API}/releases/${CURRENT.id}`).reply(200, {});
  nock("https://uploads.github.com")
    .post(`${API}/releases/${CURRENT.id}/assets`)
    .query({ name: BOM_ASSET_NAME })
    .reply(201, { id: 9001, name: BOM_ASSET_NAME });
  await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));
  const creates = app.requestsTo("POST", `${API}/check-runs`);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as CheckRunBody;
}

function uploadedBom(app: TestApp): Record<string, any> {
  const uploads = app.requestsTo("POST", new RegExp(`^${API}/releases/${CURRENT.id}/assets\\?name=`));
  expect(uploads).toHaveLength(1);
  return uploads[0]!.body as Record<string, any>;
}

describe("story: the release gate compares with the last released version (docs/regression.md)", () => {
  test("a release whose accuracy fell more than allowed since v2.0.0 fails, with the table", async () => {
    const app = await createTestApp();
    const run = await publish(app, []);

    expect(run.conclusion).toBe("failure");
    const summary = run.output.summary;
    expect(summary.slice(summary.indexOf("**Regression**"), summary.indexOf("\n---\n"))).toBe(
      [
        `**Regression** against 2.0.0 (release v2.0.0, digest \`${RELEASED.digest.slice(0, 19)}\`; its evaluation of 2026-11-01), both measured on \`holdout-2026q3\` (\`sha256:aaaaaaaaaaaa\`).`,
        "",
        "| Metric | Baseline | Candidate | Change | Rule | Verdict |",
        "|---|---|---|---|---|---|",
        "| `accuracy` | 0.9 | 0.87 | −0.03 (−3.33333 %) | higher is better, drop ≤ 0.02 | ❌ fell by 0.03, more than 0.02 |",
        "| `attack_success_rate` 🛡️ security | 0.1 | 0.1 | 0 (0 %) | lower is better, max 0.15 | ✅ within the rule |",
        "",
        `To accept a regression, a holder of **security** who is not an author of this change comments on the sign-off issue of this digest: \`/accept-regression accuracy ${RELEASED.digest} <reason>\`. An acceptance counts for this digest, this metric and this baseline only.`,
        "",
      ].join("\n"),
    );
    // the ML-BOM carries the metrics the release ships with
    expect(uploadedBom(app).components[0].modelCard.quantitativeAnalysis).toEqual({
      performanceMetrics: [
        { type: "accuracy", value: "0.87" },
        { type: "attack_success_rate", value: "0.1" },
      ],
    });
  });

  test("an acceptance against the released baseline passes the release and is recorded in the ML-BOM", async () => {
    const app = await createTestApp();
    const run = await publish(app, [
      {
        id: 3,
        login: "sam",
        body: `/accept-regression accuracy ${RELEASED.digest} fraud mix shifted; tracked in SEC-7`,
      },
    ]);

    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain(
      "| `accuracy` | 0.9 | 0.87 | −0.03 (−3.33333 %) | higher is better, drop ≤ 0.02 | ✅ accepted by @sam: fraud mix shifted; tracked in SEC-7 (was: fell by 0.03, more than 0.02) |",
    );
    expect(uploadedBom(app).components[0].modelCard.properties).toContainEqual({
      name: "modelgate:regression:accepted",
      value: `accuracy against ${RELEASED.digest}: fell by 0.03, more than 0.02; accepted by @sam at 2026-11-28T10:00:00Z: fraud mix shifted; tracked in SEC-7`,
    });
  });

  test("attack: an acceptance judged against the pull request's baseline (an unreleased 2.1.0) does not pass the release", async () => {
    const app = await createTestApp();
    const unreleased = `sha256:${"e".repeat(64)}`;
    const run = await publish(app, [
      { id: 3, login: "sam", body: `/accept-regression accuracy ${unreleased} small step` },
    ]);

    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("| ❌ fell by 0.03, more than 0.02 |");
  });
});
