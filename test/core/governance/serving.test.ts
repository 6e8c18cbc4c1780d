import { describe, expect, it } from "vitest";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { approvalFacts, modelFiles, snapshot, testPolicy, type ModelSpec } from "../../fixtures/manifests.js";
import { scenario } from "../evaluate/scenario.js";

const PUBLIC = {
  exposure: "public",
  rate_limit: { requests: 100, per: "minute" },
  authentication: "oauth2",
  permissions: ["payments-db: read"],
};

describe("serving: a public model needs a rate limit and authentication (5.2.2-2, 5.1.2-6)", () => {
  it("no serving block, no requirement", () => {
    expect(scenario().ids("serving")).toEqual([]);
  });

  it("a protected public model meets `serving` and says how it is served", () => {
    const run = scenario({ head: { documentation: { serving: PUBLIC } } });
    expect(run.req("serving")).toMatchObject({
      status: "met",
      provision: "5.2.2-2, 5.1.2-6",
      message:
        "Served with exposure public, rate limit 100 requests per minute, authentication oauth2, permissions: payments-db: read.",
      path: "models/fraud/model.yaml",
    });
  });

  it.each([
    [
      "without a rate limit",
      { exposure: "public", authentication: "oauth2" },
      "a rate limit (rate_limit: { requests, per })",
    ],
    [
      "without authentication",
      { exposure: "public", rate_limit: { requests: 10, per: "second" } },
      "an authentication method (authentication)",
    ],
    [
      "with neither",
      { exposure: "public" },
      "a rate limit (rate_limit: { requests, per }) and an authentication method (authentication)",
    ],
  ])("a public model %s fails", (_label, serving, missing) => {
    const run = scenario({ head: { documentation: { serving } } });
    expect(run.req("serving")).toMatchObject({
      status: "failed",
      message: `The model is served publicly without ${missing}: declare them under serving.`,
    });
    expect(run.model.verdict).toBe("failure");
  });

  it("an internal model without a rate limit is declared, not failed", () => {
    const run = scenario({ head: { documentation: { serving: { exposure: "internal", permissions: [] } } } });
    expect(run.req("serving")).toMatchObject({
      status: "met",
      message: "Served with exposure internal, no permissions.",
    });
  });
});

describe("serving in the manifest (hostile input)", () => {
  const manifest = (serving: string): ReturnType<typeof loadManifest> =>
    loadManifest("m/model.yaml", `name: m\nversion: 1.0.0\nserving:\n${serving}`);

  it.each([
    [
      "attack: rate_limit: 0",
      "  exposure: public\n  authentication: api_key\n  rate_limit: 0\n",
      "a rate limit is { requests: 100, per: minute }",
    ],
    [
      "attack: a rate limit of 0 requests",
      "  exposure: public\n  authentication: api_key\n  rate_limit: { requests: 0, per: minute }\n",
      "a rate limit allows at least 1 request",
    ],
    [
      "attack: a negative rate limit",
      "  exposure: public\n  authentication: api_key\n  rate_limit: { requests: -5, per: minute }\n",
      "a rate limit allows at least 1 request",
    ],
    ["attack: authentication none", "  exposure: public\n  authentication: none\n", "authentication"],
    ["an unknown exposure", "  exposure: world\n", "exposure"],
  ])("%s is an error at its line", (_label, serving, message) => {
    const result = manifest(serving);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(`${result.errors[0]!.message} ${result.errors.map((e) => e.message).join(" ")}`).toContain(message);
      expect(result.errors[0]!.line).toBeGreaterThan(3);
    }
  });

  it("attack: a public model with rate_limit: 0 fails the gate", () => {
    const spec: ModelSpec = {
      dir: "models/fraud",
      documentation: { serving: { exposure: "public", rate_limit: 0, authentication: "api_key" } },
    };
    const decision = evaluateGate({
      policy: testPolicy(),
      base: snapshot({}, "base"),
      head: snapshot(modelFiles(spec).files, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
    });
    expect(decision.verdict).toBe("failure");
    expect(decision.errors[0]).toMatchObject({ path: "models/fraud/model.yaml" });
  });
});

describe("a change to serving is a configuration change", () => {
  const base: ModelSpec = { dir: "models/fraud", documentation: { serving: { exposure: "internal" } } };
  it.each([
    ["exposure internal -> public", { serving: PUBLIC }],
    ["a serving block removed", {}],
    ["a rate limit raised", { serving: { ...PUBLIC, rate_limit: { requests: 1000, per: "minute" } } }],
    ["a permission added", { serving: { exposure: "internal", permissions: ["crm: write"] } }],
  ])("%s", (_label, documentation) => {
    const detected = detectChanges(
      testPolicy(),
      snapshot(modelFiles(base).files, "base"),
      snapshot(modelFiles({ ...base, version: "1.0.1", documentation }).files, "head"),
    );
    expect(detected.changes.map((c) => c.kinds)).toEqual([["configuration"]]);
  });

  it("the same serving block written in another order is no change", () => {
    const a = modelFiles({ dir: "models/fraud", documentation: { serving: PUBLIC } });
    const reordered = {
      permissions: PUBLIC.permissions,
      authentication: "oauth2",
      rate_limit: { per: "minute", requests: 100 },
      exposure: "public",
    };
    const b = modelFiles({ dir: "models/fraud", documentation: { serving: reordered } });
    expect(detectChanges(testPolicy(), snapshot(a.files, "base"), snapshot(b.files, "head")).changes).toEqual([]);
  });
});
