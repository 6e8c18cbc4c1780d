import nock from "nock";
import { describe, expect, test } from "vitest";
import { OPEN_SIGN_OFF_ACTION, REEVALUATE_ACTION } from "../../src/core/render/check-run.js";
import { annotationsFingerprint } from "../../src/github/check-runs.js";
import { FakeRepository, GITHUB_API, type FileFixture } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { lineContaining, repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud, RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken, type TestApp } from "../helpers/test-app.js";
import {
  serveCheckRunCreate,
  serveCheckRunLookup,
  serveCheckRunUpdate,
  serveNoPolicy,
  serveOpenPullRequests,
  servePolicy,
  serveReviews,
  serveTeamMembership,
  type CheckRunBody,
} from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";
import { postgresInventoryStore } from "../../src/store/inventory-store.js";
import type { Jobs } from "../../src/queue/job-queue.js";
import { testDatabase } from "../helpers/database.js";
import { emptyInventory } from "../helpers/inventory.js";
import { TEST_NOW } from "../fixtures/clock.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const ROLE_TEAMS = ["data-governance", "ml-engineers", "platform-ops"];
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;

/** A PR from `base` files to `head` files, with the built-in policy and these reviews. */
function serveScenario(
  files: { base: Record<string, FileFixture>; head: Record<string, FileFixture> },
  reviews: Array<{ login: string; state: string; commitId: string }> = [],
): FakeRepository {
  return servePullRequestScenario(PR, files, { reviews }).repository;
}

/** A base branch whose policy is invalid (read twice: merged, then raw for its lines), and a PR to `headFiles`; the trees show whether the PR edits the policy. */
function serveInvalidBasePolicy(invalid: string, headFiles: Record<string, FileFixture>): void {
  serveInstallationToken();
  servePolicy(OWNER, REPO, "main", invalid, 2);
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { ...RELEASED.files, ".github/modelgate.yml": invalid } },
      { sha: HEAD, files: headFiles },
    ],
  })
    .serveCompare(BASE, HEAD)
    .serveTree(BASE)
    .serveTree(HEAD);
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
}

/** The proposed policy at the PR head and the `modelgate / policy` run written for it. */
function serveProposalCheckRun(proposed: string, reads = 1): void {
  servePolicy(OWNER, REPO, HEAD, proposed, reads);
  serveCheckRunLookup(OWNER, REPO, HEAD, [], "modelgate / policy");
  serveCheckRunCreate(OWNER, REPO, 7002, "modelgate / policy");
}

function createdCheckRun(app: TestApp): CheckRunBody {
  const creates = app.requestsTo("POST", CHECK_RUNS);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as CheckRunBody;
}

function decisionRecord(body: CheckRunBody): Record<string, unknown> {
  const json = /```json\n([\s\S]*?)\n```/.exec(body.output.text)?.[1];
  if (!json) throw new Error("no decision record in the check run text");
  return JSON.parse(json) as Record<string, unknown>;
}

describe("story 1: a pull request without model changes", () => {
  test("gets one successful modelgate check run on its head", async () => {
    const app = await createTestApp();
    serveScenario({
      base: { "README.md": "# Models\n", "src/app.py": "print('hi')\n" },
      head: { "README.md": "# Models\n", "src/app.py": "print('hello')\n", "src/util.py": "X = 1\n" },
    });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(createdCheckRun(app)).toEqual({
      name: "modelgate",
      head_sha: HEAD,
      status: "completed",
      conclusion: "success",
      external_id: annotationsFingerprint([]),
      actions: [],
      output: {
        title: "No model changes",
        summary: expect.stringContaining("No model manifest or model file changed."),
        text: expect.stringContaining('"verdict": "success"'),
      },
    });
  });
});

