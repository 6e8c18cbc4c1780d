import nock from "nock";
import { describe, expect, test } from "vitest";
import { claimOnce, claimRef, findOrCreateOnce, withKeyedLock } from "../../src/github/claim.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { testOctokit } from "../helpers/test-app.js";

const SHA = commitSha("base");
const REFS = "/repos/acme/models/git/refs";
const target = { owner: "acme", repo: "models", key: "sign-off-abc123", sha: SHA };

describe("claimOnce", () => {
  test.each([
    ["GitHub creates the ref", 201, { ref: "refs/modelgate/claims/sign-off-abc123" }, "claimed"],
    ["the ref already exists", 422, { message: "Reference already exists" }, "taken"],
  ] as const)("%s: %s", async (_case, status, body, outcome) => {
    nock(GITHUB_API).post(REFS, { ref: "refs/modelgate/claims/sign-off-abc123", sha: SHA }).reply(status, body);

    await expect(claimOnce(testOctokit(), target)).resolves.toBe(outcome);
  });

  test("any other refusal is an error, never a silent 'taken'", async () => {
    nock(GITHUB_API).post(REFS).reply(422, { message: "Object does not exist" });

    await expect(claimOnce(testOctokit(), target)).rejects.toMatchObject({ status: 422 });
  });
});

describe("claimRef", () => {
  test.each([
    ["sign-off-0dcb2d83", "refs/modelgate/claims/sign-off-0dcb2d83"],
    ["eol/fraud-detector-2.1.0+build.5", "refs/modelgate/claims/eol/fraud-detector-2.1.0+build.5"],
  ])("%s is a valid ref name part", (key, ref) => {
    expect(claimRef(key)).toBe(ref);
  });

  test.each(["", "a..b", "a b", "a:b", "a~1", "x.lock", ".hidden", "a//b", "a/", "a@{1}", "a*"])("%j is refused before any request", (key) => {
    expect(() => claimRef(key)).toThrow(/cannot be part of a git ref name/);
  });
});

describe("withKeyedLock", () => {
  test("runs works of one key one after the other, other keys alongside, and survives a failing work", async () => {
    const events: string[] = [];
    const work = (name: string, ms: number, fail = false) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`${name} end`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };

    const results = await Promise.allSettled([
      withKeyedLock("k", work("a", 20, true)),
      withKeyedLock("k", work("b", 1)),
      withKeyedLock("other", work("c", 1)),
    ]);

    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("b start")).toBeGreaterThan(events.indexOf("a end"));
    expect(events.indexOf("c end")).toBeLessThan(events.indexOf("a end"));
  });
});

describe("findOrCreateOnce", () => {
  const noWait = { waitsMs: [1, 1], sleep: async () => undefined };

  test("the claim holder creates; a failed creation releases the claim for the next caller", async () => {
    nock(GITHUB_API).post(REFS).reply(201, {});
    nock(GITHUB_API).delete(`${REFS}/modelgate%2Fclaims%2Fsign-off-abc123`).reply(204);

    await expect(
      findOrCreateOnce(testOctokit(), target, { find: async () => undefined, create: async () => Promise.reject(new Error("issues are disabled")) }, noWait),
    ).rejects.toThrow("issues are disabled");
  });

  test("a taken claim whose object never appears, even after a takeover, fails naming the refs to delete", async () => {
    nock(GITHUB_API).post(REFS).times(2).reply(422, { message: "Reference already exists" });
    let looks = 0;

    await expect(
      findOrCreateOnce(testOctokit(), target, { find: async () => void looks++, create: async () => "never" }, noWait),
    ).rejects.toThrow("refs/modelgate/claims/sign-off-abc123 (and 1 takeover claim) exist in acme/models, but what they claim never appeared; delete those refs to let modelgate create it again");
    // each generation: a look at once, then one after each wait
    expect(looks).toBe(6);
  });
});
