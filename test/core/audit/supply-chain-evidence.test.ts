import { describe, expect, it } from "vitest";
import { buildAuditReport } from "../../../src/core/audit/build-report.js";
import type { AuditInput } from "../../../src/core/audit/types.js";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { emptySnapshot } from "../../../src/core/detect/snapshot.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import { TEST_NOW as NOW } from "../../fixtures/clock.js";
import { approvalFacts, modelFiles, snapshot, testPolicy } from "../../fixtures/manifests.js";

describe("the audit counts model signatures and build provenance as evidence of 5.2.3-1 and 5.2.4-1.2", () => {
  it("a head without a required signature, its weights not checked offline: counted, the failure a finding", () => {
    const policy = testPolicy({
      supply_chain: {
        signatures: { require: true },
        provenance: { require: true, workflows: ["acme/models/.github/workflows/train.yml@refs/heads/main"] },
      },
    });
    const fraud = modelFiles({ dir: "models/fraud", name: "fraud", version: "1.0.0" });
    const head = snapshot(fraud.files, "4".repeat(40));
    const detected = detectChanges(policy, emptySnapshot(), head);
    const decision = evaluateGate({
      policy,
      base: emptySnapshot(),
      head,
      facts: { ...approvalFacts(), available: false },
      now: NOW,
      detected,
    });
    const input: AuditInput = {
      repository: "acme/models",
      ref: "main",
      commit: head.commit,
      generatedAt: NOW.toISOString(),
      toolVersion: "0.1.0",
      policy: { path: ".github/modelgate.yml", found: true, errors: [] },
      head: { models: detected.models.head, errors: [], decision, unmanaged: [], bom: [] },
      history: [],
      tags: [],
    };
    const report = buildAuditReport(input);
    for (const id of ["5.2.3-1", "5.2.4-1.2"]) {
      const provision = report.provisions.find((p) => p.id === id)!;
      expect(provision.evidence.map((e) => e.text)).toContain(
        "0 model signatures verified at the head, 1 failed; 0 weights files with verified build provenance, 0 failed, 1 not checked",
      );
      expect(provision.findings).toContainEqual(expect.stringMatching(/^no model signature: sign the model's folder/));
    }
  });
});
