import nock from "nock";
import { pino } from "pino";
import { Probot, type ProbotOctokit } from "probot";
import { describe, expect, test } from "vitest";
import { ModelgateOctokit } from "../../../src/github/octokit.js";
import { rateLimitWait, requestKind, type TrafficOptions } from "../../../src/github/traffic.js";
import { pullRequestEvent } from "../../fixtures/payloads/index.js";
import { GITHUB_API } from "../../helpers/fake-repository.js";
import { BASE, HEAD, PR, world } from "../../helpers/sign-off-world.js";
import { APP_ID, createTestApp, INSTALLATION_ID, testPrivateKey } from "../../helpers/test-app.js";

/** Sleeps recorded, not slept: the waits a request made are what the test asserts. */
function traffic(options: Omit<TrafficOptions, "sleep"> = {}): TrafficOptions & { slept: number[] } {
  const slept: number[] = [];
  return { ...options, slept, sleep: async (ms) => void slept.push(ms) };
}

function client(options: TrafficOptions, installationId = 1) {
  return new ModelgateOctokit({
    auth: { token: "ghs_test", installationId },
    retry: { enabled: false },
    modelgateTraffic: options,
  } as never) as InstanceType<typeof ModelgateOctokit>;
}

describe("which requests are writes", () => {
  test.each([
    [{ method: "GET", url: "/repos/acme/models/pulls/7" }, "read"],
    [{ method: "POST", url: "/graphql", body: { query: "query { viewer { login } }" } }, "read"],
    [
      {
        method: "POST",
        url: "https://github.example.com/api/graphql",
        body: { query: "\n  # a comment\n  query Files { repository { id } }" },
      },
      "read",
    ],
    [
      { method: "POST", url: "/graphql", body: { query: "mutation { addStar(input: {}) { clientMutationId } }" } },
      "write",
    ],
    // what octokit.graphql() hands the request hook: the query beside method and url, no body yet
    [{ method: "POST", url: "/graphql", query: "query Files { repository { id } }" }, "read"],
    [{ method: "POST", url: "https://github.example.com/api/graphql", query: "{ viewer { login } }" }, "read"],
    [{ method: "POST", url: "/graphql", query: "mutation { addStar(input: {}) { clientMutationId } }" }, "write"],
    [{ method: "POST", url: "/app/installations/9/access_tokens" }, "read"],
    [{ method: "POST", url: "/repos/acme/models/check-runs" }, "write"],
    [{ method: "PATCH", url: "/repos/acme/models/check-runs/1" }, "write"],
  ] as const)("%j is a %s", (request, kind) => {
    expect(requestKind(request)).toBe(kind);
  });
});

describe("what GitHub asks to wait", () => {
  const error = (status: number, headers: Record<string, string>, message = "Forbidden") =>
    Object.assign(new Error(message), { status, response: { status, headers, data: { message } } });

  test.each([
    ["403 with retry-after", error(403, { "retry-after": "7" }), { seconds: 7, limit: "secondary" }],
    [
      "403 'secondary rate limit' without retry-after",
      error(403, {}, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
      { seconds: 60, limit: "secondary" },
    ],
    ["429 without headers", error(429, {}), { seconds: 60, limit: "secondary" }],
    [
      "403 with the primary limit exhausted",
      error(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 30) }),
      { limit: "primary" },
    ],
    ["403 of a missing permission", error(403, {}, "Resource not accessible by integration"), undefined],
    ["404", error(404, {}), undefined],
  ])("%s", (_case, failure, expected) => {
    const wait = rateLimitWait(failure);
    if (expected === undefined) expect(wait).toBeUndefined();
    else expect(wait).toMatchObject(expected);
  });
});

