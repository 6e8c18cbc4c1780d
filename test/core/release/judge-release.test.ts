import { describe, expect, it } from "vitest";
import { judgeReleaseModels, releasePolicy } from "../../../src/core/release/judge-release.js";
import { approvalFacts, modelFiles, snapshot, testPolicy, signOffKeyOf } from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { comment } from "../evaluate/scenario.js";

const released = modelFiles({
  dir: "models/fraud",
  version: "1.0.0",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v1" } },
});
const retrained = modelFiles({
  dir: "models/fraud",
  version: "1.1.0",
  components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
  evaluation: { evaluator: "eve" },
});
const base = snapshot(released.files, "v1");
const head = snapshot(retrained.files, "v2");

function judge(
  policyOverrides: Record<string, unknown>,
  facts = approvalFacts({ authors: [], reviews: [] }),
  authors = new Map<string, string[]>(),
) {
  const policy = testPolicy(policyOverrides);
  return judgeReleaseModels({ policy: releasePolicy(policy), base, head, facts, now: TEST_NOW }, authors, policy);
}

describe("judgeReleaseModels", () => {
  it("fails a release whose retrain lacks sign-offs: what a pull request could wait for has shipped", () => {
    const decision = judge({});
    expect(decision.verdict).toBe("failure");
    expect(decision.models[0]!.requirements.filter((r) => r.status === "pending").map((r) => r.id)).toEqual([
      "approval:developer",
      "approval:system_operator",
    ]);
  });

  it("ignores reviews (a release has none) and counts the sign-offs of the digest", () => {
    const signOffs = {
      [signOffKeyOf(retrained)]: [comment("dev1", "/approve developer"), comment("ops1", "/approve system_operator")],
    };
    expect(judge({}, approvalFacts({ authors: [], signOffs })).verdict).toBe("success");
  });

  it("excludes the authors of the pull requests that carried the digest, per model version", () => {
    const signOffs = {
      [signOffKeyOf(retrained)]: [comment("dev1", "/approve developer"), comment("ops1", "/approve system_operator")],
    };
    const decision = judge(
      {},
      approvalFacts({ authors: [], signOffs }),
      new Map([[signOffKeyOf(retrained), ["dev1"]]]),
    );
    expect(decision.verdict).toBe("failure");
    expect(decision.models[0]!.requirements.find((r) => r.id === "approval:developer")?.status).toBe("pending");
  });

  it("with approvals.via: [review] only, says how to make releases approvable", () => {
    const decision = judge({ approvals: { via: ["review"] } });
    expect(decision.verdict).toBe("failure");
    expect(decision.models[0]!.requirements.find((r) => r.id === "approval:developer")?.message).toContain(
      "add sign_off to approvals.via",
    );
  });
});
