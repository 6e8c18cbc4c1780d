import { describe, expect, test } from "vitest";
import { signOffMarker } from "../../src/core/sign-off/marker.js";
import { renderTrackingMarker } from "../../src/core/sign-off/issue.js";
import type { FileFixture } from "../helpers/fake-repository.js";
import type { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud, withEvaluationRecord } from "../fixtures/fraud-detector.js";
import { serveCheckRunCreate, serveCheckRunLookup } from "../helpers/serve-github.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";
import { serveReleaseCheckOf, serveReleases, serveTag } from "../helpers/serve-releases.js";
import { APP_ID, createTestApp, INSTALLATION_ID, testIssueMarkerKey, type TestApp } from "../helpers/test-app.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import type { ReleaseFixture } from "../fixtures/payloads/lifecycle.js";

const API = `/repos/${OWNER}/${REPO}`;
const BASE = commitSha("main");
const HEAD = commitSha("rollback");
const V2_COMMIT = commitSha("v2.0.0");
const V19_COMMIT = commitSha("v1.9.0");
const PR: PullRequestFixture = { number: 8, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };

const FRAUD_20 = repositoryModelFiles(fraud({}));
const FRAUD_19 = repositoryModelFiles(
  fraud({ version: "1.9.0", weights: "weights of 1.9.0", evaluation: { evaluator: "eve", date: "2026-09-01" } }),
);
const V2: ReleaseFixture = { id: 100, tag: "v2.0.0", publishedAt: "2026-10-01T10:00:00Z" };
const V19: ReleaseFixture = { id: 99, tag: "v1.9.0", publishedAt: "2026-09-02T10:00:00Z" };

/** A release, the commit its tag names, what that commit holds, and whether its gate passed. */
interface ReleasedCommit {
  release: ReleaseFixture;
  commit: string;
  files: Record<string, FileFixture>;
  conclusion: "success" | "failure";
}

/** A PR from main (fraud 2.0.0) back to `head` files; the releases and what their commits hold. */
function serveRollback(
  head: Record<string, FileFixture>,
  releases: ReleasedCommit[],
  policy?: string,
): FakeIssueTracker {
  return serveRollbackFrom(FRAUD_20.files, head, releases, policy);
}

/**
 * serveRollback with the base branch's files given; `movedOn`: main moved on since the PR branched
 * off (the PR's base is main's new head, the files given are the merge base's) and holds these files now.
 */
function serveRollbackFrom(
  base: Record<string, FileFixture>,
  head: Record<string, FileFixture>,
  releases: ReleasedCommit[],
  policy?: string,
  movedOn?: { pr: PullRequestFixture; files: Record<string, FileFixture> },
): FakeIssueTracker {
  const { repository, tracker } = servePullRequestScenario(
    movedOn?.pr ?? PR,
    { base, head },
    {
      ...(policy ? { policy } : {}),
      ...(movedOn ? { mergeBase: BASE } : {}),
    },
  );
  repository.addCommits(releases.map((r) => ({ sha: r.commit, files: r.files })));
  // files read at `HEAD:<path>` are the default branch's head
  if (movedOn) repository.addCommits([{ sha: "HEAD", files: movedOn.files }]);
  serveReleases(
    OWNER,
    REPO,
    releases.map((r) => r.release),
  );
  for (const r of releases) {
    serveTag(OWNER, REPO, r.release.tag, r.commit);
    serveReleaseCheckOf(OWNER, REPO, r.commit, r.conclusion);
    if (r.conclusion === "success") repository.serveTree(r.commit);
  }
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
  return tracker;
}

function createdCheckRun(app: TestApp): { conclusion: string; output: { title: string; summary: string } } {
  const creates = app.requestsTo("POST", `${API}/check-runs`);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as { conclusion: string; output: { title: string; summary: string } };
}