describe("story 2: a retrained model with a bound evaluation and approvals by role holders", () => {
  test("passes, reading membership live for the approving reviewers only", async () => {
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: RETRAINED.files }, [
      { login: "alice", state: "APPROVED", commitId: HEAD },
      { login: "bob", state: "APPROVED", commitId: HEAD },
      { login: "carol", state: "COMMENTED", commitId: HEAD },
    ]);
    serveTeamMembership(
      OWNER,
      ["alice", "bob"].flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
      { "ml-engineers": ["alice"], "platform-ops": ["bob"] },
    );
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("success");
    expect(body.output.title).toBe("The model change meets its gate");
    expect(body.output.summary).toContain("fraud-detector 2.0.0 → 2.1.0");
    expect(body.output.summary).toContain(`**Digest:** \`${RETRAINED.digest.slice(0, 19)}\``);
    expect(body.output.summary).toContain("approved by @alice in a review of");
    expect(body.output.summary).toContain("approved by @bob in a review of");
    expect(body.output.annotations).toBeUndefined();
    expect(body.actions).toEqual([]);
    expect(app.requestsTo("GET", /\/memberships\/carol$/)).toEqual([]);
  });

  test("writes one decision log line with the model, version, digest and verdict", async () => {
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: RETRAINED.files }, [
      { login: "alice", state: "APPROVED", commitId: HEAD },
      { login: "bob", state: "APPROVED", commitId: HEAD },
    ]);
    serveTeamMembership(
      OWNER,
      ["alice", "bob"].flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
      { "ml-engineers": ["alice"], "platform-ops": ["bob"] },
    );
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "d-42" });

    const decisions = app.logs.filter((line) => line.msg === "modelgate decision");
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      delivery: "d-42",
      repo: "acme/models",
      pull_request: 7,
      head_sha: HEAD,
      verdict: "success",
      models: [
        {
          name: "fraud-detector",
          version: "2.1.0",
          digest: RETRAINED.digest,
          verdict: "success",
          failed: [],
          pending: [],
          override: null,
        },
      ],
      unmanaged: [],
    });
    const evidence = (
      decisions[0] as {
        models: Array<{ evidence: Array<{ id: string; status: string; provision: string; message: string }> }>;
      }
    ).models[0]!.evidence;
    expect(evidence.find((e) => e.id === "evaluation.independent")).toMatchObject({
      status: "met",
      provision: "5.2.5-2.1",
      message: expect.stringContaining("@eve"),
    });
    expect(evidence.filter((e) => e.id.startsWith("approval:")).map((e) => [e.id, e.status])).toEqual([
      ["approval:developer", "met"],
      ["approval:system_operator", "met"],
    ]);
    expect(JSON.stringify(app.logs)).not.toContain("ghs_test");
  });
});

describe("story 3: the same retrain without approvals", () => {
  test("requires action, naming the roles and who holds them", async () => {
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: RETRAINED.files });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("1 model: 2 sign-offs missing");
    expect(body.output.summary).toContain("developer");
    expect(body.output.summary).toContain("@acme/ml-engineers");
    expect(body.output.summary).toContain("system_operator");
    expect(body.output.summary).toContain("@acme/platform-ops");
    expect(body.actions).toEqual([OPEN_SIGN_OFF_ACTION, REEVALUATE_ACTION]);
    // approvals are not annotated: an approval given later could not take the annotation back
    expect(body.output.annotations).toBeUndefined();
  });

  test("an approval of an earlier commit does not count", async () => {
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: RETRAINED.files }, [
      { login: "alice", state: "APPROVED", commitId: commitSha("earlier") },
      { login: "bob", state: "APPROVED", commitId: HEAD },
    ]);
    serveTeamMembership(
      OWNER,
      ["alice", "bob"].flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
      { "ml-engineers": ["alice"], "platform-ops": ["bob"] },
    );
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("1 model: 1 sign-off missing");
  });
});

describe("story 4: a weights file whose hash does not match the manifest", () => {
  test("fails with a failure annotation on the manifest line of that sha256", async () => {
    const declared = sha256("weights of 2.1.0");
    const tampered = repositoryModelFiles(
      fraud({
        version: "2.1.0",
        weights: "weights of 2.1.0, swapped",
        declaredWeightsSha: declared,
        evaluation: { evaluator: "eve", date: "2026-11-20" },
      }),
    );
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: tampered.files });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("1 model: 1 failing, 2 sign-offs missing");
    expect(body.output.annotations?.[0]).toEqual({
      path: "models/fraud/model.yaml",
      start_line: tampered.lines.weightsSha256,
      end_line: tampered.lines.weightsSha256,
      annotation_level: "failure",
      title: "fraud-detector: hash:weights/model.safetensors",
      message: `models/fraud/weights/model.safetensors: declared ${declared}, the LFS pointer's oid is ${sha256("weights of 2.1.0, swapped")} [5.2.4-1.2]`,
    });
    expect(body.actions).toContainEqual(REEVALUATE_ACTION);
  });
});

