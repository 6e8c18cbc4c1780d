import { describe, expect, it } from "vitest";
import { buildBom, validateBom } from "../../../src/core/bom/build-bom.js";
import { formatsOfDecision } from "../../../src/core/supply-chain/formats/format-requirements.js";
import { FRAUD_DETECTOR_YAML, loaded } from "../bom/fixtures.js";

const WITH_EXCEPTION = FRAUD_DETECTOR_YAML.replace(
  "    kind: prompt\n",
  "    kind: prompt\n    format_exception:\n      justification: loaded by our sandboxed reader only\n      expires: 2027-03-31\n",
);

describe("the ML-BOM records each component's format and its exception", () => {
  it("modelgate:format from the judgement, modelgate:format_exception from the manifest; the BOM validates", async () => {
    const fraud = loaded("models/fraud/model.yaml", WITH_EXCEPTION);
    const formats = formatsOfDecision([
      {
        manifestPath: "models/fraud/model.yaml",
        requirements: [
          {
            id: "format:weights/model.safetensors",
            status: "met",
            message: "models/fraud/weights/model.safetensors (safetensors): no code runs when it is loaded",
            provision: "5.2.3-1, 5.2.4-1.2",
          },
        ],
      },
    ]);
    const bom = buildBom({
      repository: "acme/models",
      ref: "v3.0.0",
      commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
      models: [fraud],
      timestamp: "2026-12-01T10:00:00Z",
      toolVersion: "0.1.0",
      formats,
    });
    const files = bom.components[0]?.components ?? [];
    const property = (file: string, name: string) =>
      files.find((c) => c.name === file)?.properties?.find((p) => p.name === name)?.value;
    expect(property("models/fraud/weights/model.safetensors", "modelgate:format")).toBe(
      "met: models/fraud/weights/model.safetensors (safetensors): no code runs when it is loaded",
    );
    expect(property("models/fraud/prompts/system.txt", "modelgate:format_exception")).toBe(
      "loaded by our sandboxed reader only (until 2027-03-31)",
    );
    expect((await validateBom(bom)).ok).toBe(true);
  });
});
