import { describe, expect, test } from "vitest";
import { APP_ID, createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { checkRunEvent, pullRequestEvent } from "../fixtures/payloads/index.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { BOT_LOGIN } from "../helpers/fake-issue-tracker.js";
import {
  BASE,
  HEAD,
  PR,
  POLICY,
  identitySig,
  postComment,
  replies,
  trackingLine,
  world,
} from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, churn, fraud } from "../fixtures/fraud-detector.js";
import { testDatabase } from "../helpers/database.js";
import { postgresCoordination } from "../../src/store/coordination.js";
import { OPENING_ISSUE_BODY } from "../../src/github/sign-off-issues.js";

const ISSUES = "/repos/acme/models/issues";
const DIGEST_HEX = RETRAINED.digest.replace("sha256:", "");
/** The create-once record of the issue, in the database every replica shares: the digest and (hashed) the model, two models may hold the same artefacts. */
const CREATE_KEY = `acme/models:sign-off-${DIGEST_HEX}-${sha256("fraud-detector").slice(0, 16)}`;

/** The body of the sign-off issue of fraud-detector 2.1.0 as first opened for PR #7. */
const SUBJECT = { model: "fraud-detector", version: "2.1.0", digest: RETRAINED.digest, intent: "ship" } as const;
const OPENED_BODY = [
  `<!-- modelgate:sign-off {"model":"fraud-detector","version":"2.1.0","digest":"${RETRAINED.digest}","sig":"${identitySig(SUBJECT)}"} -->`,
  trackingLine(
    SUBJECT,
    `{"manifestPath":"models/fraud/model.yaml","kinds":["retrain"],"evaluation":{"date":"2026-11-20","evaluator":"eve","result":"pass"},"pulls":[{"number":7,"author":"dana","roles":["developer","system_operator"]}]}`,
  ),
  "## Sign-off: fraud-detector 2.1.0",
  "",
  "This issue collects the sign-offs that **fraud-detector 2.1.0** needs before it may be merged, released or deployed (EN 304 223 5.1.4-3, human oversight). A sign-off counts only for the digest below: new artefacts need a new sign-off issue.",
  "",
  "| | |",
  "|---|---|",
  "| Manifest | `models/fraud/model.yaml` |",
  `| Digest | \`${RETRAINED.digest}\` |`,
  "| Changes | `retrain` |",
  "| Security evaluation | ✅ pass by @eve on 2026-11-20 |",
  "",
  "### Required roles",
  "",
  "| Role | State | By | Who can sign |",
  "|---|---|---|---|",
  "| developer | ⏳ pending |  | @acme/ml-engineers |",
  "| system_operator | ⏳ pending |  | @acme/platform-ops |",
  "",
  "### How to sign off",
  "",
  "Post a **new comment** whose first line is one command:",
  "",
  "- `/approve <role>` — approve this model version as a holder of `<role>`",
  "- `/reject <role> <reason>` — reject it, with the reason",
  "- `/revoke <role>` — withdraw the approval or rejection standing for `<role>`",
  "- `/override <reason>` — break glass: let the gate pass despite failing requirements (holders of an override role only; the reason is recorded)",
  "",
  "Only a current holder of the role can sign for it, the pull request author cannot sign, and one person signs for one role only (unless the policy says otherwise). Edited or deleted comments never count: post a new comment instead. Pull request reviews by role holders count too where the policy allows.",
  "",
  "### Pull requests",
  "",
  "- [#7](https://github.com/acme/models/pull/7)",
  "",
].join("\n");

