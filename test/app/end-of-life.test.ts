import nock from "nock";
import { describe, expect, test } from "vitest";
import { DEFAULT_EOL_CHECKLIST } from "../../src/core/policy/schema.js";
import { renderEndOfLifeIssueBody } from "../../src/core/render/end-of-life-issue.js";
import { markerSignature } from "../../src/core/markers/signature.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { serveNoPolicy, serveTeamMembership } from "../helpers/serve-github.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  testIssueMarkerKey,
  type TestApp,
} from "../helpers/test-app.js";
import { OPENING_ISSUE_BODY } from "../../src/github/sign-off-issues.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import {
  commentResource,
  issueCommentEvent,
  issueResource,
  issuesEvent,
  pushEvent,
  type IssueFixture,
} from "../fixtures/payloads/lifecycle.js";
import { testDatabase } from "../helpers/database.js";

const BEFORE = commitSha("before decommission");
const AFTER = commitSha("after decommission");
const API = `/repos/${OWNER}/${REPO}`;
const ROLE_TEAMS = ["data-governance", "ml-engineers", "platform-ops"];
const MEMBERS = { "platform-ops": ["bob"], "data-governance": ["carol"], "ml-engineers": ["alice"] };

const FRAUD = repositoryModelFiles({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.1.0",
  weights: "weights of 2.1.0",
  prompt: "You score card transactions.\n",
  evaluation: { evaluator: "eve", date: "2026-11-20" },
});
const manifest = FRAUD.files["models/fraud/model.yaml"]!;
const DECOMMISSIONED = {
  ...FRAUD.files,
  "models/fraud/model.yaml": manifest.replace("status: active", "status: decommissioned"),
};

/** The end-of-life issue as the app opens it for FRAUD (rendered by the app's own renderer). */
const EOL_BODY = renderEndOfLifeIssueBody({
  model: "fraud-detector",
  version: "2.1.0",
  digest: FRAUD.digest,
  manifestPath: "models/fraud/model.yaml",
  org: OWNER,
  roles: [
    { role: "system_operator", holders: { users: [], teams: ["platform-ops"] }, state: "pending" },
    { role: "data_custodian", holders: { users: [], teams: ["data-governance"] }, state: "pending" },
  ],
  checklist: DEFAULT_EOL_CHECKLIST,
  components: [
    { id: "models/fraud/weights/model.safetensors", kind: "weights", sha256: sha256("weights of 2.1.0") },
    { id: "models/fraud/prompts/system.txt", kind: "prompt", sha256: sha256("You score card transactions.\n") },
  ],
  datasets: [{ name: "transactions-2026q3", source: "https://data.example.org/transactions-2026q3" }],
  commit: AFTER,
  markerKey: testIssueMarkerKey(77),
});
/** The marker the app signs for FRAUD's end-of-life issue (sig computed independently with the test key). */
const EOL_MARKER = `<!-- modelgate:end-of-life {"model":"fraud-detector","digest":"${FRAUD.digest}","sig":"${markerSignature(testIssueMarkerKey(77), "end-of-life", { model: "fraud-detector", digest: FRAUD.digest })}"} -->`;
const ALL_TICKED = EOL_BODY.replaceAll("- [ ] ", "- [x] ");
const EOL_ISSUE: IssueFixture = {
  number: 77,
  title: "End of life: fraud-detector 2.1.0",
  body: EOL_BODY,
  labels: ["model-eol"],
  appId: APP_ID,
};

/** A push from BEFORE to AFTER on main, with the built-in policy. */
function servePush(files: { before: Record<string, FileFixture>; after: Record<string, FileFixture> }): void {
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BEFORE, files: files.before },
      { sha: AFTER, files: files.after },
    ],
  })
    .serveTree(BEFORE)
    .serveTree(AFTER)
    .serveContents();
}

