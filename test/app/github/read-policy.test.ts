import nock from "nock";
import { describe, expect, test } from "vitest";
import { mergeConfigs, readBasePolicy } from "../../../src/github/read-policy.js";
import { CouldNotEvaluate } from "../../../src/github/errors.js";
import { GITHUB_API } from "../../helpers/fake-repository.js";
import { serveNoPolicy, servePolicy } from "../../helpers/serve-github.js";
import { testOctokit } from "../../helpers/test-app.js";

const location = { owner: "acme", repo: "models", branch: "main" };

describe("mergeConfigs (Probot's _extends merge)", () => {
  test.each([
    [
      "a later scalar wins",
      [{ unmanaged_artifacts: "fail" }, { unmanaged_artifacts: "warn" }],
      { unmanaged_artifacts: "warn" },
    ],
    [
      "objects merge key by key",
      [{ approvals: { allow_author: false } }, { approvals: { distinct_people: false } }],
      { approvals: { allow_author: false, distinct_people: false } },
    ],
    [
      "arrays are concatenated",
      [{ overrides: { roles: ["security"] } }, { overrides: { roles: ["ciso"] } }],
      { overrides: { roles: ["security", "ciso"] } },
    ],
    ["nothing to merge", [], {}],
  ])("%s", (_case, configs, expected) => {
    expect(mergeConfigs(configs)).toEqual(expected);
  });

  test("a __proto__ key stays a plain key and pollutes nothing", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "models": {"__proto__": {"x": 1}}}') as Record<
      string,
      unknown
    >;
    const merged = mergeConfigs([{ models: { manifests: ["a"] } }, hostile]);
    expect(Object.hasOwn(merged, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe("readBasePolicy", () => {
  test("no file in the repository nor in the organisation's .github: built-in defaults", async () => {
    serveNoPolicy("acme", "models", "main");

    const result = await readBasePolicy(testOctokit(), location);

    expect(result.ok && result.policy.unmanaged_artifacts).toBe("fail");
  });

  test("the organisation's .github repository provides the default", async () => {
    nock(GITHUB_API).get("/repos/acme/models/contents/.github%2Fmodelgate.yml").query({ ref: "main" }).reply(404);
    nock(GITHUB_API)
      .get("/repos/acme/.github/contents/.github%2Fmodelgate.yml")
      .reply(200, "unmanaged_artifacts: warn\n");

    const result = await readBasePolicy(testOctokit(), location);

    expect(result.ok && result.policy.unmanaged_artifacts).toBe("warn");
  });

  test("_extends merges a shared policy under the repository's", async () => {
    servePolicy("acme", "models", "main", "_extends: policies:shared/modelgate.yml\nunmanaged_artifacts: warn\n");
    nock(GITHUB_API)
      .get("/repos/acme/policies/contents/shared%2Fmodelgate.yml")
      .reply(200, "roles:\n  security: { users: [sec-lead] }\nunmanaged_artifacts: fail\n");

    const result = await readBasePolicy(testOctokit(), location);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.unmanaged_artifacts).toBe("warn");
    expect(result.policy.roles.security).toEqual({ teams: [], users: ["sec-lead"] });
  });

  test("a YAML error names the file and line, read again from the raw file", async () => {
    servePolicy("acme", "models", "main", "models:\n  manifests: [\n", 2);

    const result = await readBasePolicy(testOctokit(), location);

    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          path: ".github/modelgate.yml",
          line: expect.any(Number),
          message: expect.stringContaining("invalid YAML"),
        }),
      ],
    });
  });

  test("a schema error names the file and the line of the field", async () => {
    servePolicy(
      "acme",
      "models",
      "main",
      "roles:\n  developer: { teams: [ml] }\ngates:\n  retrain: { approvals: [auditor] }\n",
      2,
    );

    const result = await readBasePolicy(testOctokit(), location);

    expect(result).toEqual({
      ok: false,
      errors: [
        { path: ".github/modelgate.yml", line: 4, message: expect.stringContaining('role "auditor" is not declared') },
      ],
    });
  });

  test("an invalid file it extends is reported, even when the repository's own file is valid", async () => {
    servePolicy("acme", "models", "main", "_extends: policies\n", 2);
    nock(GITHUB_API)
      .get("/repos/acme/policies/contents/.github%2Fmodelgate.yml")
      .reply(200, "unmanaged_artifacts: sometimes\n");

    const result = await readBasePolicy(testOctokit(), location);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]?.message).toContain("unmanaged_artifacts");
  });

  test("a server error is a CouldNotEvaluate naming repository, file and branch", async () => {
    nock(GITHUB_API).get("/repos/acme/models/contents/.github%2Fmodelgate.yml").query({ ref: "main" }).reply(500);

    const read = readBasePolicy(testOctokit(), location);

    await expect(read).rejects.toBeInstanceOf(CouldNotEvaluate);
    await expect(read).rejects.toThrow(
      "GitHub answered 500 while reading the policy .github/modelgate.yml of acme/models at main",
    );
  });

  test("a refused read of the organisation's .github repository says to install the App there (never the built-in defaults)", async () => {
    nock(GITHUB_API).get("/repos/acme/models/contents/.github%2Fmodelgate.yml").query({ ref: "main" }).reply(404);
    nock(GITHUB_API)
      .get("/repos/acme/.github/contents/.github%2Fmodelgate.yml")
      .reply(403, { message: "Resource not accessible by integration" });

    const read = readBasePolicy(testOctokit(), location);

    await expect(read).rejects.toBeInstanceOf(CouldNotEvaluate);
    await expect(read).rejects.toThrow(
      "GitHub refused (403) the organisation policy .github/modelgate.yml of acme/.github: install the App on the acme/.github repository too",
    );
  });

  test("a refused read of the repository's own policy is not blamed on the organisation's", async () => {
    nock(GITHUB_API)
      .get("/repos/acme/models/contents/.github%2Fmodelgate.yml")
      .query({ ref: "main" })
      .reply(403, { message: "Forbidden" });

    await expect(readBasePolicy(testOctokit(), location)).rejects.toThrow(
      "GitHub answered 403 while reading the policy .github/modelgate.yml of acme/models at main",
    );
  });
});