describe("the first evaluation of a gated pull request", () => {
  test("records the digest's issue in the database, creates the label and opens ONE sign-off issue, linked from the check run", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world();

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(await createdRecords()).toEqual([{ key: CREATE_KEY, times: 1 }]);
    // nothing of modelgate's bookkeeping is written to the repository
    expect(app.requests.filter((r) => r.path.includes("/git/refs"))).toEqual([]);
    expect(app.requestsTo("POST", "/repos/acme/models/labels").map((r) => r.body)).toEqual([
      {
        name: "modelgate:sign-off",
        color: "5319e7",
        description: "modelgate: sign-off of a model version by its accountable roles",
      },
    ]);
    // opened first, then its signed body: the markers are bound to the issue's number, known only once it exists
    expect(app.requestsTo("POST", ISSUES).map((r) => r.body)).toEqual([
      { title: "Sign-off: fraud-detector 2.1.0", labels: ["modelgate:sign-off"], body: OPENING_ISSUE_BODY },
    ]);
    expect(app.requestsTo("PATCH", `${ISSUES}/100`).map((r) => r.body)).toEqual([{ body: OPENED_BODY }]);
    // a fresh issue has no comments to read, and its body is already right
    expect(app.requestsTo("GET", `${ISSUES}/100/comments`)).toEqual([]);
    expect(tracker.graphqlRequests).toEqual([]);

    const run = checks.latest(HEAD);
    expect(run.conclusion).toBe("action_required");
    expect(run.actions.map((a) => a.identifier)).toEqual(["open-sign-off", "reevaluate"]);
    expect(run.summary).toContain(
      "comments `/approve <role>` on the [sign-off issue](https://github.com/acme/models/issues/100)",
    );
    expect(tracker.appIssues()).toHaveLength(1);
  });

  test("an existing label is kept: GitHub's 422 already_exists is expected", async () => {
    const app = await createTestApp();
    const { tracker } = world();
    tracker.labelExists = true;

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(app.requestsTo("POST", "/repos/acme/models/labels")).toHaveLength(1);
    expect(tracker.appIssues().map((i) => i.labels)).toEqual([["modelgate:sign-off"]]);
  });

  test("the same delivery again finds the issue and opens no second one", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world();
    const event = { ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "same-delivery" };

    await app.receive(event);
    await app.receive(event);

    expect(app.requestsTo("POST", ISSUES)).toHaveLength(1);
    expect(await createdRecords()).toEqual([{ key: CREATE_KEY, times: 1 }]);
    // the second time the comments are read (there are none), in one batched GraphQL request, and nothing is written to the issue
    expect(tracker.graphqlRequests).toEqual([[100]]);
    expect(app.requestsTo("GET", `${ISSUES}/100/comments`)).toEqual([]);
    // only the write that completed the opening
    expect(app.requestsTo("PATCH", `${ISSUES}/100`)).toHaveLength(1);
    expect(tracker.appIssues()).toHaveLength(1);
    expect(checks.runs).toHaveLength(1);
  });

  test("two deliveries at the same time open exactly one issue", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world();

    await Promise.all([
      app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "delivery-a" }),
      app.receive({ ...pullRequestEvent("synchronize", PR, INSTALLATION_ID), id: "delivery-b" }),
    ]);

    expect(app.requestsTo("POST", ISSUES)).toHaveLength(1);
    expect(tracker.appIssues()).toHaveLength(1);
    // both deliveries wrote the check run — the same one: the second found the first's — and both link the one issue
    expect(checks.history).toHaveLength(2);
    expect(checks.runs).toHaveLength(1);
    for (const write of checks.history) expect(write.summary).toContain("https://github.com/acme/models/issues/100");
  });
});

