import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { servePullRequestAlways } from "../helpers/fake-issue-tracker.js";
import { BASE, HEAD, identitySig, postComment, replies, trackingLine, world } from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, fraud } from "../fixtures/fraud-detector.js";
import { testDatabase } from "../helpers/database.js";
import { OPENING_ISSUE_BODY } from "../../src/github/sign-off-issues.js";

const ISSUES = "/repos/acme/models/issues";
const SHIP_ISSUE = 100;
const DECOMMISSION_ISSUE = 101;

/** fraud-detector 2.1.0 retired: only its status changes, so its digest stays that of the shipped retrain. */
const DECOMMISSIONED = repositoryModelFiles(
  fraud({
    version: "2.1.0",
    weights: "weights of 2.1.0",
    evaluation: { evaluator: "eve", date: "2026-11-20" },
    status: "decommissioned",
  }),
);
const DECOMMISSION_HEAD = commitSha("decommission");
/** PR #8 by frank retires the model once PR #7 (its retrain) has been merged into main. */
const DECOMMISSION_PR: PullRequestFixture = {
  number: 8,
  author: "frank",
  baseRef: "main",
  baseSha: HEAD,
  headSha: DECOMMISSION_HEAD,
};

/** The decommission issue as first opened for PR #8. */
const DECOMMISSION_SUBJECT = {
  model: "fraud-detector",
  version: "2.1.0",
  digest: RETRAINED.digest,
  intent: "decommission",
} as const;
const DECOMMISSION_BODY = [
  `<!-- modelgate:sign-off {"model":"fraud-detector","version":"2.1.0","digest":"${RETRAINED.digest}","intent":"decommission","sig":"${identitySig(DECOMMISSION_SUBJECT, DECOMMISSION_ISSUE)}"} -->`,
  trackingLine(
    DECOMMISSION_SUBJECT,
    `{"manifestPath":"models/fraud/model.yaml","kinds":["decommission"],"evaluation":{"date":"2026-11-20","evaluator":"eve","result":"pass"},"pulls":[{"number":8,"author":"frank","roles":["system_operator","data_custodian"]}]}`,
    DECOMMISSION_ISSUE,
  ),
  "## Sign-off: fraud-detector 2.1.0 (decommission)",
  "",
  "This issue collects the sign-offs that the **decommission** of **fraud-detector 2.1.0** needs before it may be merged (EN 304 223 5.1.4-3, human oversight; 5.5.1, end of life). Sign-offs given when this version shipped do not count here: retiring a model needs its own approvals. A sign-off here counts only for the decommission of the digest below.",
  "",
  "| | |",
  "|---|---|",
  "| Manifest | `models/fraud/model.yaml` |",
  `| Digest | \`${RETRAINED.digest}\` |`,
  "| Changes | `decommission` |",
  "| Security evaluation | ✅ pass by @eve on 2026-11-20 |",
  "",
  "### Required roles",
  "",
  "| Role | State | By | Who can sign |",
  "|---|---|---|---|",
  "| system_operator | ⏳ pending |  | @acme/platform-ops |",
  "| data_custodian | ⏳ pending |  | @acme/data-governance |",
  "",
  "### How to sign off",
  "",
  "Post a **new comment** whose first line is one command:",
  "",
  "- `/approve <role>` — approve the decommission of this model version as a holder of `<role>`",
  "- `/reject <role> <reason>` — reject it, with the reason",
  "- `/revoke <role>` — withdraw the approval or rejection standing for `<role>`",
  "- `/override <reason>` — break glass: let the gate pass despite failing requirements (holders of an override role only; the reason is recorded)",
  "",
  "Only a current holder of the role can sign for it, the pull request author cannot sign, and one person signs for one role only (unless the policy says otherwise). Edited or deleted comments never count: post a new comment instead. Pull request reviews by role holders count too where the policy allows.",
  "",
  "### Pull requests",
  "",
  "- [#8](https://github.com/acme/models/pull/8)",
  "",
].join("\n");

function roleRow(body: string, role: string): string | undefined {
  return body.split("\n").find((line) => line.startsWith(`| ${role} |`));
}