describe("pacing and rate-limit waits", () => {
  test("a secondary rate limit on a write is waited out, honouring retry-after, then the write goes through", async () => {
    const options = traffic({ writeGapMs: 0 });
    nock(GITHUB_API)
      .post("/repos/acme/models/check-runs")
      .reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "3" });
    nock(GITHUB_API).post("/repos/acme/models/check-runs").reply(201, { id: 5 });

    const { data } = await client(options).request("POST /repos/{owner}/{repo}/check-runs", {
      owner: "acme",
      repo: "models",
      name: "modelgate",
      head_sha: HEAD,
    });

    expect(data).toEqual({ id: 5 });
    expect(options.slept).toEqual([3000]);
  });

  test("a 429 on a read is waited out too", async () => {
    const options = traffic();
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/7")
      .reply(429, { message: "Too Many Requests" }, { "retry-after": "1" });
    nock(GITHUB_API).get("/repos/acme/models/pulls/7").reply(200, { number: 7 });

    await expect(
      client(options).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: "acme",
        repo: "models",
        pull_number: 7,
      }),
    ).resolves.toMatchObject({ data: { number: 7 } });
    expect(options.slept).toEqual([1000]);
  });

  test("bounded: a limit that persists fails after 3 waits, and a wait longer than the bound is not made", async () => {
    const options = traffic({ maxWaitSeconds: 60 });
    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/7")
      .times(4)
      .reply(403, { message: "secondary rate limit" }, { "retry-after": "2" });

    await expect(
      client(options).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: "acme",
        repo: "models",
        pull_number: 7,
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(options.slept).toEqual([2000, 2000, 2000]);

    nock(GITHUB_API)
      .get("/repos/acme/models/pulls/8")
      .reply(403, { message: "secondary rate limit" }, { "retry-after": "600" });
    await expect(
      client(options).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: "acme",
        repo: "models",
        pull_number: 8,
      }),
    ).rejects.toThrow(
      "GitHub's secondary rate limit asks to wait 600 s, longer than modelgate waits: the job is retried later",
    );
  });

  test("writes of one installation start a gap apart; another installation's do not wait; reads never wait", async () => {
    const options = traffic({ writeGapMs: 1000 });
    nock(GITHUB_API).post("/repos/acme/models/check-runs").times(3).reply(201, { id: 1 });
    nock(GITHUB_API).get("/repos/acme/models/pulls/7").times(2).reply(200, { number: 7 });
    const write = (installation: number) =>
      client(options, installation).request("POST /repos/{owner}/{repo}/check-runs", {
        owner: "acme",
        repo: "models",
        name: "modelgate",
        head_sha: HEAD,
      });
    const read = () =>
      client(options, 1).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: "acme",
        repo: "models",
        pull_number: 7,
      });

    await write(1);
    expect(options.slept).toEqual([]);
    await Promise.all([write(1), read(), read(), write(2)]);

    // only installation 1's second write waited, for about the gap
    expect(options.slept).toHaveLength(1);
    expect(options.slept[0]).toBeGreaterThan(900);
    expect(options.slept[0]).toBeLessThanOrEqual(1000);
  });

  test("GraphQL queries sent with octokit.graphql() are reads: they never wait behind a write; a mutation does", async () => {
    const options = traffic({ writeGapMs: 1000 });
    nock(GITHUB_API).post("/repos/acme/models/check-runs").reply(201, { id: 1 });
    nock(GITHUB_API)
      .post("/graphql")
      .times(4)
      .reply(200, { data: { viewer: { login: "modelgate" } } });
    const octokit = client(options);

    await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: "acme",
      repo: "models",
      name: "modelgate",
      head_sha: HEAD,
    });
    await Promise.all([
      octokit.graphql("query { viewer { login } }"),
      octokit.graphql("{ viewer { login } }"),
      octokit.graphql("query { viewer { login } }"),
    ]);
    expect(options.slept).toEqual([]);

    await octokit.graphql('mutation { addStar(input: { starrableId: "1" }) { clientMutationId } }');
    expect(options.slept).toHaveLength(1);
  });
});

test("Probot's own throttling (1 s between any two POSTs, GraphQL reads included) is off in every client Probot builds: modelgate paces instead", async () => {
  const throttles: unknown[] = [];
  const Recording = ModelgateOctokit.plugin(
    (_octokit, options) => void throttles.push((options as { throttle?: unknown }).throttle),
  );
  const probot = new Probot({
    appId: APP_ID,
    privateKey: testPrivateKey(),
    Octokit: Recording as unknown as typeof ProbotOctokit,
    log: pino({ level: "silent" }),
  });
  await probot.auth();
  await probot.auth(INSTALLATION_ID);

  expect(throttles.length).toBeGreaterThanOrEqual(2);
  for (const throttle of throttles) expect(throttle).toMatchObject({ enabled: false });
});

describe("a secondary rate limit on the check-run write of an evaluation", () => {
  test("is waited out: the pull request still gets its check run", async () => {
    const options = traffic({ writeGapMs: 0 });
    const app = await createTestApp({ traffic: options });
    nock(GITHUB_API)
      .post("/repos/acme/models/check-runs")
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "5" });
    const { checks } = world({
      commits: [
        { sha: BASE, files: { "README.md": "# Models\n" } },
        { sha: HEAD, files: { "README.md": "# Models and more\n" } },
      ],
    });

    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));

    expect(checks.runs.map((run) => run.conclusion)).toEqual(["success"]);
    expect(app.requestsTo("POST", "/repos/acme/models/check-runs")).toHaveLength(2);
    expect(options.slept).toEqual([5000]);
  });

  test("is waited out by the server's client alone: a limit that persists is sent 4 times (3 waits), not again by the app, then fails the delivery", async () => {
    const options = traffic({ writeGapMs: 0 });
    const app = await createTestApp({ traffic: options });
    nock(GITHUB_API)
      .post("/repos/acme/models/check-runs")
      .times(4)
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "2" });
    world({
      commits: [
        { sha: BASE, files: { "README.md": "# Models\n" } },
        { sha: HEAD, files: { "README.md": "# Models and more\n" } },
      ],
    });

    await expect(app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID))).rejects.toThrow("secondary rate limit");

    expect(app.requestsTo("POST", "/repos/acme/models/check-runs")).toHaveLength(4);
    expect(options.slept).toEqual([2000, 2000, 2000]);
  });
});
