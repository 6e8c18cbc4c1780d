import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { commitSha } from "../helpers/git-objects.js";
import { modelFiles } from "../helpers/model-files.js";
import { servePullRequestAlways } from "../helpers/fake-issue-tracker.js";
import { BASE, HEAD, RELEASED, RETRAINED, fraud, postComment, world } from "../helpers/sign-off-world.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { useNock } from "../helpers/use-nock.js";

useNock();

/**
 * Attacks on what a sign-off is about (docs/security.md): a sign-off approves one model's
 * artefacts for one intent, in the issue modelgate opened for it, and nowhere else.
 */
const CHURN_BASE = commitSha("churn-base");
const CHURN_HEAD = commitSha("churn-head");
const churn = (overrides: Parameters<typeof fraud>[0]) => fraud({ dir: "models/churn", name: "churn-predictor", ...overrides });
const CHURN_V1 = modelFiles(churn({ version: "1.0.0", weights: "churn weights 1.0.0" }));
// retrained to exactly fraud-detector 2.1.0's artefacts: the same digest
const CHURN_COPY = modelFiles(churn({ version: "2.1.0", weights: "weights of 2.1.0", evaluation: { evaluator: "eve", date: "2026-11-20" } }));

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

    const copy: PullRequestFixture = { number: 9, author: "dana", baseRef: "main", baseSha: CHURN_BASE, headSha: CHURN_HEAD };
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
