import { describe, expect, test } from "vitest";
import { commitSha } from "../fixtures/git-objects.js";
import { RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { createTestApp, INSTALLATION_ID, type TestApp } from "../helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, type CheckRunBody } from "../helpers/serve-github.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";
import { rosterWith, serveRoster } from "../helpers/serve-training.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;

/** People by user (no team reads): alice develops, bob operates, sam is security and keeps the roster. */
function policy(require: "true" | "warn"): string {
  return [
    "roles:",
    "  developer: { users: [alice, dana] }",
    "  system_operator: { users: [bob] }",
    "  data_custodian: { users: [carol] }",
    "  security: { users: [sam, dana] }",
    "training:",
    `  require: ${require}`,
    "  admins: security",
    "",
  ].join("\n");
}

const ALICE_TRAINED = rosterWith([{ login: "alice", completed: "2026-03-01" }]);
const approvals = (...logins: string[]) => logins.map((login) => ({ login, state: "APPROVED", commitId: HEAD }));

function createdCheckRun(app: TestApp): CheckRunBody {
  const creates = app.requestsTo("POST", CHECK_RUNS);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as CheckRunBody;
}

async function judge(
  files: { base: Record<string, string>; head: Record<string, string> },
  options: { require: "true" | "warn"; roster: string | undefined; reviews: ReturnType<typeof approvals> },
): Promise<{ app: TestApp; body: CheckRunBody }> {
  const app = await createTestApp();
  servePullRequestScenario(PR, files, { reviews: options.reviews, policy: policy(options.require) });
  serveRoster(OWNER, REPO, options.roster);
  if (options.roster === undefined) serveRoster(OWNER, ".github", undefined);
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
  await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));
  return { app, body: createdCheckRun(app) };
}

describe("training.require: true", () => {
  test("a review by a holder with no training record does not count, and the check run says why", async () => {
    const { body } = await judge(
      { base: RELEASED.files, head: RETRAINED.files },
      { require: "true", roster: ALICE_TRAINED, reviews: approvals("alice", "bob") },
    );
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("1 model: 1 sign-off missing");
    expect(body.output.summary).toContain("approved by @alice in a review of");
    expect(body.output.summary).toContain("@bob not counted: no training record for system_operator");
  });

  test("an expired record names the day it expired", async () => {
    const roster = rosterWith([
      { login: "alice", completed: "2026-03-01" },
      { login: "bob", completed: "2025-10-01" },
    ]);
    const { body } = await judge(
      { base: RELEASED.files, head: RETRAINED.files },
      { require: "true", roster, reviews: approvals("alice", "bob") },
    );
    expect(body.conclusion).toBe("action_required");
    expect(body.output.summary).toContain("@bob not counted: system_operator training expired 2026-10-01");
  });

  test("with no roster in the repository, the organisation's .github repository is asked; with none there, nobody counts", async () => {
    const { body } = await judge(
      { base: RELEASED.files, head: RETRAINED.files },
      { require: "true", roster: undefined, reviews: approvals("alice", "bob") },
    );
    expect(body.conclusion).toBe("action_required");
    expect(body.output.summary).toContain(
      "@alice not counted: no training roster (governance/training.yaml) was found",
    );
  });

  test("attack: a roster in a PR branch used to train oneself — the roster is read from the default branch, never the head", async () => {
    const trainsBob = rosterWith([
      { login: "alice", completed: "2026-03-01" },
      { login: "bob", completed: "2026-11-01" },
    ]);
    const { app, body } = await judge(
      {
        base: { ...RELEASED.files, "governance/training.yaml": ALICE_TRAINED },
        head: { ...RETRAINED.files, "governance/training.yaml": trainsBob },
      },
      { require: "true", roster: ALICE_TRAINED, reviews: approvals("alice", "bob") },
    );
    expect(body.conclusion).toBe("action_required");
    expect(body.output.summary).toContain("@bob not counted: no training record for system_operator");
    // one roster read, with no ref: the default branch's
    expect(app.requestsTo("GET", /contents\/governance%2Ftraining\.yaml/).map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/contents/governance%2Ftraining.yaml`,
    ]);
  });
});

describe("training.require: warn (the grace mode)", () => {
  test("an untrained review counts, and the check run says it would not", async () => {
    const { body } = await judge(
      { base: RELEASED.files, head: RETRAINED.files },
      { require: "warn", roster: ALICE_TRAINED, reviews: approvals("alice", "bob") },
    );
    expect(body.conclusion).toBe("success");
    expect(body.output.summary).toContain("approved by @bob in a review of");
    expect(body.output.summary).toContain(
      "would not count with training.require: true: no training record for system_operator",
    );
  });
});

describe("a pull request that changes the roster", () => {
  const base = { "README.md": "# Models\n", "governance/training.yaml": ALICE_TRAINED };
  const addsDana = rosterWith([
    { login: "alice", completed: "2026-03-01" },
    { login: "dana", completed: "2026-11-30" },
  ]);
  const head = { "README.md": "# Models\n", "governance/training.yaml": addsDana };

  test("attack: own author added to roster — the author's approval as admin does not count, and the check stays red", async () => {
    const { body } = await judge(
      { base, head },
      { require: "true", roster: ALICE_TRAINED, reviews: approvals("dana") },
    );
    expect(body.conclusion).toBe("action_required");
    expect(body.output.title).toBe("training roster change awaits its admins");
    expect(body.output.summary).toContain("### Training roster");
    expect(body.output.summary).toContain(
      "governance/training.yaml changed, so training.admins must approve it: security must sign off",
    );
    expect(body.output.summary).toContain("@dana is an author: their own approval does not count");
  });

  test("an invalid new roster fails with its line, approved or not", async () => {
    const invalid = addsDana.replace(
      "course: ai-security-basics\n    completed: 2026-11-30",
      "course: phishing-101\n    completed: 2026-11-30",
    );
    const { body } = await judge(
      { base, head: { ...head, "governance/training.yaml": invalid } },
      { require: "true", roster: ALICE_TRAINED, reviews: approvals("sam") },
    );
    expect(body.conclusion).toBe("failure");
    expect(body.output.title).toBe("invalid training roster");
    expect(body.output.summary).toContain(
      'governance/training.yaml:10: records[1].course: course "phishing-101" is not listed under courses',
    );
  });

  test("passes once a holder of training.admins who is not its author approves the head commit", async () => {
    const { body } = await judge({ base, head }, { require: "true", roster: ALICE_TRAINED, reviews: approvals("sam") });
    expect(body.conclusion).toBe("success");
    expect(body.output.summary).toContain("the roster change was approved by @sam in a review of");
  });
});