/** `GET /issues?labels=model-eol`, answering the listed issues (a function: what is there when asked). */
function serveEndOfLifeListing(issues: () => IssueFixture[], times = 1): void {
  nock(GITHUB_API)
    .get(`${API}/issues`)
    .query({ state: "all", labels: "model-eol", per_page: "100" })
    .times(times)
    .reply(200, () => issues().map(issueResource));
}

function serveIssueCreation(onCreate: () => void = () => undefined): void {
  const api = nock(GITHUB_API);
  api.post(`${API}/labels`).reply(201, { name: "model-eol" });
  api.post(`${API}/issues`).reply(201, (_uri, body) => {
    onCreate();
    return { ...issueResource({ ...EOL_ISSUE, body: (body as { body: string }).body }), number: 77 };
  });
  // the signed body follows once the number (which the marker is bound to) is known
  api.patch(`${API}/issues/77`, (body: { body?: string }) => typeof body.body === "string").reply(200, {});
}

function issueCreations(app: TestApp): Array<{ title: string; body: string; labels: string[] }> {
  return app
    .requestsTo("POST", `${API}/issues`)
    .map((r) => r.body as { title: string; body: string; labels: string[] });
}

describe("story 1: a push that decommissions a model", () => {
  test("opens one end-of-life issue with the marker, the mentions, the checklist and what to dispose of", async () => {
    const app = await createTestApp();
    servePush({ before: FRAUD.files, after: DECOMMISSIONED });
    serveEndOfLifeListing(() => []);
    serveIssueCreation();

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    expect(issueCreations(app)).toEqual([
      { title: "End of life: fraud-detector 2.1.0", labels: ["model-eol"], body: OPENING_ISSUE_BODY },
    ]);
    expect(app.requestsTo("PATCH", `${API}/issues/77`).map((r) => r.body)).toEqual([{ body: EOL_BODY }]);
    // recorded as created once in the database every replica shares; nothing of it is written to the repository
    const { rows } = await (await testDatabase()).pool.query("SELECT key FROM modelgate.created_once");
    expect(rows).toEqual([{ key: `acme/models:fraud-detector:eol-${FRAUD.digest.slice("sha256:".length)}` }]);
    expect(app.requests.filter((r) => r.path.includes("/git/refs"))).toEqual([]);
    expect(app.requestsTo("POST", `${API}/labels`).map((r) => r.body)).toEqual([
      {
        name: "model-eol",
        color: "b60205",
        description: "modelgate: disposal of a decommissioned model (EN 304 223 5.5.1)",
      },
    ]);
  });

  test("the issue body reads as a disposal brief", () => {
    expect(EOL_BODY.startsWith(`${EOL_MARKER}\n`)).toBe(true);
    expect(EOL_BODY).toContain(
      "@acme/platform-ops @acme/data-governance: please take part in the disposal and sign it off.",
    );
    expect(EOL_BODY).toContain(`Last digest: \`${FRAUD.digest}\``);
    for (const item of DEFAULT_EOL_CHECKLIST) expect(EOL_BODY).toContain(`- [ ] ${item}`);
    expect(EOL_BODY).toContain("| transactions-2026q3 | https://data.example.org/transactions-2026q3 |");
  });

  test("a redelivery of the push finds the issue and opens none", async () => {
    const app = await createTestApp();
    servePush({ before: FRAUD.files, after: DECOMMISSIONED });
    serveEndOfLifeListing(() => [EOL_ISSUE]);

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    expect(issueCreations(app)).toEqual([]);
  });

  test("two deliveries of the push at the same time open exactly one issue", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    serveNoPolicy(OWNER, REPO, "main");
    const repository = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BEFORE, files: FRAUD.files },
        { sha: AFTER, files: DECOMMISSIONED },
      ],
    });
    repository.serveTree(BEFORE).serveTree(AFTER).serveTree(BEFORE).serveTree(AFTER).serveContents();
    let created = false;
    serveEndOfLifeListing(() => (created ? [EOL_ISSUE] : []), 3);
    serveIssueCreation(() => (created = true));
    // the second delivery waits on the database lock, then finds the first one's issue

    const push = pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID);
    await Promise.all([app.receive({ ...push, id: "d-1" }), app.receive({ ...push, id: "d-2" })]);

    expect(issueCreations(app)).toHaveLength(1);
  });

  test("deleting a model's manifest (without decommissioning it first) opens one issue too", async () => {
    const app = await createTestApp();
    servePush({ before: { ...FRAUD.files, "README.md": "# Models\n" }, after: { "README.md": "# Models\n" } });
    serveEndOfLifeListing(() => []);
    serveIssueCreation();

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    const [issue] = issueCreations(app);
    expect(issue?.title).toBe("End of life: fraud-detector 2.1.0");
    const body = (app.requestsTo("PATCH", `${API}/issues/77`)[0]?.body as { body: string }).body;
    expect(body).toContain(EOL_MARKER);
    expect(body).toContain("| `models/fraud/weights/model.safetensors` | weights |");
  });

  test.each([
    { name: "a push to another branch", ref: "refs/heads/feature", before: BEFORE },
    { name: "a new default branch (nothing before it)", ref: "refs/heads/main", before: "0".repeat(40) },
    { name: "a tag", ref: "refs/tags/v1.0.0", before: BEFORE },
  ])("$name is not looked at", async ({ ref, before }) => {
    const app = await createTestApp();
    await app.receive(pushEvent({ ref, before, after: AFTER }, INSTALLATION_ID));
    expect(app.requests).toEqual([]);
  });

  test("a push that changes a model without decommissioning it opens nothing", async () => {
    const app = await createTestApp();
    servePush({
      before: FRAUD.files,
      after: { ...FRAUD.files, "models/fraud/model.yaml": manifest.replace("Scores card", "Scores all card") },
    });

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    expect(app.requestsTo("GET", `${API}/issues`)).toEqual([]);
    expect(issueCreations(app)).toEqual([]);
  });
});