describe("story 5: a pull request that weakens the policy in its own head", () => {
  test("is still judged by the policy of its base branch", async () => {
    const strict = "gates:\n  retrain: { evaluation: true, approvals: [developer, system_operator] }\n";
    const weakened = "gates:\n  retrain: { evaluation: false, approvals: [] }\n";
    const unevaluated = repositoryModelFiles(
      fraud({ version: "2.1.0", weights: "weights of 2.1.0", evaluation: undefined }),
    );
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", strict);
    const repository = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: { ...RELEASED.files, ".github/modelgate.yml": strict } },
        { sha: HEAD, files: { ...unevaluated.files, ".github/modelgate.yml": weakened } },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, PR.number, []);
    new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);
    // the proposal is described in its own check run, read from the head only for that
    serveProposalCheckRun(weakened);

    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));

    const creates = app.requestsTo("POST", CHECK_RUNS);
    expect(creates.map((r) => (r.body as CheckRunBody).name)).toEqual(["modelgate", "modelgate / policy"]);
    const body = creates[0]!.body as CheckRunBody;
    expect(body.conclusion).toBe("failure");
    expect(body.output.summary).toContain("evaluation");
    expect(body.output.summary).toContain("system_operator");
    // the gate read the policy of the base branch only; the head's file was read after the gate had decided
    const policyReads = app.requests.filter((r) => r.path.includes("modelgate.yml"));
    expect(policyReads.map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/contents/.github%2Fmodelgate.yml?ref=main`,
      `/repos/${OWNER}/${REPO}/contents/.github%2Fmodelgate.yml?ref=${HEAD}`,
    ]);
    expect(app.requests.indexOf(policyReads[1]!)).toBeGreaterThan(app.requests.indexOf(creates[0]!));
    const proposal = creates[1]!.body as CheckRunBody;
    expect(proposal).toMatchObject({
      head_sha: HEAD,
      status: "completed",
      conclusion: "neutral",
      output: { title: "Proposed policy weakens the gate: 2 settings (2 changes in all)" },
    });
    expect(proposal.output.summary).toContain("| `gates.retrain.evaluation` | true | false | ⚠️ weakens |");
    expect(proposal.output.summary).toContain(
      "| `gates.retrain.approvals` | developer, system_operator | (none) | ⚠️ weakens |",
    );
    expect(
      repository.graphqlRequests.flat().filter((expression) => expression.endsWith(".github/modelgate.yml")),
    ).toEqual([]);
  });
});

describe("story 6: a malformed manifest", () => {
  test("a schema error fails with the file and the line to fix", async () => {
    const misspelt = RETRAINED.files["models/fraud/model.yaml"]!.replace("    kind: weights\n", "    kind: weight\n");
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RETRAINED.files, "models/fraud/model.yaml": misspelt } });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("1 invalid file");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({
        path: "models/fraud/model.yaml",
        start_line: lineContaining(misspelt, "kind: weight"),
        annotation_level: "failure",
        title: "Invalid file",
        message: expect.stringContaining("components[0].kind"),
      }),
    ]);
  });

  test("a YAML syntax error fails with the parser's line, without crashing", async () => {
    const broken = RETRAINED.files["models/fraud/model.yaml"]!.replace("version: 2.1.0\n", "version: [2.1.0\n");
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RETRAINED.files, "models/fraud/model.yaml": broken } });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      // the unclosed bracket of line 2 is noticed where the next line starts
      expect.objectContaining({
        path: "models/fraud/model.yaml",
        start_line: 3,
        annotation_level: "failure",
        message: expect.stringContaining("invalid YAML"),
      }),
    ]);
  });

  test("a manifest over 1 MiB fails at line 1 without being read in full", async () => {
    const padded = `${RETRAINED.files["models/fraud/model.yaml"]!}description: "${"x".repeat(1024 * 1024)}"\n`;
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RETRAINED.files, "models/fraud/model.yaml": padded } });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({
        path: "models/fraud/model.yaml",
        start_line: 1,
        annotation_level: "failure",
        message: `manifest could not be read: too large to read (${Buffer.byteLength(padded)} bytes; modelgate reads files up to 1048576 bytes)`,
      }),
    ]);
  });

  test("an alias bomb in a manifest fails closed instead of expanding", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    const bomb = `${RETRAINED.files["models/fraud/model.yaml"]!}${levels.join("\n")}\n`;
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RETRAINED.files, "models/fraud/model.yaml": bomb } });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({
        path: "models/fraud/model.yaml",
        annotation_level: "failure",
        message: expect.stringMatching(/alias/i),
      }),
    ]);
  });

  test("an invalid policy on the base branch fails with its line", async () => {
    const invalid = "models:\n  manifests: ['**/model.yaml']\nunmanaged_artifacts: sometimes\n";
    const app = await createTestApp();
    // the PR leaves the policy alone: only the trees are read to see that, no proposal check run
    serveInvalidBasePolicy(invalid, { ...RETRAINED.files, ".github/modelgate.yml": invalid });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({
        path: ".github/modelgate.yml",
        start_line: 3,
        annotation_level: "failure",
        message: expect.stringContaining("unmanaged_artifacts"),
      }),
    ]);
  });

  test("a PR that repairs an invalid base policy still fails, and its valid proposal is shown in modelgate / policy", async () => {
    const invalid = "unmanaged_artifacts: sometimes\n";
    const repaired = "unmanaged_artifacts: warn\n";
    const app = await createTestApp();
    serveInvalidBasePolicy(invalid, { ...RELEASED.files, ".github/modelgate.yml": repaired });
    serveProposalCheckRun(repaired);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const creates = app.requestsTo("POST", CHECK_RUNS).map((r) => r.body as CheckRunBody);
    expect(creates.map((b) => [b.name, b.conclusion])).toEqual([
      ["modelgate", "failure"],
      ["modelgate / policy", "neutral"],
    ]);
    // compared with the defaults the invalid policy falls short of
    expect(creates[1]!.output.summary).toContain("| `unmanaged_artifacts` | fail | warn | ⚠️ weakens |");
  });

  test("a PR that proposes an invalid policy gets a failing modelgate / policy run at the error's line", async () => {
    const broken = "gates:\n  retrain: { approvals: [developer, auditor] }\n";
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RELEASED.files, ".github/modelgate.yml": broken } });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);
    serveProposalCheckRun(broken, 2);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const creates = app.requestsTo("POST", CHECK_RUNS).map((r) => r.body as CheckRunBody);
    expect(creates.map((b) => [b.name, b.conclusion])).toEqual([
      ["modelgate", "success"],
      ["modelgate / policy", "failure"],
    ]);
    expect(creates[1]!.output.title).toBe("Proposed policy is invalid: 1 error");
    expect(creates[1]!.output.annotations).toEqual([
      {
        path: ".github/modelgate.yml",
        start_line: 2,
        end_line: 2,
        annotation_level: "failure",
        message: 'gates.retrain.approvals[1]: role "auditor" is not declared under roles',
        title: "Invalid modelgate policy",
      },
    ]);
  });
});

describe("story 7: GitHub fails while modelgate reads the pull request", () => {
  test("a 500 on the tree gives a failing 'Could not evaluate' run with Re-evaluate", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    const repository = new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
      ],
    });
    repository.serveCompare(BASE, HEAD).serveTree(BASE);
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/${REPO}/git/trees/${HEAD}`)
      .query({ recursive: "true" })
      .reply(500, { message: "Server Error" });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body).toMatchObject({
      conclusion: "failure",
      actions: [REEVALUATE_ACTION],
      output: {
        title: `Could not evaluate: GitHub answered 500 while reading the tree of acme/models at ${HEAD.slice(0, 7)}`,
      },
    });
    expect(body.output.summary).toContain("Re-evaluate");
    expect(decisionRecord(body)).toMatchObject({
      verdict: "failure",
      couldNotEvaluate: expect.stringContaining("GitHub answered 500"),
    });
    expect(app.logs.filter((line) => line.msg === "modelgate decision")).toEqual([
      expect.objectContaining({
        verdict: "failure",
        could_not_evaluate: body.output.title.replace("Could not evaluate: ", ""),
        models: [],
      }),
    ]);
  });

  test("a truncated tree fails closed instead of hiding files", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
      ],
    })
      .serveCompare(BASE, HEAD)
      .serveTree(BASE, { truncated: true });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe(
      `Could not evaluate: the tree of acme/models at ${BASE.slice(0, 7)} has more entries than GitHub lists (truncated); modelgate cannot see every file`,
    );
  });

  test("when even the check run cannot be written, the delivery fails", async () => {
    const app = await createTestApp();
    serveScenario({ base: { "a.txt": "a\n" }, head: { "a.txt": "b\n" } });
    serveOpenPullRequests(OWNER, REPO, []);
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/${REPO}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(502, { message: "Bad Gateway" });

    await expect(app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID))).rejects.toThrow(
      /could not write the check run "modelgate" of acme\/models/,
    );
  });
});

