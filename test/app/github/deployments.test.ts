import { describe, expect, it } from "vitest";
import { workflowRunOfCallback } from "../../../src/github/deployments.js";
import { CouldNotEvaluate, isTransientGitHubFailure } from "../../../src/github/errors.js";

const repo = { owner: "acme", repo: "models" };

describe("workflowRunOfCallback", () => {
  it.each([
    ["https://api.github.com/repos/acme/models/actions/runs/555/deployment_protection_rule", 555],
    ["https://ghe.example.com/api/v3/repos/Acme/Models/actions/runs/7/deployment_protection_rule", 7],
    ["https://api.github.com/repos/evil/models/actions/runs/555/deployment_protection_rule", undefined],
    [
      "https://api.github.com/repos/acme/models/actions/runs/555/deployment_protection_rule/../../556/approve",
      undefined,
    ],
    ["https://api.github.com/repos/acme/models/actions/runs/0/deployment_protection_rule", undefined],
    [
      "https://api.github.com/repos/acme/models/actions/runs/99999999999999999999/deployment_protection_rule",
      undefined,
    ],
    ["javascript:alert(1)", undefined],
    [undefined, undefined],
  ])("%s -> %s", (url, expected) => {
    expect(workflowRunOfCallback(url, repo)).toBe(expected);
  });
});

describe("isTransientGitHubFailure: only what waiting can fix", () => {
  // what Octokit throws for an answered request: an HttpError with the status
  const github = (status: number, message = "failed") =>
    Object.assign(new Error(message), { name: "HttpError", status });
  const wrapped = (cause: unknown) => new CouldNotEvaluate("could not read", { cause });
  it.each([
    ["502", wrapped(github(502)), true],
    ["503", wrapped(github(503)), true],
    ["429", wrapped(github(429)), true],
    ["403 secondary rate limit", wrapped(github(403, "You have exceeded a secondary rate limit")), true],
    ["403 missing permission", wrapped(github(403, "Resource not accessible by integration")), false],
    ["404", wrapped(github(404)), false],
    ["422", wrapped(github(422)), false],
    ["a network failure", wrapped(new TypeError("fetch failed")), true],
    ["a failure modelgate found (truncated tree)", new CouldNotEvaluate("the tree is truncated"), false],
    ["a bug", new Error("x is undefined"), false],
  ])("%s: %s", (_label, error, expected) => {
    expect(isTransientGitHubFailure(error)).toBe(expected);
  });
});
