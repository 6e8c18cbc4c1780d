import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID, type TestApp } from "../helpers/test-app.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { BASE, HEAD, world, type World } from "../helpers/sign-off-world.js";
import { RELEASED, RETRAINED, churn } from "../fixtures/fraud-detector.js";

const COMMENT_READS = /^\/repos\/acme\/models\/issues\/\d+\/comments/;

/** A pull request whose sign-off issues were opened by its first evaluation (fresh issues: no comments read then). */
async function evaluatedOnce(options: Parameters<typeof world>[0] = {}): Promise<{ app: TestApp } & World> {
  const app = await createTestApp();
  const w = world(options);
  await app.receive(pullRequestEvent("opened", w.pr, INSTALLATION_ID));
  expect(w.tracker.graphqlRequests).toEqual([]);
  return { app, ...w };
}

/** The re-evaluation a push, a review or Re-evaluate brings: here a synchronize of the same head. */
async function reEvaluate(w: { app: TestApp } & World): Promise<void> {
  await w.app.receive({
    ...pullRequestEvent("synchronize", w.pr, INSTALLATION_ID),
    id: `re-evaluation-${w.app.requests.length}`,
  });
}

function roleRow(w: World, issue: number, role: string): string | undefined {
  return w.tracker
    .issue(issue)
    .body.split("\n")
    .find((line) => line.startsWith(`| ${role} |`));
}

describe("re-evaluating a pull request whose sign-off issues exist", () => {
  test("reads the comment histories of two gated models in ONE GraphQL request, and no REST comment listing", async () => {
    const w = await evaluatedOnce({
      commits: [
        { sha: BASE, files: { ...RELEASED.files, ...churn("1.0.0", "churn 1").files } },
        { sha: HEAD, files: { ...RETRAINED.files, ...churn("1.1.0", "churn 2").files } },
      ],
    });
    expect(w.tracker.appIssues().map((i) => [i.number, i.title])).toEqual([
      [100, "Sign-off: churn 1.1.0"],
      [101, "Sign-off: fraud-detector 2.1.0"],
    ]);
    for (const issue of [100, 101]) {
      w.tracker.addComment(issue, { login: "alice", body: "/approve developer" });
      w.tracker.addComment(issue, { login: "bob", body: "/approve system_operator" });
    }

    await reEvaluate(w);

    expect(w.tracker.graphqlRequests).toEqual([[100, 101]]);
    expect(w.app.requestsTo("GET", COMMENT_READS)).toEqual([]);
    expect(w.checks.latest(HEAD).conclusion).toBe("success");
    expect(roleRow(w, 100, "developer")).toBe("| developer | ✅ approved | @alice | @acme/ml-engineers |");
    expect(roleRow(w, 101, "system_operator")).toBe("| system_operator | ✅ approved | @bob | @acme/platform-ops |");
  });

  test("an issue with more than 100 comments is read whole by REST: a /reject after the 100th still blocks", async () => {
    const w = await evaluatedOnce();
    w.tracker.addComment(100, { login: "alice", body: "/approve developer" });
    w.tracker.addComment(100, { login: "bob", body: "/approve system_operator" });
    for (let i = 0; i < 110; i++)
      w.tracker.addComment(100, { login: "dana", body: `Canary report ${i}: nothing unusual.` });
    w.tracker.addComment(100, { login: "bob", body: "/reject system_operator p99 latency doubled in the canary" });

    await reEvaluate(w);

    expect(w.tracker.graphqlRequests).toEqual([[100]]);
    expect(w.app.requestsTo("GET", COMMENT_READS).map((r) => r.path)).toEqual([
      "/repos/acme/models/issues/100/comments?per_page=100",
      "/repos/acme/models/issues/100/comments?per_page=100&page=2",
    ]);
    const run = w.checks.latest(HEAD);
    expect(run.conclusion).toBe("action_required");
    expect(run.summary).toContain("rejected by @bob: p99 latency doubled in the canary");
    expect(roleRow(w, 100, "system_operator")).toBe(
      "| system_operator | ❌ rejected: p99 latency doubled in the canary | @bob | @acme/platform-ops |",
    );
  });

  test("an edited approval (lastEditedAt set) and a bot's command do not count", async () => {
    const w = await evaluatedOnce();
    const edited = w.tracker.addComment(100, { login: "alice", body: "/approve developer", edited: true });
    w.tracker.addComment(100, { login: "release-helper[bot]", type: "Bot", body: "/approve developer" });
    w.tracker.addComment(100, { login: "bob", body: "/approve system_operator" });
    expect(edited.lastEditedAt).not.toBeNull();

    await reEvaluate(w);

    expect(w.tracker.graphqlRequests).toEqual([[100]]);
    expect(w.checks.latest(HEAD)).toMatchObject({
      conclusion: "action_required",
      title: "1 model: 1 sign-off missing",
    });
    expect(roleRow(w, 100, "developer")).toBe("| developer | ⏳ pending |  | @acme/ml-engineers |");
    expect(roleRow(w, 100, "system_operator")).toBe("| system_operator | ✅ approved | @bob | @acme/platform-ops |");
  });

  test.each([
    ["errors", 'GitHub answered "Something went wrong while executing your query. Please try again later."'],
    ["502", "GitHub answered 502"],
  ] as const)(
    "a GraphQL failure (%s) fails closed: the signed-off PR turns to Could not evaluate, never stays green",
    async (failure, cause) => {
      const w = await evaluatedOnce();
      w.tracker.addComment(100, { login: "alice", body: "/approve developer" });
      w.tracker.addComment(100, { login: "bob", body: "/approve system_operator" });
      await reEvaluate(w);
      expect(w.checks.latest(HEAD).conclusion).toBe("success");

      w.tracker.graphqlFailure = failure;
      await reEvaluate(w);

      expect(w.checks.latest(HEAD)).toMatchObject({
        conclusion: "failure",
        title: `Could not evaluate: ${cause} while reading the comments of issue #100 (GraphQL) of acme/models`,
      });
      expect(w.checks.latest(HEAD).actions.map((a) => a.identifier)).toContain("reevaluate");
    },
  );
});
