import { describe, expect, it } from "vitest";
import { buildBom, type CycloneDxBom } from "../../../src/core/bom/build-bom.js";
import { validateBom } from "../../../src/core/bom/validate-bom.js";
import { FRAUD_DETECTOR_YAML, SENTIMENT_YAML, loaded } from "./fixtures.js";

function validBom(): CycloneDxBom {
  return buildBom({
    repository: "acme/models",
    ref: "v3.0.0",
    commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    models: [
      loaded("models/fraud/model.yaml", FRAUD_DETECTOR_YAML),
      loaded("nlp/sentiment/model.yaml", SENTIMENT_YAML),
    ],
    timestamp: "2026-12-01T10:00:00Z",
    toolVersion: "0.1.0",
  });
}

/** A broken copy of a valid BOM; `edit` changes it in place. */
function brokenBom(edit: (bom: any) => void): unknown {
  const bom = structuredClone(validBom());
  edit(bom);
  return bom;
}

describe("validateBom", () => {
  it("accepts the BOM buildBom makes", async () => {
    await expect(validateBom(validBom())).resolves.toEqual({ ok: true });
  });

  const cases: Array<{ problem: string; edit: (bom: any) => void; error: string }> = [
    {
      problem: "a hash algorithm spelled sha256 instead of SHA-256",
      edit: (bom) => (bom.components[0].components[0].hashes[0].alg = "sha256"),
      error:
        "/components/0/components/0/hashes/0/alg: must be equal to one of the allowed values (allowed: MD5, SHA-1, SHA-256",
    },
    {
      problem: "a hash that is not hex",
      edit: (bom) => (bom.components[2].hashes[0].content = "not-a-hash"),
      error: "/components/2/hashes/0/content: must match pattern",
    },
    {
      problem: "an unknown component type",
      edit: (bom) => (bom.components[0].type = "model"),
      error: "/components/0/type: must be equal to one of the allowed values",
    },
    {
      problem: "a field the schema does not define",
      edit: (bom) => (bom.components[0].digest = "sha256:00"),
      error: '/components/0: must NOT have additional properties ("digest")',
    },
    {
      problem: "a serial number that is not a urn:uuid",
      edit: (bom) => (bom.serialNumber = "modelgate-1"),
      error: "/serialNumber: must match pattern",
    },
    {
      problem: "a timestamp that is not a date-time",
      edit: (bom) => (bom.metadata.timestamp = "yesterday"),
      error: '/metadata/timestamp: must match format "date-time"',
    },
    {
      problem: "a missing bomFormat",
      edit: (bom) => delete bom.bomFormat,
      error: "/: must have required property 'bomFormat' (\"bomFormat\")",
    },
    {
      problem: "the same bom-ref on two components",
      edit: (bom) => (bom.components[1]["bom-ref"] = "model:fraud-detector@2.1.0"),
      error: '/components/1/bom-ref: "model:fraud-detector@2.1.0" is already the bom-ref of /components/0',
    },
    {
      problem: "a dependency on nothing in the BOM",
      edit: (bom) => bom.dependencies[1].dependsOn.push("data:missing"),
      error: '/dependencies/1/dependsOn/2: "data:missing" is not the bom-ref of anything in the BOM',
    },
    {
      problem: "a model card naming a dataset that is not in the BOM",
      edit: (bom) => (bom.components[1].modelCard.modelParameters.datasets[0].ref = "data:gone"),
      error:
        '/components/1/modelCard/modelParameters/datasets/0/ref: "data:gone" is not the bom-ref of anything in the BOM',
    },
  ];

  it.each(cases)("rejects $problem", async ({ edit, error }) => {
    const result = await validateBom(brokenBom(edit));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.errors.some((e) => e.startsWith(error)),
      `errors were:\n${result.errors.join("\n")}`,
    ).toBe(true);
  });

  it("rejects something that is not a BOM at all", async () => {
    for (const notABom of [undefined, null, "CycloneDX", [], {}]) {
      const result = await validateBom(notABom);
      expect(result.ok, JSON.stringify(notABom)).toBe(false);
    }
  });
});
