import { pino } from "pino";
import { createProbot, type Probot } from "probot";
import { expect, test } from "vitest";
import { modelgate } from "../../src/index.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { commitSha } from "../fixtures/git-objects.js";
import { pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { serveCheckRunWriteUnderSecondaryLimit, serveModelFreePullRequest } from "../helpers/serve-pull-request.js";
import { APP_ID, INSTALLATION_ID, serveInstallationToken, testMarkerKey, testPrivateKey } from "../helpers/test-app.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };

test("attack: the app as `probot run` loads it (Probot's own Octokit) waits out a secondary rate limit on the check-run write: the pull request still gets its check run", async () => {
  serveInstallationToken();
  serveModelFreePullRequest(PR);
  const written = serveCheckRunWriteUnderSecondaryLimit(1, true);
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