describe("story 8: the same delivery twice", () => {
  test("keeps one check run: the second time it is found by name and updated", async () => {
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: RETRAINED.files });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO, 7001);
    const event = { ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "same-delivery" };

    await app.receive(event);
    const first = createdCheckRun(app);

    // the redelivery reads everything again and finds the run the first delivery created
    serveNoPolicy(OWNER, REPO, "main");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: RELEASED.files },
        { sha: HEAD, files: RETRAINED.files },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, PR.number, []);
    serveCheckRunLookup(OWNER, REPO, HEAD, [
      { id: 7001, externalId: first.external_id, annotationsCount: first.output.annotations?.length ?? 0 },
    ]);
    serveCheckRunUpdate(OWNER, REPO, 7001);

    await app.receive(event);

    expect(app.requestsTo("POST", CHECK_RUNS)).toHaveLength(1);
    const updates = app.requestsTo("PATCH", `${CHECK_RUNS}/7001`);
    expect(updates).toHaveLength(1);
    const { output, ...run } = updates[0]!.body as CheckRunBody;
    const { output: firstOutput, name: _name, head_sha: _headSha, ...firstRun } = first;
    expect(run).toEqual(firstRun);
    // same title, summary and text; annotations are not sent again (GitHub would append duplicates)
    expect(output).toEqual({ title: firstOutput.title, summary: firstOutput.summary, text: firstOutput.text });
  });

  test("a run carrying other annotations is updated with only the ones it lacks: one run per head, no duplicates", async () => {
    const misspelt = RETRAINED.files["models/fraud/model.yaml"]!.replace("    kind: weights\n", "    kind: weight\n");
    const app = await createTestApp();
    serveScenario({ base: RELEASED.files, head: { ...RETRAINED.files, "models/fraud/model.yaml": misspelt } });
    serveCheckRunLookup(OWNER, REPO, HEAD, [
      { id: 7001, externalId: "modelgate-annotations:older", annotationsCount: 1 },
    ]);
    // the run already carries an older annotation that this evaluation no longer makes
    nock(GITHUB_API)
      .get(`${CHECK_RUNS}/7001/annotations`)
      .query({ per_page: "100" })
      .reply(200, [
        {
          path: "models/fraud/model.yaml",
          start_line: 3,
          end_line: 3,
          annotation_level: "failure",
          message: "an older problem",
          title: "x",
          raw_details: null,
          blob_href: "",
        },
      ]);
    serveCheckRunUpdate(OWNER, REPO, 7001);

    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));

    expect(app.requestsTo("POST", CHECK_RUNS)).toEqual([]);
    const [update] = app.requestsTo("PATCH", `${CHECK_RUNS}/7001`);
    const body = update!.body as CheckRunBody;
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({
        path: "models/fraud/model.yaml",
        start_line: lineContaining(misspelt, "kind: weight"),
        message: expect.stringContaining("components[0].kind"),
      }),
    ]);
  });

  test("another app's run of the same name is never updated", async () => {
    const app = await createTestApp();
    serveScenario({ base: { "a.txt": "a\n" }, head: { "a.txt": "b\n" } });
    serveCheckRunLookup(OWNER, REPO, HEAD, [{ id: 555, appId: 1 }]);
    serveCheckRunCreate(OWNER, REPO, 7003);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(createdCheckRun(app).conclusion).toBe("success");
  });
});