/** The sign-off issue the version got when it first went through a pull request (closed when 2.0.0 replaced it). */
function addSignedOffIssue(tracker: FakeIssueTracker): number {
  const ref = { model: "fraud-detector", version: "1.9.0", digest: FRAUD_19.digest };
  const issue = tracker.addIssue({
    title: "Sign-off: fraud-detector 1.9.0",
    body: "",
    labels: ["modelgate:sign-off"],
    appId: APP_ID,
    author: "modelgate[bot]",
    state: "closed",
  });
  // markers are bound to the issue that holds them
  const key = testIssueMarkerKey(issue.number);
  const tracking = renderTrackingMarker(
    {
      manifestPath: "models/fraud/model.yaml",
      kinds: ["retrain"],
      pulls: [{ number: 3, author: "dave", roles: ["developer", "system_operator"] }],
    },
    ref,
    key,
  );
  issue.body = `${signOffMarker(ref, key)}\n${tracking}\n## Sign-off`;
  return issue.number;
}

const RELEASES = [
  { release: V2, commit: V2_COMMIT, files: FRAUD_20.files, conclusion: "success" as const },
  { release: V19, commit: V19_COMMIT, files: FRAUD_19.files, conclusion: "success" as const },
];

describe("rollback story: a pull request that restores a known good version", () => {
  test("passes without a new evaluation or sign-off, and the check run cites the release and the sign-off issue", async () => {
    const app = await createTestApp();
    const tracker = serveRollback(FRAUD_19.files, RELEASES);
    const issue = addSignedOffIssue(tracker);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain(
      `known good: fraud-detector 1.9.0, released in v1.9.0, signed off in #${issue}`,
    );
    // the rollback's only other checks: the artefacts are still what the manifest says
    expect(run.output.summary).not.toContain("version.not_lowered");
    expect(run.output.summary).toContain("weights/model.safetensors");
  });

  test("a version whose release failed its gate is not known good: the version rule and the sign-offs stand", async () => {
    const app = await createTestApp();
    const tracker = serveRollback(FRAUD_19.files, [RELEASES[0]!, { ...RELEASES[1]!, conclusion: "failure" }]);
    addSignedOffIssue(tracker);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).not.toContain("known good");
  });

  test("with rollback: off, a restored version goes through its gate like any change", async () => {
    const app = await createTestApp();
    servePullRequestScenario(PR, { base: FRAUD_20.files, head: FRAUD_19.files }, { policy: "rollback: off\n" });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(createdCheckRun(app).conclusion).toBe("failure");
    expect(app.requestsTo("GET", `${API}/releases`)).toEqual([]);
  });

  test("attack: a later failed re-evaluation of the restored digest on the base branch ends known good, and the ordinary gate fails", async () => {
    const app = await createTestApp();
    // main (2.0.0) keeps the record of 1.9.0's re-evaluation: the same artefacts failed on 2026-11-25
    const main = withEvaluationRecord(FRAUD_20, {
      version: "1.9.0",
      digest: FRAUD_19.digest,
      date: "2026-11-25",
      evaluator: "eve",
      result: "fail",
    });
    const tracker = serveRollbackFrom(main, FRAUD_19.files, RELEASES);
    addSignedOffIssue(tracker);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain(
      "but its evaluation no longer counts: re-evaluate these artefacts to restore it",
    );
    expect(run.output.summary).toContain(
      "the evaluation of 2026-11-25 (recorded in the base branch) failed (result: fail)",
    );
  });

  test("attack: a failed re-evaluation that landed on the default branch after the pull request branched off still ends known good", async () => {
    const app = await createTestApp();
    // the merge base (main when the PR branched) has no record of it; main now does: 1.9.0's artefacts failed on 2026-11-25
    const mainNow = withEvaluationRecord(FRAUD_20, {
      version: "1.9.0",
      digest: FRAUD_19.digest,
      date: "2026-11-25",
      evaluator: "eve",
      result: "fail",
    });
    const stale: PullRequestFixture = { ...PR, baseSha: commitSha("main now") };
    const tracker = serveRollbackFrom(FRAUD_20.files, FRAUD_19.files, RELEASES, undefined, {
      pr: stale,
      files: mainNow,
    });
    addSignedOffIssue(tracker);

    await app.receive(pullRequestEvent("opened", stale, INSTALLATION_ID));

    const run = createdCheckRun(app);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain(
      "the evaluation of 2026-11-25 (recorded in the default branch) failed (result: fail)",
    );
  });
});
