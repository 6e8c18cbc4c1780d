import { describe, expect, it } from "vitest";
import { buildBom, validateBom, type BomInput } from "../../../src/core/bom/build-bom.js";
import type { Decision } from "../../../src/core/evaluate/types.js";
import { FRAUD_DETECTOR_YAML, loaded } from "./fixtures.js";

const fraud = loaded("models/fraud/model.yaml", FRAUD_DETECTOR_YAML);
const input: BomInput = {
  repository: "acme/models",
  ref: "v3.0.0",
  commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
  models: [fraud],
  timestamp: "2026-12-01T10:00:00Z",
  toolVersion: "0.1.0",
};
const verified: Pick<Decision, "models"> = {
  models: [
    {
      name: fraud.manifest.name,
      manifestPath: "models/fraud/model.yaml",
      kinds: ["new_model"],
      digest: fraud.digest,
      verdict: "success",
      requirements: [
        { id: "signature", status: "met", message: "models/fraud/model.sig: signed by the key k.pub", provision: "" },
        {
          id: "provenance:weights/model.safetensors",
          status: "met",
          message: "attested by the workflow acme/models/.github/workflows/train.yml@refs/heads/main",
          provision: "",
        },
      ],
    },
  ],
};

describe("the ML-BOM records each model's signature and each weights file's attestation", () => {
  it("on the model and its files, from the gate's decision; the BOM still validates", async () => {
    const bom = buildBom({ ...input, verified });
    const model = bom.components.find((c) => c.type === "machine-learning-model" && c.name === fraud.manifest.name)!;
    expect(model.properties).toContainEqual({
      name: "modelgate:signature",
      value: "verified: models/fraud/model.sig: signed by the key k.pub",
    });
    const weights = model.components!.find((c) => c.name === "models/fraud/weights/model.safetensors")!;
    expect(weights.properties).toEqual(
      expect.arrayContaining([
        { name: "modelgate:signature", value: "signed" },
        {
          name: "modelgate:attestation",
          value: "verified: attested by the workflow acme/models/.github/workflows/train.yml@refs/heads/main",
        },
      ]),
    );
    expect((await validateBom(bom)).ok).toBe(true);
  });

  it("without a decision the BOM claims no verification", () => {
    const bom = JSON.stringify(buildBom(input));
    expect(bom).not.toContain("modelgate:signature");
    expect(bom).not.toContain("modelgate:attestation");
  });
});