describe("more than 50 annotations", () => {
  test("are sent as 50 with the new run and the rest in an update", async () => {
    const unmanaged = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`experiments/run-${String(i).padStart(2, "0")}.onnx`, `onnx bytes ${i}`]),
    );
    const app = await createTestApp();
    const repository = serveScenario({
      base: { "README.md": "# Models\n" },
      head: { "README.md": "# Models\n", ...unmanaged },
    });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO, 7001);
    serveCheckRunUpdate(OWNER, REPO, 7001);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("60 unmanaged model files");
    expect(body.output.annotations).toHaveLength(50);
    const [update] = app.requestsTo("PATCH", `${CHECK_RUNS}/7001`);
    const rest = (update!.body as CheckRunBody).output.annotations ?? [];
    expect(rest).toHaveLength(10);
    const paths = [...(body.output.annotations ?? []), ...rest].map((a) => a.path).sort();
    expect(paths).toEqual(Object.keys(unmanaged).sort());
    expect(rest[0]).toMatchObject({ start_line: 1, annotation_level: "failure", title: "Unmanaged model file" });
    // 60 small candidate files are read in ONE GraphQL request
    expect(repository.graphqlRequests).toHaveLength(1);
    expect(repository.graphqlRequests[0]).toHaveLength(60);
  });
});

