import { describe, expect, it } from "vitest";
import type { Snapshot, TreeEntry } from "../../../src/core/detect/snapshot.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { securityPolicyIn } from "../../../src/core/governance/disclosure.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { approvalFacts, modelFiles, snapshot, testPolicy } from "../../fixtures/manifests.js";

const tree = (entries: Array<Partial<TreeEntry> & { path: string }>): Snapshot => ({
  commit: "c",
  entries: new Map(entries.map((e) => [e.path, { blobSha: "b".repeat(40), mode: "100644", size: 10, ...e }])),
  contents: new Map(),
});

describe("securityPolicyIn: the SECURITY.md GitHub would show", () => {
  it.each<[string, Array<Partial<TreeEntry> & { path: string }>, string | undefined]>([
    ["at the root", [{ path: "SECURITY.md" }], "SECURITY.md"],
    [
      "in .github/ (GitHub's first place)",
      [{ path: "SECURITY.md" }, { path: ".github/SECURITY.md" }],
      ".github/SECURITY.md",
    ],
    ["in docs/", [{ path: "docs/SECURITY.md" }], "docs/SECURITY.md"],
    ["none elsewhere", [{ path: "src/SECURITY.md" }, { path: "SECURITY.txt" }], undefined],
    ["attack: a symlink named SECURITY.md", [{ path: "SECURITY.md", mode: "120000" }], undefined],
    ["an empty SECURITY.md", [{ path: "SECURITY.md", size: 0 }], undefined],
  ])("%s", (_label, entries, expected) => {
    expect(securityPolicyIn(tree(entries))).toBe(expected);
  });
});

describe("disclosure-policy in the gate (governance.disclosure_policy)", () => {
  const model = modelFiles({ dir: "models/fraud" });
  const policy = testPolicy({ governance: { disclosure_policy: true } });
  const judge = (baseFiles: Record<string, string>, headFiles: Record<string, string>, base = "base") =>
    evaluateGate({
      policy,
      base: snapshot(baseFiles, base),
      head: snapshot({ ...model.files, ...headFiles }, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
      governance: {},
    }).models[0]!.requirements.find((r) => r.id === "disclosure-policy");

  it("is not asked by default", () => {
    const decision = evaluateGate({
      policy: testPolicy(),
      base: snapshot({}, "base"),
      head: snapshot(model.files, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
    });
    expect(decision.models[0]!.requirements.map((r) => r.id)).not.toContain("disclosure-policy");
  });

  it("is met by the base branch's SECURITY.md", () => {
    expect(judge({ "SECURITY.md": "Report to security@example.org" }, {})).toEqual({
      id: "disclosure-policy",
      status: "met",
      message: "A security policy is published: SECURITY.md.",
      provision: "5.2.2-4",
    });
  });

  it("attack: a SECURITY.md only in the pull request's branch is not published", () => {
    expect(judge({ "README.md": "x" }, { "SECURITY.md": "Report to security@example.org" })).toMatchObject({
      status: "failed",
      message:
        "No security policy is published: add SECURITY.md (in .github/, the root or docs/) on the default branch, or in the organisation's .github repository.",
    });
  });

  it("a first release (no earlier release) is judged on its own commit", () => {
    expect(judge({}, { "SECURITY.md": "Report to security@example.org" }, "")?.status).toBe("met");
  });

  it("is met by the organisation's .github repository", () => {
    const decision = evaluateGate({
      policy,
      base: snapshot({ "README.md": "x" }, "base"),
      head: snapshot(model.files, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
      governance: { organisationSecurityPolicy: "acme/.github: SECURITY.md" },
    });
    expect(decision.models[0]!.requirements.find((r) => r.id === "disclosure-policy")?.message).toBe(
      "A security policy is published: acme/.github: SECURITY.md.",
    );
  });
});
