import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { BASE, HEAD, postComment, replies, world } from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, fraud } from "../fixtures/fraud-detector.js";

/**
 * Anyone with write access can edit the body of an issue modelgate opened. These stories are
 * the attacks of a pull request author who edits the hidden markers: each must end in a check
 * that does not pass, never in borrowed approvals.
 */
const PUSHED = commitSha("pushed");
const REWEIGHTED = repositoryModelFiles(
  fraud({
    version: "2.1.0",
    weights: "weights of 2.1.0, quietly swapped",
    evaluation: { evaluator: "eve", date: "2026-11-25" },
  }),
);

/** PR #7 (by dana) retrains fraud-detector; #100 is its sign-off issue, approved by alice and bob; then dana pushes other weights. */
async function approvedThenReweighted() {
  const app = await createTestApp();
  const w = world({
    commits: [
      { sha: BASE, files: RELEASED.files },
      { sha: HEAD, files: RETRAINED.files },
      { sha: PUSHED, files: REWEIGHTED.files },
    ],
  });
  await app.receive(pullRequestEvent("opened", w.pr, INSTALLATION_ID));
  await postComment(app, w.tracker, 100, "alice", "/approve developer");
  await postComment(app, w.tracker, 100, "bob", "/approve system_operator");
  expect(w.checks.latest(HEAD).conclusion).toBe("success");
  return { app, ...w };
}

/** The identity marker (first line) of a body. */
function identityLine(body: string): string {
  return body.split("\n")[0]!;
}

describe("an approved issue whose marker digest is edited to the new weights", () => {
  test("before the push: the edited issue is ignored, the new digest gets its own issue and the PR waits for its sign-offs", async () => {
    const { app, tracker, checks, pr } = await approvedThenReweighted();
    const approved = tracker.issue(100);
    approved.body = approved.body.replace(`"digest":"${RETRAINED.digest}"`, `"digest":"${REWEIGHTED.digest}"`);
    expect(approved.body).toContain(REWEIGHTED.digest);

    pr.headSha = PUSHED;
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));

    const run = checks.latest(PUSHED);
    expect(run.conclusion).toBe("action_required");
    expect(run.title).toBe("1 model: 2 sign-offs missing");
    const renewed = tracker.appIssues().find((issue) => issue.number !== 100);
    expect(renewed?.number).toBe(101);
    expect(renewed?.body).toContain(`"digest":"${REWEIGHTED.digest}"`);
    expect(run.summary).toContain("https://github.com/acme/models/issues/101");
    expect(run.summary).not.toContain("https://github.com/acme/models/issues/100");
  });

  test("after the push: editing the closed old issue lends nothing to the new digest", async () => {
    const { app, tracker, checks, pr } = await approvedThenReweighted();
    pr.headSha = PUSHED;
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));
    expect(checks.latest(PUSHED).conclusion).toBe("action_required");

    const approved = tracker.issue(100);
    approved.body = approved.body.replace(`"digest":"${RETRAINED.digest}"`, `"digest":"${REWEIGHTED.digest}"`);
    approved.state = "open";
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));

    const run = checks.latest(PUSHED);
    expect(run.conclusion).toBe("action_required");
    expect(run.summary).toContain("https://github.com/acme/models/issues/101");
    expect(tracker.appIssues().map((issue) => issue.number)).toEqual([100, 101]);
  });
});

describe("a valid signed marker copied from the new issue into the approved old one", () => {
  test("attack: the markers are bound to #101, so pasted into #100 (and #101's label removed) they are ignored: nothing is borrowed", async () => {
    const { app, tracker, checks, pr } = await approvedThenReweighted();
    pr.headSha = PUSHED;
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));
    const renewed = tracker.issue(101);
    const approved = tracker.issue(100);
    // both hidden markers of #101, pasted over those of the approved #100; #101 hidden from the label listing
    const [identity, tracking] = renewed.body.split("\n");
    approved.body = [identity, tracking, ...approved.body.split("\n").slice(2)].join("\n");
    approved.state = "open";
    renewed.labels = [];
    expect(identityLine(approved.body)).toBe(identityLine(renewed.body));

    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));
    const run = checks.latest(PUSHED);
    expect(run.conclusion).toBe("action_required");
    expect(run.title).toBe("1 model: 2 sign-offs missing");
    expect(run.summary).not.toContain("https://github.com/acme/models/issues/100");

    // a command on #100 is not a sign-off of anything any more: no reaction, no reply, no re-evaluation
    const before = checks.history.length;
    const answered = replies(tracker, 100);
    const approval = await postComment(app, tracker, 100, "alice", "/approve developer");
    expect(approval.reactions).toEqual([]);
    expect(replies(tracker, 100)).toEqual(answered);
    expect(checks.history.length).toBe(before);
    expect(checks.latest(PUSHED).conclusion).toBe("action_required");
  });
});

describe("a tracking marker edited to drop the pull request's author", () => {
  test("the author's own sign-off is not confirmed, and the check cannot evaluate", async () => {
    const app = await createTestApp();
    const { tracker, checks, pr } = world();
    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    expect(checks.latest(HEAD).conclusion).toBe("action_required");

    const issue = tracker.issue(100);
    expect(issue.body).toContain('"author":"dana"');
    issue.body = issue.body.replace('"author":"dana"', '"author":"someone-else"');

    // dana is an ML engineer: were the tracking trusted, her approval would count for her own PR
    const comment = await postComment(app, tracker, 100, "dana", "/approve developer");
    expect(comment.reactions).not.toContain("+1");
    expect(replies(tracker, 100)).toEqual([
      "@dana modelgate could not verify `/approve developer` (the tracking marker of sign-off issue #100 is missing or was edited, so its authors cannot be trusted), so it is not confirmed and nothing was updated. Please post the command again in a moment.",
    ]);

    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));
    expect(checks.latest(HEAD)).toMatchObject({
      conclusion: "failure",
      title:
        "Could not evaluate: the tracking marker of sign-off issue #100 is missing or was edited, so the authors of fraud-detector 2.1.0 cannot be trusted: close #100 and let modelgate open a new one",
    });
  });
});
