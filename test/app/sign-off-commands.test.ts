import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID, type TestApp } from "../helpers/test-app.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { OWNER, REPO, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { commitSha } from "../fixtures/git-objects.js";
import { servePullRequestAlways } from "../helpers/fake-issue-tracker.js";
import { BASE, HEAD, deliverComment, postComment, replies, world, type World } from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, fraud } from "../fixtures/fraud-detector.js";
import { endOfLifeMarker } from "../../src/core/end-of-life/marker.js";
import { APP_ID, testIssueMarkerKey } from "../helpers/test-app.js";
import { BOT_LOGIN } from "../helpers/fake-issue-tracker.js";

const ISSUE = 100;
const ISSUE_PATH = `/repos/acme/models/issues/${ISSUE}`;

/** A retrain of fraud-detector in PR #7 by dana, whose sign-off issue #100 is open. */
async function openedPullRequest(options: Parameters<typeof world>[0] = {}): Promise<{ app: TestApp } & World> {
  const app = await createTestApp();
  const w = world(options);
  await app.receive(pullRequestEvent("opened", w.pr, INSTALLATION_ID));
  expect(w.tracker.appIssues().map((i) => i.number)).toEqual([ISSUE]);
  return { app, ...w };
}

function roleRow(w: World, role: string): string | undefined {
  return w.tracker
    .issue(ISSUE)
    .body.split("\n")
    .find((line) => line.startsWith(`| ${role} |`));
}

/** Writes the app made since `from` (requests index): check runs and the issue itself. */
function writesSince(app: TestApp, from: number): string[] {
  return app.requests
    .slice(from)
    .filter((r) => r.method !== "GET" && r.path !== "/graphql" && !r.path.startsWith("/app/"))
    .map((r) => `${r.method} ${r.path}`);
}

describe("authorised approvals", () => {
  test("are acknowledged with 👍, fill the table and flip the PR check from action_required to success", async () => {
    const w = await openedPullRequest();
    const { app, tracker, checks } = w;
    expect(checks.latest(HEAD).conclusion).toBe("action_required");

    const alice = await postComment(app, tracker, ISSUE, "alice", "/approve developer");

    expect(alice.reactions).toEqual(["+1"]);
    expect(roleRow(w, "developer")).toBe("| developer | ✅ approved | @alice | @acme/ml-engineers |");
    expect(roleRow(w, "system_operator")).toBe("| system_operator | ⏳ pending |  | @acme/platform-ops |");
    expect(checks.latest(HEAD)).toMatchObject({ conclusion: "action_required", title: "1 model: 1 sign-off missing" });

    const bob = await postComment(app, tracker, ISSUE, "bob", "/approve system_operator\nThe latency budget holds.");

    expect(bob.reactions).toEqual(["+1"]);
    expect(roleRow(w, "system_operator")).toBe("| system_operator | ✅ approved | @bob | @acme/platform-ops |");
    const run = checks.latest(HEAD);
    expect(run.conclusion).toBe("success");
    expect(run.summary).toContain("signed off by @alice on the sign-off issue");
    expect(run.summary).toContain("signed off by @bob on the sign-off issue");
    expect(replies(tracker, ISSUE)).toEqual([]);
    expect(
      app.logs.filter((line) => line.msg === "modelgate sign-off command").map((line) => [line.login, line.accepted]),
    ).toEqual([
      ["alice", true],
      ["bob", true],
    ]);
  });

  test("a merged pull request is not re-evaluated", async () => {
    const w = await openedPullRequest();
    w.pr.state = "closed";
    const from = w.app.requests.length;

    await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");

    expect(writesSince(w.app, from)).toEqual([
      `POST /repos/acme/models/issues/comments/5000/reactions`,
      `PATCH ${ISSUE_PATH}`,
    ]);
    expect(roleRow(w, "developer")).toBe("| developer | ✅ approved | @alice | @acme/ml-engineers |");
  });
});

