import nock from "nock";
import { pino } from "pino";
import { createProbot, type Probot } from "probot";
import { expect, test } from "vitest";
import { modelgate } from "../../src/index.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { commitSha } from "../fixtures/git-objects.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { APP_ID, INSTALLATION_ID, serveInstallationToken, testMarkerKey, testPrivateKey } from "../helpers/test-app.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;

test("attack: the app as `probot run` loads it (Probot's own Octokit) waits out a secondary rate limit on the check-run write: the pull request still gets its check run", async () => {
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { "README.md": "# Models\n" } },
      { sha: HEAD, files: { "README.md": "# Models and more\n" } },
    ],
  }).servePullRequest(BASE, HEAD);
  serveReviews(OWNER, REPO, PR.number, []);
  serveCheckRunLookup(OWNER, REPO, HEAD);
  nock(GITHUB_API)
    .post(CHECK_RUNS)
    .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" });
  const written: unknown[] = [];
  nock(GITHUB_API)
    .post(CHECK_RUNS, (body: unknown) => Boolean(written.push(body)))
    .reply(201, { id: 7001, name: "modelgate" });
  const slept: number[] = [];

  // as `probot run` builds it: from the environment, with Probot's default Octokit (throttling on, retries on)
  const probot: Probot = createProbot({
    env: { APP_ID: String(APP_ID), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "secret" },
    overrides: { log: pino({ level: "silent" }) },
  });
  await probot.load(
    modelgate({
      clock: () => TEST_NOW,
      markerKey: testMarkerKey(),
      // the waits recorded, not slept
      rateLimitWaits: { sleep: async (ms) => void slept.push(ms) },
    }),
  );
  await probot.receive(pullRequestEvent("opened", PR, INSTALLATION_ID) as Parameters<Probot["receive"]>[0]);

  expect(slept).toEqual([1000]);
  expect(written).toEqual([expect.objectContaining({ name: "modelgate", head_sha: HEAD, conclusion: "success" })]);
});