describe("a pull request changing two gated models", () => {
  test("opens one issue per model version and asks for the label once", async () => {
    const app = await createTestApp();
    const { tracker } = world({
      commits: [
        { sha: BASE, files: { ...RELEASED.files, ...churn("1.0.0", "churn 1").files } },
        { sha: HEAD, files: { ...RETRAINED.files, ...churn("1.1.0", "churn 2").files } },
      ],
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(tracker.appIssues().map((i) => i.title)).toEqual([
      "Sign-off: churn 1.1.0",
      "Sign-off: fraud-detector 2.1.0",
    ]);
    expect(app.requestsTo("POST", "/repos/acme/models/labels")).toHaveLength(1);
    expect(app.requestsTo("GET", /^\/repos\/acme\/models\/issues\?/)).toHaveLength(1);
  });
});

describe("replicas sharing one database", () => {
  test("the same deliveries to two replicas at once open exactly one issue and one check run", async () => {
    const [replicaA, replicaB] = [await createTestApp(), await createTestApp()];
    const { tracker, checks } = world();

    await Promise.all([
      replicaA.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "delivery-a" }),
      replicaB.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "delivery-a" }),
      replicaB.receive({ ...pullRequestEvent("synchronize", PR, INSTALLATION_ID), id: "delivery-b" }),
    ]);

    expect([...replicaA.requestsTo("POST", ISSUES), ...replicaB.requestsTo("POST", ISSUES)]).toHaveLength(1);
    expect(tracker.appIssues()).toHaveLength(1);
    expect(checks.runs).toHaveLength(1);
    expect([
      ...replicaA.requestsTo("POST", "/repos/acme/models/check-runs"),
      ...replicaB.requestsTo("POST", "/repos/acme/models/check-runs"),
    ]).toHaveLength(1);
  });

  test("an issue another replica created that GitHub does not list yet is awaited and used, never opened twice", async () => {
    const app = await createTestApp({
      coordination: postgresCoordination((await testDatabase()).pool, { waitsMs: [5, 5, 5] }),
    });
    const { tracker, checks } = world();
    await recordCreatedElsewhere(CREATE_KEY);
    tracker.createdElsewhere(3, {
      title: "Sign-off: fraud-detector 2.1.0",
      body: OPENED_BODY,
      labels: ["modelgate:sign-off"],
      state: "open",
      stateReason: null,
      appId: APP_ID,
      author: BOT_LOGIN,
      comments: [],
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    // listed by the evaluation, under the lock, then after each short wait until it shows
    expect(app.requestsTo("GET", /^\/repos\/acme\/models\/issues\?/)).toHaveLength(3);
    expect(app.requestsTo("POST", ISSUES)).toEqual([]);
    expect(tracker.issues).toHaveLength(1);
    expect(checks.latest(HEAD).summary).toContain("https://github.com/acme/models/issues/100");
  });

  test("a recorded issue that never shows (deleted) is opened again after the waits", async () => {
    const app = await createTestApp({
      coordination: postgresCoordination((await testDatabase()).pool, { waitsMs: [5, 5] }),
    });
    const { checks } = world();
    await recordCreatedElsewhere(CREATE_KEY);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(app.requestsTo("POST", ISSUES)).toHaveLength(1);
    expect(await createdRecords()).toEqual([{ key: CREATE_KEY, times: 2 }]);
    expect(checks.latest(HEAD).conclusion).toBe("action_required");
  });

  test("an issue that cannot be created records nothing, and the check run says it could not evaluate", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world();
    // the repository has disabled issues: GitHub answers 410 Gone
    tracker.issuesDisabled = true;

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(await createdRecords()).toEqual([]);
    expect(checks.latest(HEAD)).toMatchObject({
      conclusion: "failure",
      title:
        "Could not evaluate: GitHub answered 410 while opening the sign-off issue of fraud-detector 2.1.0 of acme/models (issues are turned off: turn them on, or set approvals.via to [review] and overrides.roles to [] in the policy)",
    });
  });
});

async function createdRecords(): Promise<Array<{ key: string; times: number }>> {
  const { rows } = await (
    await testDatabase()
  ).pool.query<{ key: string; times: number }>("SELECT key, times FROM modelgate.created_once ORDER BY key");
  return rows;
}

async function recordCreatedElsewhere(key: string): Promise<void> {
  await (await testDatabase()).pool.query("INSERT INTO modelgate.created_once (key) VALUES ($1)", [key]);
}