describe("a digest carried by two pull requests", () => {
  test("one issue tracks both; a sign-off re-evaluates both, and an author of either cannot sign", async () => {
    const other: PullRequestFixture = {
      number: 8,
      author: "erin",
      baseRef: "main",
      baseSha: BASE,
      headSha: commitSha("erin's head"),
    };
    const w = await openedPullRequest({
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
        { sha: other.headSha, files: RETRAINED.files },
      ],
    });
    servePullRequestAlways(OWNER, REPO, other);
    await w.app.receive(pullRequestEvent("opened", other, INSTALLATION_ID));

    expect(w.tracker.appIssues()).toHaveLength(1);
    expect(w.tracker.issue(ISSUE).body).toContain(
      '"pulls":[{"number":7,"author":"dana","roles":["developer","system_operator"]},{"number":8,"author":"erin","roles":["developer","system_operator"]}]',
    );
    expect(w.tracker.issue(ISSUE).body).toContain(
      "- [#7](https://github.com/acme/models/pull/7)\n- [#8](https://github.com/acme/models/pull/8)",
    );

    const dana = await postComment(w.app, w.tracker, ISSUE, "dana", "/approve developer");
    expect(dana.reactions).toEqual(["confused"]);
    w.teams.members["ml-engineers"]!.push("erin");
    const erin = await postComment(w.app, w.tracker, ISSUE, "erin", "/approve developer");
    expect(erin.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE).at(-1)).toBe(
      "@erin `/approve developer` was refused: @erin is an author of this change, and an author's own sign-off does not count (approvals.allow_author is false).",
    );

    await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");
    await postComment(w.app, w.tracker, ISSUE, "bob", "/approve system_operator");

    expect(w.checks.latest(HEAD).conclusion).toBe("success");
    expect(w.checks.latest(other.headSha).conclusion).toBe("success");
  });
});

describe("a role a release or deployment may ask, which the pull request does not need", () => {
  test("attack: `/approve data_custodian` on a retrain's issue is accepted with 👍 and a reply saying where it counts; the table shows it and the PR still needs its own roles", async () => {
    const w = await openedPullRequest();

    const carol = await postComment(w.app, w.tracker, ISSUE, "carol", "/approve data_custodian");

    expect(carol.reactions).toEqual(["+1"]);
    expect(replies(w.tracker, ISSUE)).toEqual([
      "@carol `/approve data_custodian` is recorded. The pull requests of this model version need developer, system_operator; the approval of data_custodian counts where a release or deployment of it asks for data_custodian (for example when it is compared with an older version or judged as a new model).",
    ]);
    expect(roleRow(w, "data_custodian")).toBe("| data_custodian | ✅ approved | @carol | @acme/data-governance |");
    expect(w.checks.latest(HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 2 sign-offs missing",
    });
    expect(
      w.app.logs.filter((line) => line.msg === "modelgate sign-off command").map((line) => [line.login, line.accepted]),
    ).toEqual([["carol", true]]);
  });
});

describe("refused commands", () => {
  test.each([
    [
      "someone outside the role's teams",
      "mallory",
      "/approve developer",
      "@mallory `/approve developer` was refused: @mallory is not a member of developer (teams: @acme/ml-engineers, users: none).",
    ],
    [
      "the pull request's author",
      "dana",
      "/approve developer",
      "@dana `/approve developer` was refused: @dana is an author of this change, and an author's own sign-off does not count (approvals.allow_author is false).",
    ],
    [
      "a role no gate of the policy asks for",
      "sam",
      "/approve security",
      "@sam `/approve security` was refused: no gate of the policy asks security to sign off this model version; the roles that can sign off are developer, system_operator, data_custodian.",
    ],
  ])("%s: 😕 and a reply naming the reason, no state change", async (_case, login, body, reply) => {
    const w = await openedPullRequest();
    const before = w.tracker.issue(ISSUE).body;
    const from = w.app.requests.length;

    const comment = await postComment(w.app, w.tracker, ISSUE, login, body);

    expect(comment.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE)).toEqual([reply]);
    // only the reaction and the reply are written: no table, no check run
    expect(writesSince(w.app, from)).toEqual([
      `POST /repos/acme/models/issues/comments/${comment.id}/reactions`,
      `POST ${ISSUE_PATH}/comments`,
    ]);
    expect(w.tracker.issue(ISSUE).body).toBe(before);
    expect(w.checks.latest(HEAD).conclusion).toBe("action_required");
  });

  test("one person cannot sign off two roles when distinct_people", async () => {
    const w = await openedPullRequest();

    await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");
    const second = await postComment(w.app, w.tracker, ISSUE, "alice", "/approve system_operator");

    expect(second.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE)).toEqual([
      "@alice `/approve system_operator` was refused: @alice already signed off as developer for this model version, and one person signs off only one role (approvals.distinct_people is true).",
    ]);
    expect(roleRow(w, "system_operator")).toBe("| system_operator | ⏳ pending |  | @acme/platform-ops |");
    expect(w.checks.latest(HEAD).title).toBe("1 model: 1 sign-off missing");
  });

  test("a command refused when posted stays refused after its author joins the role's team", async () => {
    const w = await openedPullRequest();
    await postComment(w.app, w.tracker, ISSUE, "mallory", "/approve developer");
    w.teams.members["ml-engineers"]!.push("mallory");

    // a later, valid sign-off re-evaluates the pull request with mallory now a member
    await postComment(w.app, w.tracker, ISSUE, "bob", "/approve system_operator");

    expect(roleRow(w, "developer")).toBe("| developer | ⏳ pending |  | @acme/ml-engineers |");
    expect(w.checks.latest(HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 1 sign-off missing",
    });
    // a new command counts
    await postComment(w.app, w.tracker, ISSUE, "mallory", "/approve developer");
    expect(w.checks.latest(HEAD).conclusion).toBe("success");
  });

  test("the same refused comment delivered twice gets one reply", async () => {
    const w = await openedPullRequest();

    const comment = await postComment(w.app, w.tracker, ISSUE, "mallory", "/approve developer", {
      id: "comment-delivery",
    });
    await deliverComment(w.app, w.tracker, ISSUE, comment, "created", "comment-delivery");

    expect(replies(w.tracker, ISSUE)).toHaveLength(1);
    expect(comment.reactions).toEqual(["confused"]);
  });

  test("a malformed command gets 😕 and the usage", async () => {
    const w = await openedPullRequest();

    const comment = await postComment(w.app, w.tracker, ISSUE, "alice", "/approve");

    expect(comment.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE)).toEqual(["@alice /approve needs a role: `/approve <role>`"]);
  });

  test("an ordinary comment, or a bot's, is ignored without a single request", async () => {
    const w = await openedPullRequest();
    const from = w.app.requests.length;

    await postComment(w.app, w.tracker, ISSUE, "alice", "Looks good to me, approving after lunch.");
    await postComment(w.app, w.tracker, ISSUE, "dependabot[bot]", "/approve developer", { type: "Bot" });

    expect(w.app.requests.slice(from)).toEqual([]);
  });
});