describe("a model that shipped is decommissioned with the same digest", () => {
  test("its decommission gets its own sign-off issue: the approvals that shipped it do not count, its own ones do", async () => {
    const app = await createTestApp();
    const { tracker, checks, teams, pr } = world({
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
        { sha: DECOMMISSION_HEAD, files: DECOMMISSIONED.files },
      ],
    });
    teams.members["platform-ops"]!.push("olivia");
    expect(DECOMMISSIONED.digest).toBe(RETRAINED.digest);

    // 2.1.0 ships: PR #7's retrain is signed off on its issue, olivia as system_operator, and merged
    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    await postComment(app, tracker, SHIP_ISSUE, "alice", "/approve developer");
    const shipped = await postComment(app, tracker, SHIP_ISSUE, "olivia", "/approve system_operator");
    expect(shipped.reactions).toEqual(["+1"]);
    expect(checks.latest(HEAD).conclusion).toBe("success");
    pr.state = "closed";
    const shipIssueBody = tracker.issue(SHIP_ISSUE).body;

    // later, PR #8 retires it
    servePullRequestAlways(OWNER, REPO, DECOMMISSION_PR);
    const before = app.requests.length;
    await app.receive(pullRequestEvent("opened", DECOMMISSION_PR, INSTALLATION_ID));
    const requests = app.requests.slice(before);

    const hex = RETRAINED.digest.replace("sha256:", "");
    const { rows } = await (await testDatabase()).pool.query("SELECT key FROM modelgate.created_once ORDER BY key");
    expect(rows).toEqual([
      { key: `acme/models:sign-off-${hex}-${sha256("fraud-detector").slice(0, 16)}` },
      { key: `acme/models:sign-off-decommission-${hex}-${sha256("fraud-detector").slice(0, 16)}` },
    ]);
    expect(requests.filter((r) => r.method === "POST" && r.path === ISSUES).map((r) => r.body)).toEqual([
      {
        title: "Sign-off: fraud-detector 2.1.0 (decommission)",
        labels: ["modelgate:sign-off"],
        body: OPENING_ISSUE_BODY,
      },
    ]);
    expect(
      requests
        .filter((r) => r.method === "PATCH" && r.path === `${ISSUES}/${DECOMMISSION_ISSUE}`)
        .map((r) => r.body)[0],
    ).toEqual({
      body: DECOMMISSION_BODY,
    });
    expect(tracker.appIssues().map((i) => [i.number, i.title, i.state])).toEqual([
      [SHIP_ISSUE, "Sign-off: fraud-detector 2.1.0", "open"],
      [DECOMMISSION_ISSUE, "Sign-off: fraud-detector 2.1.0 (decommission)", "open"],
    ]);
    // the ship issue is neither tracked by the decommission nor closed: it is the record of the shipping
    expect(tracker.issue(SHIP_ISSUE).body).toBe(shipIssueBody);
    expect(requests.filter((r) => r.method !== "GET" && r.path.startsWith(`${ISSUES}/${SHIP_ISSUE}`))).toEqual([]);

    const pending = checks.latest(DECOMMISSION_HEAD);
    expect(pending).toMatchObject({ conclusion: "action_required", title: "1 model: 2 sign-offs missing" });
    expect(pending.summary).toContain(
      "**Sign-off needed:** **system_operator** (held by @acme/platform-ops), **data_custodian** (held by @acme/data-governance).",
    );
    expect(pending.summary).toContain(
      `comments \`/approve <role>\` on the [sign-off issue](https://github.com/acme/models/issues/${DECOMMISSION_ISSUE})`,
    );
    expect(pending.summary).not.toContain("@olivia");

    // the same delivery again opens nothing more
    await app.receive(pullRequestEvent("opened", DECOMMISSION_PR, INSTALLATION_ID));
    expect(tracker.appIssues()).toHaveLength(2);

    // olivia signs the retirement off as well, and so does carol for the data
    const olivia = await postComment(app, tracker, DECOMMISSION_ISSUE, "olivia", "/approve system_operator");
    expect(olivia.reactions).toEqual(["+1"]);
    expect(checks.latest(DECOMMISSION_HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 1 sign-off missing",
    });
    const carol = await postComment(app, tracker, DECOMMISSION_ISSUE, "carol", "/approve data_custodian");
    expect(carol.reactions).toEqual(["+1"]);

    const body = tracker.issue(DECOMMISSION_ISSUE).body;
    expect(roleRow(body, "system_operator")).toBe("| system_operator | ✅ approved | @olivia | @acme/platform-ops |");
    expect(roleRow(body, "data_custodian")).toBe("| data_custodian | ✅ approved | @carol | @acme/data-governance |");
    const approved = checks.latest(DECOMMISSION_HEAD);
    expect(approved.conclusion).toBe("success");
    expect(approved.summary).toContain("signed off by @olivia on the sign-off issue");
    expect(approved.summary).toContain("signed off by @carol on the sign-off issue");
    expect(replies(tracker, DECOMMISSION_ISSUE)).toEqual([]);
    // the shipped version's issue and check run stay as they were
    expect(tracker.issue(SHIP_ISSUE).body).toBe(shipIssueBody);
    expect(checks.latest(HEAD).conclusion).toBe("success");
  });

  test("a pull request that stops retiring the model closes the decommission issue, pointing at the ship issue", async () => {
    const app = await createTestApp();
    const bumped = repositoryModelFiles(
      fraud({ version: "2.2.0", weights: "weights of 2.1.0", evaluation: { evaluator: "eve", date: "2026-11-20" } }),
    );
    const pushed = commitSha("bump instead");
    const pr = { ...DECOMMISSION_PR };
    const { tracker, checks } = world({
      commits: [
        { sha: HEAD, files: RETRAINED.files },
        { sha: DECOMMISSION_HEAD, files: DECOMMISSIONED.files },
        { sha: pushed, files: bumped.files },
      ],
      pr,
    });
    expect(bumped.digest).toBe(RETRAINED.digest);

    await app.receive(pullRequestEvent("opened", pr, INSTALLATION_ID));
    pr.headSha = pushed;
    await app.receive(pullRequestEvent("synchronize", pr, INSTALLATION_ID));

    const [retirement, shipping] = tracker.appIssues();
    expect(shipping?.title).toBe("Sign-off: fraud-detector 2.2.0");
    expect(retirement).toMatchObject({
      title: "Sign-off: fraud-detector 2.1.0 (decommission)",
      state: "closed",
      stateReason: "not_planned",
    });
    expect(retirement?.comments.at(-1)?.body).toBe(
      [
        `Superseded by #${shipping?.number}: pull request #8 now carries fraud-detector 2.2.0 with digest \`${RETRAINED.digest}\`.`,
        "",
        `Sign-offs are bound to a digest and to what they approve: those given here count only for the decommission of \`${RETRAINED.digest}\`. Sign off on #${shipping?.number}.`,
      ].join("\n"),
    );
    expect(checks.latest(pushed)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 1 sign-off missing",
    });
  });

  test("a role no gate could ask of the retirement cannot be signed on its issue", async () => {
    const app = await createTestApp();
    const { tracker } = world({
      commits: [
        { sha: HEAD, files: RETRAINED.files },
        { sha: DECOMMISSION_HEAD, files: DECOMMISSIONED.files },
      ],
      pr: DECOMMISSION_PR,
    });

    await app.receive(pullRequestEvent("opened", DECOMMISSION_PR, INSTALLATION_ID));
    const [issue] = tracker.appIssues();
    expect(issue?.title).toBe("Sign-off: fraud-detector 2.1.0 (decommission)");

    const sam = await postComment(app, tracker, issue!.number, "sam", "/approve security");
    expect(sam.reactions).toEqual(["confused"]);
    expect(replies(tracker, issue!.number)).toEqual([
      "@sam `/approve security` was refused: no gate of the policy asks security to sign off this model version; the roles that can sign off are developer, system_operator, data_custodian.",
    ]);
  });
});
