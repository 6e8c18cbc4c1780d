import { describe, expect, it } from "vitest";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { parsePolicy, POLICY_PATH } from "../../../src/core/policy/load-policy.js";
import { testPolicy } from "../../fixtures/manifests.js";
import { scenario } from "./scenario.js";

const REQUIRE_ALL = testPolicy({
  documentation: { require: ["intended_use", "limitations", "failure_modes", "prohibited_uses", "retention"] },
});
const DOCUMENTED = {
  intended_use: "Scoring card transactions for fraud review by analysts",
  limitations: ["Trained on EU card data only", "Not calibrated below 0.1% fraud rate"],
  failure_modes: "Misses fraud patterns unseen in training",
  prohibited_uses: ["Automated account closure without human review"],
  retention: "Scores are kept 13 months, then deleted",
};

describe("documentation.require: what the manifest must tell users", () => {
  it("requires nothing by default", () => {
    expect(scenario().ids("documentation:")).toEqual([]);
  });

  it("a documented model meets each required field, with its provision", () => {
    const run = scenario({ head: { documentation: DOCUMENTED }, policy: REQUIRE_ALL });
    expect(
      run.model.requirements.filter((r) => r.id.startsWith("documentation:")).map((r) => [r.id, r.status, r.provision]),
    ).toEqual([
      ["documentation:intended_use", "met", "5.2.4-1.1"],
      ["documentation:limitations", "met", "5.2.4-1.1"],
      ["documentation:failure_modes", "met", "5.2.4-1.1"],
      ["documentation:prohibited_uses", "met", "5.1.4-5"],
      ["documentation:retention", "met", "5.3.1-2.1"],
    ]);
    expect(run.model.verdict).toBe("success");
  });

  it("a missing field fails the model with its provision and says what to add, at the manifest", () => {
    const { intended_use: _dropped, ...rest } = DOCUMENTED;
    const run = scenario({ head: { documentation: rest }, policy: REQUIRE_ALL });
    expect(run.req("documentation:intended_use")).toEqual({
      id: "documentation:intended_use",
      status: "failed",
      provision: "5.2.4-1.1",
      message:
        "the manifest does not document intended use: add intended_use: to it (documentation.require in .github/modelgate.yml)",
      path: "models/fraud/model.yaml",
      line: 1,
    });
    expect(run.model.verdict).toBe("failure");
    expect(run.req("documentation:retention").status).toBe("met");
  });

  it("only the fields the policy names are required", () => {
    const run = scenario({
      head: { documentation: { retention: "13 months" } },
      policy: testPolicy({ documentation: { require: ["retention"] } }),
    });
    expect(run.ids("documentation:")).toEqual(["documentation:retention"]);
    expect(run.model.verdict).toBe("success");
  });

  it("a model being decommissioned is not asked for its documentation", () => {
    const run = scenario({
      base: {},
      head: { version: "1.0.0", status: "decommissioned", components: undefined },
      policy: REQUIRE_ALL,
    });
    expect(run.ids("documentation:")).toEqual([]);
  });
});

describe("manifest documentation fields (hostile input)", () => {
  it.each([
    ["an empty text", 'intended_use: "   "'],
    ["an empty list", "limitations: []"],
    ["a list with an empty item", 'failure_modes: ["fine", ""]'],
    ["a number", "retention: 13"],
    ["a mapping", "prohibited_uses: { a: b }"],
  ])("rejects %s with the field's line", (_label, line) => {
    const result = loadManifest("m/model.yaml", `name: m\nversion: 1.0.0\n${line}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ path: "m/model.yaml", line: 3 });
  });

  it("accepts one text or a list of texts", () => {
    expect(
      loadManifest("m/model.yaml", "name: m\nversion: 1.0.0\nintended_use: scoring\nlimitations: [a, b]\n").ok,
    ).toBe(true);
  });
});

describe("policy: the settings of continuous compliance (hostile input)", () => {
  it.each([
    ["an unknown documentation field", "documentation:\n  require: [intended_use, colour]\n", 2],
    ["a negative notice", "evaluation:\n  notice_days: -1\n", 2],
    ["an unknown rollback mode", "rollback: always\n", 1],
    ["an empty environment glob", "deployments:\n  environments: ['']\n", 2],
    ["an unknown deployments key", "deployments:\n  approve_all: true\n", 2],
  ])("rejects %s with its line", (_label, text, line) => {
    const result = parsePolicy(text, POLICY_PATH);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ path: POLICY_PATH, line });
  });
});