/** What reading an end-of-life issue's state costs: the issue, the policy, its comments, live membership of commenters. */
function serveIssueState(
  issue: IssueFixture,
  comments: Array<{ id: number; login: string; body: string; type?: "User" | "Bot" }>,
): void {
  const api = nock(GITHUB_API);
  api.get(`${API}/issues/${issue.number}`).reply(200, issueResource(issue));
  serveNoPolicy(OWNER, REPO, "main");
  api
    .get(`${API}/issues/${issue.number}/comments`)
    .query({ per_page: "100" })
    .reply(200, comments.map(commentResource));
  const logins = [
    ...new Set(comments.filter((c) => c.type !== "Bot" && c.body.startsWith("/")).map((c) => c.login.toLowerCase())),
  ].sort();
  serveTeamMembership(
    OWNER,
    logins.flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
    MEMBERS,
  );
}

describe("story 2: closing rules of an end-of-life issue", () => {
  test("ticking every item without the sign-offs keeps it open and writes nothing", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const ticked = { ...EOL_ISSUE, body: ALL_TICKED };
    serveIssueState(ticked, []);

    await app.receive(issuesEvent("edited", ticked, { login: "dave" }, INSTALLATION_ID));

    expect(app.requests.filter((r) => r.method !== "GET" && !r.path.startsWith("/app/"))).toEqual([]);
  });

  test("closed by a person before it is complete, it is reopened with a comment listing what is missing", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const partly = {
      ...EOL_ISSUE,
      state: "closed" as const,
      body: EOL_BODY.replace("- [ ] Revoke credentials", "- [x] Revoke credentials"),
    };
    serveIssueState(partly, [{ id: 11, login: "bob", body: "/approve system_operator" }]);
    nock(GITHUB_API).patch(`${API}/issues/77`).reply(200, {});
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 900 });

    await app.receive(issuesEvent("closed", partly, { login: "dave" }, INSTALLATION_ID));

    expect(app.requestsTo("PATCH", `${API}/issues/77`).map((r) => r.body)).toEqual([
      { state: "open", state_reason: "reopened" },
    ]);
    expect(app.requestsTo("POST", `${API}/issues/77/comments`).map((r) => r.body)).toEqual([
      {
        body: [
          "This end-of-life issue closes only when the disposal is complete, so modelgate reopened it. Still missing:",
          "",
          "- [ ] Disable serving endpoints and API keys",
          "- [ ] Delete or archive weights and checkpoints (every copy and registry)",
          "- [ ] Dispose of training and evaluation data per retention terms",
          "- [ ] Remove configuration, secrets and prompts",
          "- [ ] Update the asset inventory",
          "- [ ] Record disposal evidence",
          "- sign-off by **data_custodian** (teams: @acme/data-governance, users: none): comment `/approve data_custodian`",
          "",
          "Tick each item in the issue description once it is done; the issue then closes by itself.",
        ].join("\n"),
      },
    ]);
  });

  test("a redelivered close finds the issue open again and does nothing", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveIssueState({ ...EOL_ISSUE, state: "open" }, []);

    await app.receive(issuesEvent("closed", { ...EOL_ISSUE, state: "closed" }, { login: "dave" }, INSTALLATION_ID));

    expect(app.requests.filter((r) => r.method !== "GET" && !r.path.startsWith("/app/"))).toEqual([]);
  });

  test("the last sign-off on a fully ticked issue is accepted and closes it", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const ticked = { ...EOL_ISSUE, body: ALL_TICKED };
    const comments = [
      { id: 11, login: "bob", body: "/approve system_operator", createdAt: "2026-11-28T10:00:00Z" },
      { id: 12, login: "carol", body: "/approve data_custodian", createdAt: "2026-11-28T11:00:00Z" },
    ];
    serveIssueState(ticked, comments);
    const api = nock(GITHUB_API);
    api.post(`${API}/issues/comments/12/reactions`).reply(201, { id: 1, content: "+1" });
    api.patch(`${API}/issues/77`).times(2).reply(200, {});
    api.post(`${API}/issues/77/comments`).reply(201, { id: 901 });

    await app.receive(issueCommentEvent("created", ticked, comments[1]!, INSTALLATION_ID));

    expect(app.requestsTo("POST", `${API}/issues/comments/12/reactions`).map((r) => r.body)).toEqual([
      { content: "+1" },
    ]);
    const [tableUpdate, close] = app
      .requestsTo("PATCH", `${API}/issues/77`)
      .map((r) => r.body as Record<string, string>);
    expect(tableUpdate).toEqual({
      body: ALL_TICKED.replace("| system_operator | ⏳ pending |", "| system_operator | ✅ approved by @bob |").replace(
        "| data_custodian | ⏳ pending |",
        "| data_custodian | ✅ approved by @carol |",
      ),
    });
    expect(close).toEqual({ state: "closed", state_reason: "completed" });
    expect(app.requestsTo("POST", `${API}/issues/77/comments`).map((r) => r.body)).toEqual([
      {
        body: `Every disposal checklist item is ticked and the disposal is signed off (system_operator by @bob, data_custodian by @carol): closing this end-of-life issue. This issue and its comments are the disposal record of \`fraud-detector\` \`${FRAUD.digest}\` (EN 304 223 5.5.1-1, 5.5.1-2).`,
      },
    ]);
  });

  test("then ticking the last box closes it too (sign-offs first, checklist last)", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const signedTable = ALL_TICKED.replace(
      "| system_operator | ⏳ pending |",
      "| system_operator | ✅ approved by @bob |",
    ).replace("| data_custodian | ⏳ pending |", "| data_custodian | ✅ approved by @carol |");
    const ticked = { ...EOL_ISSUE, body: signedTable };
    serveIssueState(ticked, [
      { id: 11, login: "bob", body: "/approve system_operator" },
      { id: 12, login: "carol", body: "/approve data_custodian" },
    ]);
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 902 });
    nock(GITHUB_API).patch(`${API}/issues/77`).reply(200, {});

    await app.receive(issuesEvent("edited", ticked, { login: "carol" }, INSTALLATION_ID));

    expect(app.requestsTo("PATCH", `${API}/issues/77`).map((r) => r.body)).toEqual([
      { state: "closed", state_reason: "completed" },
    ]);
  });

  test("a sign-off by someone who does not hold the role is refused with the reason, and nothing changes", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const comment = { id: 13, login: "mallory", body: "/approve data_custodian" };
    serveIssueState(EOL_ISSUE, [comment]);
    nock(GITHUB_API).post(`${API}/issues/comments/13/reactions`).reply(201, { id: 2, content: "confused" });
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 903 });

    await app.receive(issueCommentEvent("created", EOL_ISSUE, comment, INSTALLATION_ID));

    expect(app.requestsTo("POST", `${API}/issues/comments/13/reactions`).map((r) => r.body)).toEqual([
      { content: "confused" },
    ]);
    expect(app.requestsTo("POST", `${API}/issues/77/comments`).map((r) => r.body)).toEqual([
      {
        body: '<!-- modelgate:reply {"comment":13,"kind":"refused"} -->\n@mallory `/approve data_custodian` was refused: @mallory is not a member of data_custodian (teams: @acme/data-governance, users: none).',
      },
    ]);
    expect(app.requestsTo("PATCH", `${API}/issues/77`)).toEqual([]);
  });

  test("one person cannot sign off both roles", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const comments = [
      { id: 11, login: "bob", body: "/approve system_operator", createdAt: "2026-11-28T10:00:00Z" },
      { id: 14, login: "bob", body: "/approve data_custodian", createdAt: "2026-11-28T11:00:00Z" },
    ];
    const api = nock(GITHUB_API);
    api.get(`${API}/issues/77`).reply(200, issueResource({ ...EOL_ISSUE, body: ALL_TICKED }));
    serveNoPolicy(OWNER, REPO, "main");
    api.get(`${API}/issues/77/comments`).query({ per_page: "100" }).reply(200, comments.map(commentResource));
    serveTeamMembership(
      OWNER,
      ROLE_TEAMS.map((team) => ({ login: "bob", team })),
      { "platform-ops": ["bob"], "data-governance": ["bob"] },
    );
    api.post(`${API}/issues/comments/14/reactions`).reply(201, { id: 3, content: "confused" });
    api.post(`${API}/issues/77/comments`).reply(201, { id: 904 });

    await app.receive(issueCommentEvent("created", { ...EOL_ISSUE, body: ALL_TICKED }, comments[1]!, INSTALLATION_ID));

    expect((app.requestsTo("POST", `${API}/issues/77/comments`)[0]?.body as { body: string }).body).toContain(
      "one person signs off only one role",
    );
    expect(app.requestsTo("PATCH", `${API}/issues/77`)).toEqual([]);
  });

  test("break glass does not apply to a disposal", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const comment = { id: 15, login: "sam", body: "/override nobody has time" };
    nock(GITHUB_API).post(`${API}/issues/comments/15/reactions`).reply(201, { id: 4, content: "confused" });
    nock(GITHUB_API)
      .get(`${API}/issues/77/comments`)
      .query({ per_page: "100" })
      .reply(200, [commentResource(comment)]);
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 905 });

    await app.receive(issueCommentEvent("created", EOL_ISSUE, comment, INSTALLATION_ID));

    expect((app.requestsTo("POST", `${API}/issues/77/comments`)[0]?.body as { body: string }).body).toContain(
      "break glass does not apply to an end-of-life issue",
    );
  });

  test("attack: a regression accepted on an end-of-life issue is refused, never recorded", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const comment = { id: 16, login: "sam", body: `/accept-regression accuracy none retiring it anyway` };
    nock(GITHUB_API).post(`${API}/issues/comments/16/reactions`).reply(201, { id: 5, content: "confused" });
    nock(GITHUB_API)
      .get(`${API}/issues/77/comments`)
      .query({ per_page: "100" })
      .reply(200, [commentResource(comment)]);
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 906 });

    await app.receive(issueCommentEvent("created", EOL_ISSUE, comment, INSTALLATION_ID));

    expect((app.requestsTo("POST", `${API}/issues/77/comments`)[0]?.body as { body: string }).body).toContain(
      "@sam `/accept-regression` was refused: a regression is accepted on the sign-off issue of the version that ships, not on an end-of-life issue.",
    );
    expect(app.requestsTo("PATCH", `${API}/issues/77`)).toEqual([]);
  });

  test("an issue someone else opened with a copied marker is ignored", async () => {
    const app = await createTestApp();
    const forged: IssueFixture = { ...EOL_ISSUE, body: ALL_TICKED, appId: undefined, state: "closed" };

    await app.receive(issuesEvent("closed", forged, { login: "mallory" }, INSTALLATION_ID));
    await app.receive(
      issueCommentEvent(
        "created",
        forged,
        { id: 16, login: "mallory", body: "/approve data_custodian" },
        INSTALLATION_ID,
      ),
    );

    expect(app.requests).toEqual([]);
  });

  test("an issue of this app whose marker was edited to another digest is ignored: no reopening, no command handled", async () => {
    const app = await createTestApp();
    const otherDigest = `sha256:${"e".repeat(64)}`;
    const edited = ALL_TICKED.replace(`"digest":"${FRAUD.digest}"`, `"digest":"${otherDigest}"`);
    expect(edited).not.toBe(ALL_TICKED);
    const tampered: IssueFixture = { ...EOL_ISSUE, body: edited, state: "closed" };

    await app.receive(issuesEvent("closed", tampered, { login: "mallory" }, INSTALLATION_ID));
    await app.receive(issuesEvent("edited", tampered, { login: "mallory" }, INSTALLATION_ID));
    await app.receive(
      issueCommentEvent(
        "created",
        tampered,
        { id: 17, login: "mallory", body: "/approve data_custodian" },
        INSTALLATION_ID,
      ),
    );

    expect(app.requests).toEqual([]);
  });

  test("a push does not take another digest's issue, its marker edited to FRAUD's digest, for FRAUD's issue", async () => {
    const app = await createTestApp();
    servePush({ before: FRAUD.files, after: DECOMMISSIONED });
    // signed for another digest, then edited to claim FRAUD's: it would otherwise stand in for FRAUD's disposal
    const otherDigest = `sha256:${"e".repeat(64)}`;
    const resigned = EOL_BODY.replace(
      /"sig":"[0-9a-f]{64}"/,
      `"sig":"${markerSignature(testIssueMarkerKey(77), "end-of-life", { model: "fraud-detector", digest: otherDigest })}"`,
    );
    serveEndOfLifeListing(() => [{ ...EOL_ISSUE, number: 76, body: resigned }]);
    serveIssueCreation();

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    expect(issueCreations(app)).toEqual([
      { title: "End of life: fraud-detector 2.1.0", labels: ["model-eol"], body: OPENING_ISSUE_BODY },
    ]);
    expect(app.requestsTo("PATCH", `${API}/issues/77`).map((r) => r.body)).toEqual([{ body: EOL_BODY }]);
  });

  test("attack: FRAUD's own signed marker copied into another issue (#76) does not stand in for FRAUD's issue there", async () => {
    const app = await createTestApp();
    servePush({ before: FRAUD.files, after: DECOMMISSIONED });
    // EOL_BODY is signed for #77: pasted whole into #76, it verifies nowhere but #77
    serveEndOfLifeListing(() => [{ ...EOL_ISSUE, number: 76, body: EOL_BODY }]);
    serveIssueCreation();

    await app.receive(pushEvent({ ref: "refs/heads/main", before: BEFORE, after: AFTER }, INSTALLATION_ID));

    expect(issueCreations(app)).toHaveLength(1);
    expect(app.requestsTo("PATCH", `${API}/issues/77`).map((r) => r.body)).toEqual([{ body: EOL_BODY }]);
  });
});
