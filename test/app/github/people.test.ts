import nock from "nock";
import { describe, expect, test } from "vitest";
import { readTeamMembership, roleTeams } from "../../../src/github/membership.js";
import { listReviews } from "../../../src/github/reviews.js";
import { defaultPolicy } from "../../../src/core/policy/schema.js";
import { GITHUB_API } from "../../helpers/fake-repository.js";
import { testOctokit } from "../../helpers/test-app.js";

describe("readTeamMembership", () => {
  test("active is a member; pending and 404 are not; each login is asked once, in lower case", async () => {
    nock(GITHUB_API).get("/orgs/acme/teams/ml-engineers/memberships/alice").reply(200, { state: "active" });
    nock(GITHUB_API).get("/orgs/acme/teams/platform-ops/memberships/alice").reply(200, { state: "pending" });
    nock(GITHUB_API).get("/orgs/acme/teams/ml-engineers/memberships/bob").reply(404);
    nock(GITHUB_API).get("/orgs/acme/teams/platform-ops/memberships/bob").reply(404);

    const membership = await readTeamMembership(testOctokit(), { org: "acme", logins: ["Alice", "alice", "bob"], teams: ["ml-engineers", "platform-ops"] });

    expect(membership).toEqual({ alice: { "ml-engineers": true, "platform-ops": false }, bob: { "ml-engineers": false, "platform-ops": false } });
  });

  test("any other error fails closed", async () => {
    nock(GITHUB_API).get("/orgs/acme/teams/ml-engineers/memberships/alice").reply(403, { message: "Resource not accessible by integration" });

    await expect(readTeamMembership(testOctokit(), { org: "acme", logins: ["alice"], teams: ["ml-engineers"] })).rejects.toThrow(
      "GitHub answered 403 while reading the membership of @alice in team @acme/ml-engineers",
    );
  });

  test("roleTeams lists each team of the policy's roles once", () => {
    expect(roleTeams(defaultPolicy())).toEqual(["data-governance", "ml-engineers", "platform-ops"]);
  });
});

describe("listReviews", () => {
  test("reads every page and skips reviews of deleted accounts", async () => {
    const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i, user: { login: `r${from + i}` }, state: "COMMENTED", commit_id: "c", submitted_at: "2026-11-01T00:00:00Z" }));
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/7/reviews")
      .query({ per_page: "100" })
      .reply(200, page(0, 100), { link: '<https://api.github.com/repos/acme/models/pulls/7/reviews?per_page=100&page=2>; rel="next"' });
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/7/reviews")
      .query({ per_page: "100", page: "2" })
      .reply(200, [...page(100, 5), { id: 999, user: null, state: "APPROVED", commit_id: "c", submitted_at: "2026-11-02T00:00:00Z" }]);

    const reviews = await listReviews(testOctokit(), { owner: "acme", repo: "models", pullNumber: 7 });

    expect(reviews).toHaveLength(105);
    expect(reviews[104]).toEqual({ login: "r104", state: "COMMENTED", commitId: "c", submittedAt: "2026-11-01T00:00:00Z" });
  });
});
