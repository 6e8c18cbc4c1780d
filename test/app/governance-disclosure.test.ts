import nock from "nock";
import { describe, expect, test } from "vitest";
import { GITHUB_API } from "../helpers/fake-repository.js";
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
const POLICY = "governance:\n  disclosure_policy: true\n";
const SECURITY = "# Security policy\n\nReport vulnerabilities to security@example.org.\n";

/** The organisation's `.github` repository as GitHub's GraphQL answers for it: absent, or holding these paths. */
function serveOrganisationRepository(paths: string[] | "not-found"): string[] {
  const queries: string[] = [];
  nock(GITHUB_API)
    .post("/graphql", (body: { query?: string; variables?: Record<string, unknown> }) => {
      if (typeof body.query !== "string" || !body.query.includes('name: ".github"')) return false;
      queries.push(body.query);
      return body.variables?.owner === OWNER;
    })
    .reply(200, () => {
      if (paths === "not-found")
        return {
          data: { repository: null },
          errors: [
            {
              type: "NOT_FOUND",
              path: ["repository"],
              message: `Could not resolve to a Repository with the name '${OWNER}/.github'.`,
            },
          ],
        };
      const answer: Record<string, { byteSize: number } | null> = {};
      [".github/SECURITY.md", "SECURITY.md", "docs/SECURITY.md"].forEach((path, index) => {
        answer[`p${index}`] = paths.includes(path) ? { byteSize: 120 } : null;
      });
      return { data: { repository: answer } };
    });
  return queries;
}

function approvedRetrain(files: { base: Record<string, string>; head: Record<string, string> }): void {
  servePullRequestScenario(PR, files, {
    policy: POLICY,
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

function disclosure(app: TestApp): { status: string; message: string } | undefined {
  const body = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody;
  const json = /```json\n([\s\S]*?)\n```/.exec(body.output.text)?.[1];
  const record = JSON.parse(json ?? "{}") as {
    models: Array<{ requirements: Array<{ id: string; status: string; message: string }> }>;
  };
  const found = record.models[0]?.requirements.find((r) => r.id === "disclosure-policy");
  return found ? { status: found.status, message: found.message } : undefined;
}

describe("story: a repository with gated models publishes a security policy (governance.disclosure_policy)", () => {
  test("the base branch's SECURITY.md meets it, and nothing more is read", async () => {
    const app = await createTestApp();
    approvedRetrain({
      base: { ...RELEASED.files, ".github/SECURITY.md": SECURITY },
      head: { ...RETRAINED.files, ".github/SECURITY.md": SECURITY },
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(disclosure(app)).toEqual({ status: "met", message: "A security policy is published: .github/SECURITY.md." });
    const queries = app.requestsTo("POST", "/graphql").map((r) => (r.body as { query: string }).query);
    expect(queries.filter((q) => q.includes('".github"'))).toEqual([]);
  });

  test("attack: a SECURITY.md only in the pull request's branch is not published: the gate fails", async () => {
    const app = await createTestApp();
    const orgQueries = serveOrganisationRepository("not-found");
    approvedRetrain({ base: RELEASED.files, head: { ...RETRAINED.files, "SECURITY.md": SECURITY } });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(disclosure(app)).toEqual({
      status: "failed",
      message:
        "No security policy is published: add SECURITY.md (in .github/, the root or docs/) on the default branch, or in the organisation's .github repository.",
    });
    const body = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody;
    expect(body.conclusion).toBe("failure");
    expect(orgQueries).toHaveLength(1);
  });

  test("the organisation's .github repository's SECURITY.md meets it, as GitHub falls back to it", async () => {
    const app = await createTestApp();
    serveOrganisationRepository(["SECURITY.md"]);
    approvedRetrain({ base: RELEASED.files, head: RETRAINED.files });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(disclosure(app)).toEqual({
      status: "met",
      message: `A security policy is published: ${OWNER}/.github: SECURITY.md.`,
    });
  });
});
