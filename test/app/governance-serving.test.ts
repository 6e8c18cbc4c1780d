import { describe, expect, test } from "vitest";
import { commitSha } from "../fixtures/git-objects.js";
import { RELEASED, RETRAINED } from "../fixtures/fraud-detector.js";
import { createTestApp, INSTALLATION_ID, type TestApp } from "../helpers/test-app.js";
import {
  serveCheckRunCreate,
  serveCheckRunLookup,
  serveTeamMembership,
  type CheckRunBody,
} from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { servePullRequestScenario } from "../helpers/serve-pull-request.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const ROLE_TEAMS = ["data-governance", "ml-engineers", "platform-ops"];

/** A model's files with a `serving` block at the end of its manifest. */
function serving(
  model: { manifestPath: string; files: Record<string, string> },
  block: string,
): Record<string, string> {
  return { ...model.files, [model.manifestPath]: `${model.files[model.manifestPath]}serving:\n${block}` };
}

function judge(files: { base: Record<string, string>; head: Record<string, string> }): void {
  servePullRequestScenario(PR, files, {
    reviews: [
      { login: "alice", state: "APPROVED", commitId: HEAD },
      { login: "bob", state: "APPROVED", commitId: HEAD },
    ],
  });
  serveTeamMembership(
    OWNER,
    ["alice", "bob"].flatMap((login) => ROLE_TEAMS.map((team) => ({ login, team }))),
    { "ml-engineers": ["alice"], "platform-ops": ["bob"] },
  );
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
}

function checkRun(app: TestApp): CheckRunBody {
  return app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody;
}

function record(body: CheckRunBody): {
  models: Array<{ changes: string[]; requirements: Array<{ id: string; status: string; message: string }> }>;
} {
  return JSON.parse(/```json\n([\s\S]*?)\n```/.exec(body.output.text)?.[1] ?? "{}") as ReturnType<typeof record>;
}

describe("story: a served model declares how it is protected (manifest serving)", () => {
  test("a public model without a rate limit fails `serving`, annotated at the manifest's serving block", async () => {
    const app = await createTestApp();
    judge({ base: RELEASED.files, head: serving(RETRAINED, "  exposure: public\n  authentication: oauth2\n") });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = checkRun(app);
    expect(body.conclusion).toBe("failure");
    expect(record(body).models[0]!.requirements.find((r) => r.id === "serving")).toEqual({
      id: "serving",
      status: "failed",
      message:
        "The model is served publicly without a rate limit (rate_limit: { requests, per }): declare them under serving.",
      provision: "5.2.2-2, 5.1.2-6",
      path: RETRAINED.manifestPath,
      line: expect.any(Number) as number,
    });
  });

  test("attack: rate_limit: 0 is no rate limit: the manifest is invalid and the gate fails", async () => {
    const app = await createTestApp();
    judge({
      base: RELEASED.files,
      head: serving(RETRAINED, "  exposure: public\n  authentication: oauth2\n  rate_limit: 0\n"),
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const body = checkRun(app);
    expect(body.conclusion).toBe("failure");
    expect(body.output.text).toContain("a rate limit is { requests: 100, per: minute }");
  });

  test("making an internal model public is a configuration change, with its gate: a new version", async () => {
    const app = await createTestApp();
    const base = serving(RELEASED, "  exposure: internal\n  authentication: mtls\n  permissions: []\n");
    const head = serving(
      RELEASED,
      "  exposure: public\n  authentication: mtls\n  rate_limit: { requests: 100, per: minute }\n  permissions: []\n",
    );
    judge({ base, head });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    const model = record(checkRun(app)).models[0]!;
    expect(model.changes).toEqual(["configuration"]);
    expect(model.requirements.find((r) => r.id === "serving")?.status).toBe("met");
    // like a prompt or modality change, a serving change is a new version of the model (5.4.1-2)
    expect(model.requirements.find((r) => r.id === "version.raised")).toMatchObject({
      status: "failed",
      message:
        "a retrained model is a new version: configuration changed but the version stays 2.0.0; raise it above 2.0.0",
    });
  });
});
