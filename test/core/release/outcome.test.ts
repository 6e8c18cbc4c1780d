import { describe, expect, test } from "vitest";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import type { Decision, Verdict } from "../../../src/core/evaluate/types.js";
import { releaseBom, releaseWrites, type BomOutcome } from "../../../src/core/release/outcome.js";
import { modelFiles, snapshot, testPolicy } from "../../fixtures/manifests.js";

const decision = (verdict: Verdict): Decision => ({ verdict, models: [], unmanaged: [], errors: [] });
const draftPolicy = testPolicy({ release: { on_failure: "draft" } });
const commentPolicy = testPolicy({ release: { on_failure: "comment" } });
const VALID: BomOutcome = { kind: "valid", json: "{}", models: 1 };
const INVALID: BomOutcome = { kind: "invalid", errors: ["/components/0: must have required property 'name'"] };

describe("releaseWrites: what the release gate does to the release", () => {
  test.each([
    {
      name: "a passing release with a valid BOM is left as it is",
      verdict: "success",
      bom: VALID,
      policy: draftPolicy,
      draft: false,
      expected: { failed: false, backToDraft: false },
    },
    {
      name: "a failing release with on_failure: draft goes back to draft",
      verdict: "failure",
      bom: VALID,
      policy: draftPolicy,
      draft: false,
      expected: { failed: true, backToDraft: true },
    },
    {
      name: "missing sign-offs fail a release too",
      verdict: "action_required",
      bom: VALID,
      policy: draftPolicy,
      draft: false,
      expected: { failed: true, backToDraft: true },
    },
    {
      name: "a BOM that does not validate fails a passing release",
      verdict: "success",
      bom: INVALID,
      policy: draftPolicy,
      draft: false,
      expected: { failed: true, backToDraft: true },
    },
    {
      name: "on_failure: comment only adds the section",
      verdict: "failure",
      bom: VALID,
      policy: commentPolicy,
      draft: false,
      expected: { failed: true, backToDraft: false },
    },
    {
      name: "a draft stays a draft (nothing to turn back)",
      verdict: "failure",
      bom: VALID,
      policy: draftPolicy,
      draft: true,
      expected: { failed: true, backToDraft: false },
    },
    {
      name: "without a policy (it could not be read) nothing is turned back",
      verdict: "failure",
      bom: VALID,
      policy: undefined,
      draft: false,
      expected: { failed: true, backToDraft: false },
    },
  ] as const)("$name", ({ verdict, bom, policy, draft, expected }) => {
    expect(releaseWrites(decision(verdict), bom, policy, { draft })).toEqual(expected);
  });
});

describe("releaseBom: the ML-BOM of a release, or why there is none", () => {
  const fraud = modelFiles({ dir: "models/fraud", name: "fraud-detector", version: "2.1.0" });
  const release = {
    repository: "acme/models",
    tag: "v2.1.0",
    commit: "c0ffee",
    timestamp: "2026-12-01T12:00:00.000Z",
    toolVersion: "0.1.0",
  };

  test("attach_bom: false builds none", async () => {
    const policy = testPolicy({ release: { attach_bom: false } });
    expect(await releaseBom(policy, detectChanges(policy, snapshot({}), snapshot(fraud.files)), release)).toEqual({
      kind: "off",
    });
  });

  test("a manifest that cannot be read builds none, naming how many", async () => {
    const policy = testPolicy();
    const detected = detectChanges(
      policy,
      snapshot({}),
      snapshot({ ...fraud.files, "models/broken/model.yaml": "name: [\n" }),
    );
    expect(await releaseBom(policy, detected, release)).toEqual({
      kind: "not-built",
      reason: "1 manifest at v2.1.0 could not be read: a BOM that leaves a model out is worse than none",
    });
  });

  test("every model at the commit, validated", async () => {
    const policy = testPolicy();
    const bom = await releaseBom(policy, detectChanges(policy, snapshot({}), snapshot(fraud.files)), release);
    expect(bom).toMatchObject({ kind: "valid", models: 1 });
    expect(JSON.parse((bom as { json: string }).json)).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      metadata: { timestamp: release.timestamp },
    });
  });
});