describe("team membership cannot be read", () => {
  test("fails closed: a reply asks to try again, nothing is acknowledged or updated", async () => {
    const w = await openedPullRequest();
    w.teams.failing = true;
    const from = w.app.requests.length;

    const comment = await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");

    expect(comment.reactions).toEqual([]);
    expect(replies(w.tracker, ISSUE)).toEqual([
      "@alice modelgate could not verify `/approve developer` (GitHub answered 502 while reading the members of the role teams of @acme), so it is not confirmed and nothing was updated. Please post the command again in a moment.",
    ]);
    expect(writesSince(w.app, from)).toEqual([`POST ${ISSUE_PATH}/comments`]);
    expect(w.app.logs).toContainEqual(
      expect.objectContaining({ msg: "modelgate could not verify a sign-off command", login: "alice", status: 502 }),
    );

    // once GitHub answers again, the same command posted again is accepted
    w.teams.failing = false;
    const again = await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");
    expect(again.reactions).toEqual(["+1"]);
  });
});

describe("edited and deleted comments", () => {
  test("a comment edited into /approve does not count", async () => {
    const w = await openedPullRequest();
    const comment = await postComment(w.app, w.tracker, ISSUE, "alice", "I will review the weights tomorrow.");

    w.tracker.editComment(comment, "/approve developer");
    await deliverComment(w.app, w.tracker, ISSUE, comment, "edited", undefined, "I will review the weights tomorrow.");

    expect(comment.reactions).toEqual([]);
    expect(replies(w.tracker, ISSUE)).toEqual([]);
    expect(roleRow(w, "developer")).toBe("| developer | ⏳ pending |  | @acme/ml-engineers |");
    expect(w.checks.latest(HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 2 sign-offs missing",
    });
  });

  test("editing or deleting an approval withdraws it: the PR check goes back to action_required", async () => {
    const w = await openedPullRequest();
    const alice = await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");
    const bob = await postComment(w.app, w.tracker, ISSUE, "bob", "/approve system_operator");
    expect(w.checks.latest(HEAD).conclusion).toBe("success");

    w.tracker.editComment(alice, "/approve developer (after checking the eval report)");
    await deliverComment(w.app, w.tracker, ISSUE, alice, "edited", undefined, "/approve developer");

    expect(roleRow(w, "developer")).toBe("| developer | ⏳ pending |  | @acme/ml-engineers |");
    expect(w.checks.latest(HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 1 sign-off missing",
    });

    w.tracker.deleteComment(bob);
    await deliverComment(w.app, w.tracker, ISSUE, bob, "deleted");

    expect(roleRow(w, "system_operator")).toBe("| system_operator | ⏳ pending |  | @acme/platform-ops |");
    expect(w.checks.latest(HEAD).title).toBe("1 model: 2 sign-offs missing");
  });
});

