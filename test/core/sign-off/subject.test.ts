import { describe, expect, it } from "vitest";
import type { ChangeKind } from "../../../src/core/policy/schema.js";
import { signOffIntent, signOffKey, signOffSubject, type SignOffSubjectOf } from "../../../src/core/sign-off/subject.js";

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
  it.each<[string, SignOffSubjectOf, string]>([
    ["a retrain is keyed by its digest alone, as always", { digest: DIGEST, kinds: ["retrain"] }, DIGEST],
    ["a decommission of the same digest has its own key", { digest: DIGEST, kinds: ["decommission"] }, `${DIGEST}#decommission`],
    ["an issue marker without intent (opened before intents) is a ship issue", { digest: DIGEST }, DIGEST],
    ["an issue marker that says ship", { digest: DIGEST, intent: "ship" }, DIGEST],
    ["an issue marker that says decommission", { digest: DIGEST, intent: "decommission" }, `${DIGEST}#decommission`],
    ["a gated version's stated intent agrees with its kinds", { digest: DIGEST, intent: "decommission", kinds: ["decommission", "metadata"] }, `${DIGEST}#decommission`],
  ])("%s", (_case, of, key) => {
    expect(signOffKey(of)).toBe(key);
  });

  it("a change and the issue opened for it meet on the same key; shipping and retiring never do", () => {
    const decommissioning = { digest: DIGEST, kinds: ["decommission"] as ChangeKind[] };
    const issueRef = { model: "fraud-detector", version: "2.1.0", digest: DIGEST, intent: "decommission" as const };
    expect(signOffKey(decommissioning)).toBe(signOffKey(issueRef));
    expect(signOffKey(decommissioning)).not.toBe(signOffKey({ digest: DIGEST, kinds: ["retrain"] }));
    expect(signOffSubject(decommissioning)).toEqual({ digest: DIGEST, intent: "decommission" });
    expect(signOffSubject({ digest: DIGEST })).toEqual({ digest: DIGEST, intent: "ship" });
  });
});
