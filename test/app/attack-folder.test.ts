import { describe, expect, test } from "vitest";
import { folderDigest, modelDigest } from "../../src/core/manifest/digest.js";
import { FakeRepository } from "../helpers/fake-repository.js";
import { commitSha, lfsPointerFor, sha256 } from "../fixtures/git-objects.js";
import { THREATS } from "../fixtures/threats.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };

/** A model whose weights are a folder of shards, declared `verified: false` with the sha256 `declared`. */
function shardedModel(version: string, shards: Record<string, string>, declared: string): Record<string, string> {
  const components = [{ path: "weights", kind: "weights" as const, sha256: declared }];
  const manifest = [
    "name: sharded",
    `version: ${version}`,
    "modalities: [text]",
    "components:",
    "  - path: weights",
    "    kind: weights",
    `    sha256: ${declared}`,
    "    verified: false",
    "    justification: shards are hashed upstream",
    "training_data: []",
    "evaluations:",
    `  - version: ${version}`,
    `    model_digest: ${modelDigest(components)}`,
    "    date: 2026-11-20",
    "    evaluator: eve",
    "    result: pass",
    `    threats: {${THREATS.map((t) => `${t}: tested`).join(", ")}}`,
    "",
  ].join("\n");
  return {
    "models/sharded/model.yaml": manifest,
    ...Object.fromEntries(Object.entries(shards).map(([path, content]) => [`models/sharded/weights/${path}`, content])),
  };
}

const SHARDS = { "shard-1.safetensors": lfsPointerFor("shard one"), "shard-2.safetensors": lfsPointerFor("shard two") };
const DECLARED = folderDigest(
  Object.entries(SHARDS).map(([relativePath]) => ({
    relativePath,
    sha256: sha256(relativePath === "shard-1.safetensors" ? "shard one" : "shard two"),
  })),
);

describe("attack: new weights inside a folder component that keeps its declared hash", () => {
  test("fail the gate: the folder is hashed from its files, verified: false or not, so the old digest's sign-offs cannot apply", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    const retrained = { ...SHARDS, "shard-2.safetensors": lfsPointerFor("shard two, retrained") };
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: shardedModel("1.0.0", SHARDS, DECLARED) },
        { sha: HEAD, files: shardedModel("1.1.0", retrained, DECLARED) },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, 7, []);
    new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));

    const body = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as {
      conclusion: string;
      output: { summary: string; annotations?: Array<{ message: string }> };
    };
    expect(body.conclusion).toBe("failure");
    const actual = folderDigest([
      { relativePath: "shard-1.safetensors", sha256: sha256("shard one") },
      { relativePath: "shard-2.safetensors", sha256: sha256("shard two, retrained") },
    ]);
    expect(body.output.annotations?.map((a) => a.message)).toEqual(
      expect.arrayContaining([
        `models/sharded/weights: declared ${DECLARED}, the folder digest is ${actual} [5.2.4-1.2]`,
        expect.stringContaining("weights changed but its declared sha256 did not"),
      ]),
    );
  });
});