describe("an issue someone else opened with a copied marker", () => {
  test("is ignored: the app opens its own, and commands on the forged one do nothing", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world();
    const forged = tracker.addIssue({
      title: "Sign-off: fraud-detector 2.1.0",
      body: OPENED_BODY,
      labels: ["modelgate:sign-off"],
      appId: null,
      author: "mallory",
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(app.requestsTo("POST", ISSUES)).toHaveLength(1);
    const own = tracker.appIssues();
    expect(own.map((i) => i.number)).toEqual([forged.number + 1]);
    expect(checks.latest(HEAD).summary).toContain(`https://github.com/acme/models/issues/${own[0]!.number}`);

    const before = app.requests.length;
    const comment = await postComment(app, tracker, forged.number, "alice", "/approve developer");
    expect(app.requests.slice(before)).toEqual([]);
    expect(comment.reactions).toEqual([]);
    expect(checks.latest(HEAD).conclusion).toBe("action_required");
  });
});

describe("new weights pushed to the pull request", () => {
  test("open a new issue for the new digest and close the old one with a link; old sign-offs do not count", async () => {
    const app = await createTestApp();
    const pushed = commitSha("pushed");
    const reweighted = repositoryModelFiles(
      fraud({
        version: "2.1.0",
        weights: "weights of 2.1.0, retrained again",
        evaluation: { evaluator: "eve", date: "2026-11-25" },
      }),
    );
    const { tracker, checks, pr } = world({
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
        { sha: pushed, files: reweighted.files },
      ],
    });

    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    await postComment(app, tracker, 100, "alice", "/approve developer");
    await postComment(app, tracker, 100, "bob", "/approve system_operator");
    expect(checks.latest(HEAD).conclusion).toBe("success");

    pr.headSha = pushed;
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));

    const [old, renewed] = tracker.appIssues();
    expect(renewed?.title).toBe("Sign-off: fraud-detector 2.1.0");
    expect(renewed?.body).toContain(`"digest":"${reweighted.digest}"`);
    expect(old).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(old?.comments.at(-1)?.body).toBe(
      [
        `Superseded by #101: pull request #7 now carries fraud-detector 2.1.0 with digest \`${reweighted.digest}\`.`,
        "",
        `Sign-offs are bound to a digest: those given here count only for \`${RETRAINED.digest}\`, never for the new artefacts. Sign off on #101.`,
      ].join("\n"),
    );
    const run = checks.latest(pushed);
    expect(run.conclusion).toBe("action_required");
    expect(run.title).toBe("1 model: 2 sign-offs missing");
    expect(run.summary).toContain("https://github.com/acme/models/issues/101");

    // delivered again: nothing more is opened, closed or commented
    const writes = () => app.requests.filter((r) => r.method !== "GET" && r.path.startsWith(ISSUES)).length;
    const before = writes();
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));
    expect(writes()).toBe(before);
  });
});

describe("the Open sign-off button", () => {
  const REVIEWS_ONLY = `${POLICY}approvals:\n  via: [review]\noverrides:\n  roles: []\n`;

  test("with approvals only by review, an evaluation opens no issue and reads none", async () => {
    const app = await createTestApp();
    const { checks } = world({ policy: REVIEWS_ONLY });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(app.requests.filter((r) => r.path.startsWith(ISSUES))).toEqual([]);
    expect(checks.latest(HEAD).actions.map((a) => a.identifier)).toEqual(["open-sign-off", "reevaluate"]);
  });

  test("with approvals by review in a repository without issues, only break glass is lost: the gate still evaluates", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world({ policy: `${POLICY}approvals:\n  via: [review]\n` });
    tracker.issuesDisabled = true;

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(app.requestsTo("GET", /^\/repos\/acme\/models\/issues\?/)).toHaveLength(1);
    expect(app.requestsTo("POST", ISSUES)).toEqual([]);
    expect(checks.latest(HEAD)).toMatchObject({ conclusion: "action_required", title: "1 model: 2 sign-offs missing" });
  });

  test("a click opens the sign-off issue and re-evaluates", async () => {
    const app = await createTestApp();
    const { tracker, checks } = world({ policy: REVIEWS_ONLY });

    await app.receive(
      checkRunEvent(
        "requested_action",
        { appId: APP_ID, name: "modelgate", headSha: HEAD, pullRequests: [PR], identifier: "open-sign-off" },
        INSTALLATION_ID,
      ),
    );

    expect(app.requestsTo("POST", ISSUES)).toHaveLength(1);
    expect(tracker.appIssues()).toHaveLength(1);
    expect(checks.latest(HEAD).summary).toContain("approves this pull request with a review");
    expect(replies(tracker, 100)).toEqual([]);
  });
});
