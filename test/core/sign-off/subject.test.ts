import { describe, expect, it } from "vitest";
import type { ChangeKind } from "../../../src/core/policy/schema.js";
import {
  signOffIntent,
  signOffKey,
  signOffSubject,
  subjectPhrase,
  type ModelVersionRef,
  type SignOffSubjectOf,
} from "../../../src/core/sign-off/subject.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("signOffIntent", () => {
  it.each<[ChangeKind[], "ship" | "decommission"]>([
    [["new_model"], "ship"],
    [["retrain"], "ship"],
    [["configuration", "training_data"], "ship"],
    [["version_bump"], "ship"],
    [["metadata"], "ship"],
    [["decommission"], "decommission"],
    // retiring a model while touching its metadata (or disposing of files) is still its retirement
    [["decommission", "metadata"], "decommission"],
    [["retrain", "decommission"], "decommission"],
  ])("%j is signed off as %s", (kinds, intent) => {
    expect(signOffIntent(kinds)).toBe(intent);
  });
});

describe("signOffKey: the one key of sign-offs", () => {
  const SHIP = `fraud-detector@${DIGEST}`;
  it.each<[string, SignOffSubjectOf, string]>([
    ["a retrain is keyed by model and digest", { name: "fraud-detector", digest: DIGEST, kinds: ["retrain"] }, SHIP],
    [
      "a decommission of the same digest has its own key",
      { name: "fraud-detector", digest: DIGEST, kinds: ["decommission"] },
      `${SHIP}#decommission`,
    ],
    ["an issue marker without intent is a ship issue", { model: "fraud-detector", digest: DIGEST }, SHIP],
    ["an issue marker that says ship", { model: "fraud-detector", digest: DIGEST, intent: "ship" }, SHIP],
    [
      "an issue marker that says decommission",
      { model: "fraud-detector", digest: DIGEST, intent: "decommission" },
      `${SHIP}#decommission`,
    ],
    [
      "a gated version's stated intent agrees with its kinds",
      { model: "fraud-detector", digest: DIGEST, intent: "decommission", kinds: ["decommission", "metadata"] },
      `${SHIP}#decommission`,
    ],
    [
      "attack: another model with byte-identical artefacts has another key",
      { name: "churn-predictor", digest: DIGEST, kinds: ["retrain"] },
      `churn-predictor@${DIGEST}`,
    ],
  ])("%s", (_case, of, key) => {
    expect(signOffKey(of)).toBe(key);
  });

  it("a change and the issue opened for it meet on the same key; shipping and retiring never do, nor two models", () => {
    const decommissioning = { name: "fraud-detector", digest: DIGEST, kinds: ["decommission"] as ChangeKind[] };
    const issueRef = { model: "fraud-detector", version: "2.1.0", digest: DIGEST, intent: "decommission" as const };
    expect(signOffKey(decommissioning)).toBe(signOffKey(issueRef));
    expect(signOffKey(decommissioning)).not.toBe(
      signOffKey({ name: "fraud-detector", digest: DIGEST, kinds: ["retrain"] }),
    );
    expect(signOffKey({ model: "fraud-detector", digest: DIGEST })).not.toBe(
      signOffKey({ model: "churn-predictor", digest: DIGEST }),
    );
    expect(signOffSubject(decommissioning)).toEqual({
      model: "fraud-detector",
      digest: DIGEST,
      intent: "decommission",
    });
    expect(signOffSubject({ model: "fraud-detector", digest: DIGEST })).toEqual({
      model: "fraud-detector",
      digest: DIGEST,
      intent: "ship",
    });
  });
});

describe("subjectPhrase: how messages name a subject", () => {
  it.each<[string, ModelVersionRef, string]>([
    ["shipping, no intent", { model: "fraud-detector", version: "2.1.0", digest: DIGEST }, "fraud-detector 2.1.0"],
    [
      "shipping, stated",
      { model: "fraud-detector", version: "2.1.0", digest: DIGEST, intent: "ship" },
      "fraud-detector 2.1.0",
    ],
    [
      "a decommission",
      { model: "fraud-detector", version: "2.1.0", digest: DIGEST, intent: "decommission" },
      "the decommission of fraud-detector 2.1.0",
    ],
    [
      "a pre-release version",
      { model: "churn-predictor", version: "3.0.0-rc.1", digest: DIGEST },
      "churn-predictor 3.0.0-rc.1",
    ],
  ])("%s", (_case, ref, phrase) => {
    expect(subjectPhrase(ref)).toBe(phrase);
  });
});
