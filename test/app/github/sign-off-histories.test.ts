import { describe, expect, test } from "vitest";
import { CouldNotEvaluate } from "../../../src/github/errors.js";
import {
  COMMENTS_PER_GRAPHQL_PAGE,
  ISSUES_PER_GRAPHQL_REQUEST,
  commentHistoriesQuery,
  readSignOffHistories,
} from "../../../src/github/issue-comments.js";
import { FakeIssueTracker, parseIssueAliases } from "../../helpers/fake-issue-tracker.js";
import { createRecorder } from "../../helpers/request-recorder.js";
import { testOctokit } from "../../helpers/test-app.js";

const where = { owner: "acme", repo: "models" };

function trackerWithIssues(count: number): FakeIssueTracker {
  const tracker = new FakeIssueTracker(where).serve();
  for (let i = 0; i < count; i++)
    tracker.addIssue({
      title: `Sign-off: m${i} 1.0.0`,
      body: "",
      labels: ["modelgate:sign-off"],
      appId: 4242,
      author: "modelgate[bot]",
    });
  return tracker;
}

describe("commentHistoriesQuery", () => {
  test("asks each issue under its own alias, with the first page of its comments", () => {
    expect(parseIssueAliases(commentHistoriesQuery([41, 7]))).toEqual([
      { alias: "i0", number: 41, first: COMMENTS_PER_GRAPHQL_PAGE },
      { alias: "i1", number: 7, first: COMMENTS_PER_GRAPHQL_PAGE },
    ]);
  });
});

describe("readSignOffHistories", () => {
  test("reads the histories of several issues in one GraphQL request, oldest first, without bots, edits marked", async () => {
    const tracker = trackerWithIssues(2);
    const approval = tracker.addComment(100, { login: "alice", body: "/approve developer" });
    tracker.addComment(101, { login: "modelgate[bot]", type: "Bot", appId: 4242, body: "/approve developer" });
    const edited = tracker.addComment(101, { login: "bob", body: "/approve system_operator", edited: true });
    const later = tracker.addComment(100, { login: "carol", body: "/reject data_custodian no data sheet" });
    const { fetch, requests } = createRecorder();

    const histories = await readSignOffHistories(testOctokit(fetch), where, [100, 101, 100]);

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /graphql"]);
    expect(tracker.graphqlRequests).toEqual([[100, 101]]);
    expect(histories.of(100)).toEqual([
      { id: approval.id, login: "alice", body: "/approve developer", createdAt: approval.createdAt, edited: false },
      {
        id: later.id,
        login: "carol",
        body: "/reject data_custodian no data sheet",
        createdAt: later.createdAt,
        edited: false,
      },
    ]);
    // the bot's comment is left out; the edited one is there, marked so the replay never counts it
    expect(histories.of(101)).toEqual([
      { id: edited.id, login: "bob", body: "/approve system_operator", createdAt: edited.createdAt, edited: true },
    ]);
    expect(edited.lastEditedAt).not.toBeNull();
  });

  test(`asks at most ${ISSUES_PER_GRAPHQL_REQUEST} issues per GraphQL request`, async () => {
    const tracker = trackerWithIssues(250);
    const numbers = tracker.issues.map((issue) => issue.number);

    const histories = await readSignOffHistories(testOctokit(), where, numbers);

    expect(tracker.graphqlRequests.map((asked) => asked.length)).toEqual([100, 100, 50]);
    expect(tracker.graphqlRequests.flat()).toEqual(numbers);
    expect(histories.of(349)).toEqual([]);
  });

  test("reads an issue with more than 100 comments again whole by REST; the others stay on GraphQL", async () => {
    const tracker = trackerWithIssues(2);
    tracker.addComment(100, { login: "alice", body: "/approve developer" });
    for (let i = 0; i < 120; i++) tracker.addComment(101, { login: "dana", body: `note ${i}` });
    const rejection = tracker.addComment(101, { login: "bob", body: "/reject system_operator p99 latency doubled" });
    const { fetch, requests } = createRecorder();

    const histories = await readSignOffHistories(testOctokit(fetch), where, [100, 101]);

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /graphql",
      "GET /repos/acme/models/issues/101/comments?per_page=100",
      "GET /repos/acme/models/issues/101/comments?per_page=100&page=2",
    ]);
    expect(histories.of(100).map((c) => c.body)).toEqual(["/approve developer"]);
    const history = histories.of(101);
    expect(history).toHaveLength(121);
    expect(history.at(-1)).toEqual({
      id: rejection.id,
      login: "bob",
      body: "/reject system_operator p99 latency doubled",
      createdAt: rejection.createdAt,
      edited: false,
    });
    expect(history.map((c) => c.createdAt)).toEqual(history.map((c) => c.createdAt).sort());
  });

  test.each([
    [
      "an errors answer",
      "errors" as const,
      'GitHub answered "Something went wrong while executing your query. Please try again later."',
    ],
    ["a 502", "502" as const, "GitHub answered 502"],
  ])("fails closed on %s: CouldNotEvaluate names the issues", async (_case, failure, cause) => {
    const tracker = trackerWithIssues(5);
    tracker.graphqlFailure = failure;

    const read = readSignOffHistories(testOctokit(), where, [100, 101, 102, 103, 104]);

    await expect(read).rejects.toThrow(CouldNotEvaluate);
    await expect(read).rejects.toThrow(cause);
    await expect(read).rejects.toThrow(
      "while reading the comments of issues #100, #101, #102 and 2 more (GraphQL) of acme/models",
    );
  });

  test("an issue GitHub does not know fails closed, never an empty history", async () => {
    trackerWithIssues(1);

    const read = readSignOffHistories(testOctokit(), where, [100, 999]);

    await expect(read).rejects.toThrow(CouldNotEvaluate);
    await expect(read).rejects.toThrow(
      'GitHub answered "Could not resolve to an issue or pull request with the number of 999." while reading the comments of issues #100 and #999 (GraphQL) of acme/models',
    );
  });

  test("no issues, no request", async () => {
    const { fetch, requests } = createRecorder();

    const histories = await readSignOffHistories(testOctokit(fetch), where, []);

    expect(requests).toEqual([]);
    expect(() => histories.of(100)).toThrow(CouldNotEvaluate);
  });
});