describe("/reject then /revoke", () => {
  test("a rejection blocks the role until its holder revokes it", async () => {
    const w = await openedPullRequest();
    await postComment(w.app, w.tracker, ISSUE, "alice", "/approve developer");

    const rejection = await postComment(
      w.app,
      w.tracker,
      ISSUE,
      "bob",
      "/reject system_operator p99 latency doubled in the canary",
    );

    expect(rejection.reactions).toEqual(["+1"]);
    expect(roleRow(w, "system_operator")).toBe(
      "| system_operator | ❌ rejected: p99 latency doubled in the canary | @bob | @acme/platform-ops |",
    );
    expect(w.checks.latest(HEAD).summary).toContain("rejected by @bob: p99 latency doubled in the canary");
    expect(w.checks.latest(HEAD).conclusion).toBe("action_required");

    // approving over a standing rejection is refused: it must be revoked first
    const tooEarly = await postComment(w.app, w.tracker, ISSUE, "bob", "/approve system_operator");
    expect(tooEarly.reactions).toEqual(["confused"]);

    const revocation = await postComment(w.app, w.tracker, ISSUE, "bob", "/revoke system_operator");
    expect(revocation.reactions).toEqual(["+1"]);
    expect(roleRow(w, "system_operator")).toBe("| system_operator | ⏳ pending |  | @acme/platform-ops |");

    await postComment(w.app, w.tracker, ISSUE, "bob", "/approve system_operator");
    expect(w.checks.latest(HEAD).conclusion).toBe("success");
  });
});

describe("break glass", () => {
  const declared = sha256("weights of 2.1.0");
  const tampered = repositoryModelFiles(
    fraud({
      version: "2.1.0",
      weights: "weights of 2.1.0, hotfixed",
      declaredWeightsSha: declared,
      evaluation: { evaluator: "eve", date: "2026-11-20" },
    }),
  );
  const commits = [
    { sha: BASE, files: RELEASED.files },
    { sha: HEAD, files: tampered.files },
  ];

  test("/override by a holder of an override role turns the failing gate into success, on the check run, the issue and the decision log", async () => {
    const w = await openedPullRequest({ commits });
    expect(w.checks.latest(HEAD).conclusion).toBe("failure");

    const override = await postComment(
      w.app,
      w.tracker,
      ISSUE,
      "sam",
      "/override hotfix for incident 42, re-hash follows",
    );

    expect(override.reactions).toEqual(["+1"]);
    const run = w.checks.latest(HEAD);
    expect(run.conclusion).toBe("success");
    expect(run.summary).toContain("> ⚠️ **Overridden by @sam:** hotfix for incident 42, re-hash follows");
    expect(w.tracker.issue(ISSUE).body).toContain(
      "> ⚠️ **Overridden by @sam:** hotfix for incident 42, re-hash follows",
    );
    const decisions = w.app.logs.filter((line) => line.msg === "modelgate decision");
    expect(decisions.at(-1)).toMatchObject({
      verdict: "success",
      models: [
        expect.objectContaining({
          name: "fraud-detector",
          verdict: "success",
          override: { by: "sam", reason: "hotfix for incident 42, re-hash follows", at: expect.any(String) },
        }),
      ],
    });
  });

  test("/override by anyone else is refused and the gate keeps failing", async () => {
    const w = await openedPullRequest({ commits });

    const attempt = await postComment(w.app, w.tracker, ISSUE, "alice", "/override we need this today");

    expect(attempt.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE)).toEqual([
      "@alice `/override` was refused: @alice may not override: only a holder of the role security (teams: none, users: @sam) may.",
    ]);
    expect(w.checks.latest(HEAD).conclusion).toBe("failure");
    expect(w.tracker.issue(ISSUE).body).not.toContain("Overridden");
  });
});

describe("comments on other issues", () => {
  test("a command on an end-of-life issue of this app goes to the end-of-life workflow", async () => {
    const w = await openedPullRequest();
    const eol = w.tracker.addIssue({
      title: "End of life: fraud-detector 2.0.0",
      body: "",
      labels: ["model-eol"],
      appId: APP_ID,
      author: BOT_LOGIN,
    });
    eol.body = `${endOfLifeMarker({ model: "fraud-detector", digest: RELEASED.digest }, testIssueMarkerKey(eol.number))}\n## End of life`;

    const comment = await postComment(w.app, w.tracker, eol.number, "sam", "/override the data is already gone");

    // break glass does not apply to an end-of-life issue: that workflow refuses it
    expect(comment.reactions).toEqual(["confused"]);
    expect(w.tracker.issue(eol.number).comments.filter((c) => c.type === "Bot")).toHaveLength(1);
    expect(replies(w.tracker, ISSUE)).toEqual([]);
  });

  test("a command on a plain issue is ignored without a single request", async () => {
    const w = await openedPullRequest();
    const plain = w.tracker.addIssue({
      title: "Question",
      body: "How do I sign off?",
      labels: [],
      appId: null,
      author: "alice",
    });
    const from = w.app.requests.length;

    await postComment(w.app, w.tracker, plain.number, "alice", "/approve developer");

    expect(w.app.requests.slice(from)).toEqual([]);
  });
});
