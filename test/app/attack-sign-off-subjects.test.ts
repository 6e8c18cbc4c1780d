import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { servePullRequestAlways } from "../helpers/fake-issue-tracker.js";
import { BASE, HEAD, POLICY, postComment, replies, world } from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, fraud } from "../fixtures/fraud-detector.js";
import { APP_ID, testIssueMarkerKey } from "../helpers/test-app.js";
import { BOT_LOGIN } from "../helpers/fake-issue-tracker.js";
import { MAX_TRACKED_PULLS, signOffIssueBody } from "../../src/core/sign-off/issue.js";
import { parsePolicy } from "../../src/core/policy/load-policy.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";

/**
 * Attacks on what a sign-off is about (docs/security.md): a sign-off approves one model's
 * artefacts for one intent, in the issue modelgate opened for it, and nowhere else.
 */
const CHURN_BASE = commitSha("churn-base");
const CHURN_HEAD = commitSha("churn-head");
const churn = (overrides: Parameters<typeof fraud>[0]) =>
  fraud({ dir: "models/churn", name: "churn-predictor", ...overrides });
const CHURN_V1 = repositoryModelFiles(churn({ version: "1.0.0", weights: "churn weights 1.0.0" }));
// retrained to exactly fraud-detector 2.1.0's artefacts: the same digest
const CHURN_COPY = repositoryModelFiles(
  churn({ version: "2.1.0", weights: "weights of 2.1.0", evaluation: { evaluator: "eve", date: "2026-11-20" } }),
);

describe("attack: a model retrained to byte-identical artefacts of another, signed-off model", () => {
  test("borrows none of the other model's sign-offs: it gets its own issue and waits", async () => {
    expect(CHURN_COPY.digest).toBe(RETRAINED.digest);
    const app = await createTestApp();
    const { tracker, checks, pr } = world({
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
        { sha: CHURN_BASE, files: { ...RETRAINED.files, ...CHURN_V1.files } },
        { sha: CHURN_HEAD, files: { ...RETRAINED.files, ...CHURN_COPY.files } },
      ],
    });
    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    await postComment(app, tracker, 100, "alice", "/approve developer");
    await postComment(app, tracker, 100, "bob", "/approve system_operator");
    expect(checks.latest(HEAD).conclusion).toBe("success");

    const copy: PullRequestFixture = {
      number: 9,
      author: "dana",
      baseRef: "main",
      baseSha: CHURN_BASE,
      headSha: CHURN_HEAD,
    };
    servePullRequestAlways(OWNER, REPO, copy);
    await app.receive(pullRequestEvent("opened", copy, INSTALLATION_ID));

    const run = checks.latest(CHURN_HEAD);
    expect(run.conclusion).toBe("action_required");
    expect(run.title).toBe("1 model: 2 sign-offs missing");
    expect(run.summary).toContain("https://github.com/acme/models/issues/101");
    expect(run.summary).not.toContain("https://github.com/acme/models/issues/100");
    const issue = tracker.issue(101);
    expect(issue.title).toBe("Sign-off: churn-predictor 2.1.0");
    expect(issue.body).toContain(`"model":"churn-predictor"`);
    // fraud-detector's issue and its approvals are untouched
    expect(tracker.issue(100).state).toBe("open");
  });
});

describe("attack: an author pushed out of a capped list of pull requests", () => {
  test("stays an author of the version: their own sign-off is refused after a hundred more pull requests carried it", async () => {
    const app = await createTestApp();
    const latest: PullRequestFixture = { number: 500, author: "erin", baseRef: "main", baseSha: BASE, headSha: HEAD };
    const { tracker, checks, pr } = world({ pr: latest });
    // #100 tracks 100 pull requests already; the oldest, #1, is dana's (an ML engineer: a developer)
    const read = parsePolicy(POLICY);
    if (!read.ok) throw new Error("policy");
    const pulls = Array.from({ length: MAX_TRACKED_PULLS }, (_, i) => ({
      number: i + 1,
      author: i === 0 ? "dana" : "xavier",
      roles: ["developer", "system_operator"],
    }));
    // they were merged long ago: the command handler finds them closed
    for (const p of pulls)
      servePullRequestAlways(OWNER, REPO, {
        number: p.number,
        author: p.author,
        baseRef: "main",
        baseSha: BASE,
        headSha: commitSha(`old-${p.number}`),
        state: "closed",
      });
    const ref = { model: "fraud-detector", version: "2.1.0", digest: RETRAINED.digest };
    const issue = tracker.addIssue({
      title: "Sign-off: fraud-detector 2.1.0",
      body: "",
      labels: ["modelgate:sign-off"],
      appId: APP_ID,
      author: BOT_LOGIN,
    });
    expect(issue.number).toBe(100);
    issue.body = signOffIssueBody({
      ref,
      tracking: { manifestPath: "models/fraud/model.yaml", kinds: ["retrain"], pulls },
      state: undefined,
      policy: read.policy,
      org: OWNER,
      repositoryUrl: "https://github.com/acme/models",
      markerKey: testIssueMarkerKey(100),
    });

    // #500 pushes #1 out of the list
    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    expect(checks.latest(HEAD).conclusion).toBe("action_required");
    expect(tracker.issue(100).body).not.toContain('{"number":1,"author":"dana"');
    expect(tracker.issue(100).body).toContain('"formerAuthors":["dana"]');

    const approval = await postComment(app, tracker, 100, "dana", "/approve developer");
    expect(approval.reactions).not.toContain("+1");
    expect(replies(tracker, 100).at(-1)).toContain("@dana is an author of this change");
    expect(checks.latest(HEAD).conclusion).toBe("action_required");
  });
});