describe("a pull request over GitHub's 3,000-file listing limit", () => {
  test("is evaluated from the two trees, so a model file among 3,001 changes is still found", async () => {
    const sources = (version: number) =>
      Object.fromEntries(
        Array.from({ length: 3000 }, (_, i) => [`src/pkg${i % 40}/file${i}.py`, `VALUE = ${i + version}\n`]),
      );
    const app = await createTestApp();
    serveScenario({
      base: { "README.md": "# Models\n", ...sources(0) },
      head: { "README.md": "# Models\n", ...sources(1), "src/pkg7/shadow.onnx": "onnx bytes" },
    });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = createdCheckRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toEqual([
      expect.objectContaining({ path: "src/pkg7/shadow.onnx", annotation_level: "failure" }),
    ]);
    // the PR files listing (capped at 3,000) is never used
    expect(app.requestsTo("GET", /\/pulls\/7\/files/)).toEqual([]);
  });
});

describe("a pull request whose base branch moved on", () => {
  test("is compared with the merge base, like GitHub's 'Files changed'", async () => {
    const forkPoint = commitSha("fork-point");
    const other = repositoryModelFiles(fraud({ dir: "models/churn", name: "churn", version: "1.0.0" }));
    const app = await createTestApp();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    // main gained the churn model after the PR branched off; the PR itself only edits docs
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: { ...RELEASED.files, ...other.files, "docs/x.md": "x\n" } },
        { sha: forkPoint, files: { ...RELEASED.files, "docs/x.md": "x\n" } },
        { sha: HEAD, files: { ...RELEASED.files, "docs/x.md": "y\n" } },
      ],
    }).servePullRequest(BASE, HEAD, forkPoint);
    serveReviews(OWNER, REPO, PR.number, []);
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));

    expect(createdCheckRun(app)).toMatchObject({ conclusion: "success", output: { title: "No model changes" } });
    expect(app.requestsTo("GET", `/repos/${OWNER}/${REPO}/git/trees/${BASE}`)).toEqual([]);
  });
});

describe("story 9: the PR gate's decision feeds the organisation's inventory", () => {
  test("the version of the pull request is in the model's timeline before it merges, awaiting the roles its gate asks", async () => {
    const database = await testDatabase();
    await emptyInventory(database.pool);
    const inventory = postgresInventoryStore(database.pool);
    const jobs: Jobs = { defineJob: () => undefined, defineCron: () => undefined, enqueue: async () => null };
    const app = await createTestApp({ jobs, inventory });
    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);
    serveScenario({ base: RELEASED.files, head: RETRAINED.files });
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await app.receive(event);

    const repositoryId = (event.payload as { repository: { id: number } }).repository.id;
    const timeline = await inventory.modelTimeline(repositoryId, "fraud-detector");
    expect(timeline?.current).toBeNull();
    expect(timeline?.versions.map((v) => [v.version, v.digest, v.pullRequest, v.awaitingRoles, v.firstSeenAt])).toEqual(
      [
        [
          "2.1.0",
          RETRAINED.digest,
          {
            conclusion: "action_required",
            url: `https://github.com/${OWNER}/${REPO}/runs/7001`,
            headSha: HEAD,
            number: 7,
            decidedAt: TEST_NOW.toISOString(),
          },
          ["developer", "system_operator"],
          null,
        ],
      ],
    );
    expect(
      (await inventory.listModels({ repositoryIds: [repositoryId], awaitingSignOff: true })).map((m) => m.name),
    ).toEqual([]);
  });
});
