import nock from "nock";
import { describe, expect, test } from "vitest";
import { readTeamMembership, roleTeams } from "../../../src/github/membership.js";
import { listReviews } from "../../../src/github/reviews.js";
import { defaultPolicy } from "../../../src/core/policy/schema.js";
import { GITHUB_API } from "../../helpers/fake-repository.js";
import { testOctokit } from "../../helpers/test-app.js";
import { isTeamMembershipQuery, serveTeamMembership, teamMembershipAnswer } from "../../helpers/serve-github.js";

describe("readTeamMembership", () => {
  const both = ["alice", "bob"].flatMap((login) => ["ml-engineers", "platform-ops"].map((team) => ({ login, team })));

  test("one GraphQL read for every login and team: an exact login is a member, a login that only contains it is not; each login asked once, in lower case", async () => {
    // GitHub's members(query:) matches parts of logins and names: "al" would find "alice" and "malcolm"
    serveTeamMembership("acme", both, { "ml-engineers": ["Alice", "alicebot"], "platform-ops": ["malice"] });

    const membership = await readTeamMembership(testOctokit(), {
      org: "acme",
      logins: ["Alice", "alice", "bob"],
      teams: ["ml-engineers", "platform-ops"],
    });

    expect(membership).toEqual({
      alice: { "ml-engineers": true, "platform-ops": false },
      bob: { "ml-engineers": false, "platform-ops": false },
    });
  });

  test("many people in many teams still cost one request per 100 pairs", async () => {
    const logins = Array.from({ length: 30 }, (_, i) => `reviewer${i}`);
    const teams = ["t1", "t2", "t3", "t4", "t5"];
    let requests = 0;
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: unknown }) => isTeamMembershipQuery(body))
      .times(2)
      .reply(200, (_uri, body) => {
        requests += 1;
        return teamMembershipAnswer(body as { query: string; variables: Record<string, string> }, {
          t3: ["reviewer7"],
        });
      });

    const membership = await readTeamMembership(testOctokit(), { org: "acme", logins, teams });

    expect(requests).toBe(2);
    expect(
      Object.entries(membership).flatMap(([login, perTeam]) =>
        Object.entries(perTeam)
          .filter(([, member]) => member)
          .map(([team]) => `${team}/${login}`),
      ),
    ).toEqual(["t3/reviewer7"]);
  });

  test("a login matching more than 100 members without an exact match is asked over REST, where pending is not a member", async () => {
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: unknown }) => isTeamMembershipQuery(body))
      .reply(200, {
        data: {
          organization: {
            t0: {
              m0: {
                nodes: Array.from({ length: 100 }, (_, i) => ({ login: `al${i}` })),
                pageInfo: { hasNextPage: true },
              },
            },
          },
        },
      });
    nock(GITHUB_API).get("/orgs/acme/teams/ml-engineers/memberships/al").reply(200, { state: "pending" });

    await expect(
      readTeamMembership(testOctokit(), { org: "acme", logins: ["al"], teams: ["ml-engineers"] }),
    ).resolves.toEqual({
      al: { "ml-engineers": false },
    });
  });

  test("a repository owned by a user (no such organisation) has no team members", async () => {
    nock(GITHUB_API)
      .post("/graphql", (body: { query?: unknown }) => isTeamMembershipQuery(body))
      .reply(200, {
        data: { organization: null },
        errors: [
          {
            type: "NOT_FOUND",
            path: ["organization"],
            message: "Could not resolve to an Organization with the login of 'dana'.",
          },
        ],
      });

    await expect(
      readTeamMembership(testOctokit(), { org: "dana", logins: ["alice"], teams: ["ml-engineers"] }),
    ).resolves.toEqual({
      alice: { "ml-engineers": false },
    });
  });

  test.each([
    [
      "an HTTP error",
      () => nock(GITHUB_API).post("/graphql").reply(403, { message: "Resource not accessible by integration" }),
      "GitHub answered 403 while reading the members of the role teams of @acme",
    ],
    [
      "a GraphQL error",
      () =>
        nock(GITHUB_API)
          .post("/graphql")
          .reply(200, {
            data: null,
            errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration" }],
          }),
      "GitHub's GraphQL API answered an error (Resource not accessible by integration) while reading the members of the role teams of @acme",
    ],
  ])("%s fails closed", async (_case, serve, message) => {
    serve();

    await expect(
      readTeamMembership(testOctokit(), { org: "acme", logins: ["alice"], teams: ["ml-engineers"] }),
    ).rejects.toThrow(message);
  });

  test("roleTeams lists each team of the policy's roles once", () => {
    expect(roleTeams(defaultPolicy())).toEqual(["data-governance", "ml-engineers", "platform-ops"]);
  });
});

describe("listReviews", () => {
  test("reads every page and skips reviews of deleted accounts", async () => {
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: from + i,
        user: { login: `r${from + i}` },
        state: "COMMENTED",
        commit_id: "c",
        submitted_at: "2026-11-01T00:00:00Z",
      }));
    nock(GITHUB_API).get("/repos/acme/models/pulls/7/reviews").query({ per_page: "100" }).reply(200, page(0, 100), {
      link: '<https://api.github.com/repos/acme/models/pulls/7/reviews?per_page=100&page=2>; rel="next"',
    });
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/7/reviews")
      .query({ per_page: "100", page: "2" })
      .reply(200, [
        ...page(100, 5),
        { id: 999, user: null, state: "APPROVED", commit_id: "c", submitted_at: "2026-11-02T00:00:00Z" },
      ]);

    const reviews = await listReviews(testOctokit(), { owner: "acme", repo: "models", pullNumber: 7 });

    expect(reviews).toHaveLength(105);
    expect(reviews[104]).toEqual({
      login: "r104",
      state: "COMMENTED",
      commitId: "c",
      submittedAt: "2026-11-01T00:00:00Z",
    });
  });
});
