import { describe, expect, it } from "vitest";
import { buildBom, validateBom, type BomComponent, type BomInput } from "../../../src/core/bom/build-bom.js";
import { FRAUD_DETECTOR_YAML, FRAUD_DIGEST, HASH, SENTIMENT_YAML, hashOf, loaded } from "./fixtures.js";

const fraud = loaded("models/fraud/model.yaml", FRAUD_DETECTOR_YAML);
const sentiment = loaded("nlp/sentiment/model.yaml", SENTIMENT_YAML);

const input: BomInput = {
  repository: "acme/models",
  ref: "v3.0.0",
  commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
  models: [sentiment, fraud],
  timestamp: "2026-12-01T10:00:00Z",
  toolVersion: "0.1.0",
};

const bom = buildBom(input);

function component(ref: string): BomComponent {
  const found = bom.components.find((c) => c["bom-ref"] === ref);
  if (found === undefined)
    throw new Error(`no component ${ref} in ${bom.components.map((c) => c["bom-ref"]).join(", ")}`);
  return found;
}

describe("buildBom: the document", () => {
  it("is a CycloneDX 1.6 JSON BOM, version 1, with a urn:uuid serial number", () => {
    expect(bom.$schema).toBe("http://cyclonedx.org/schema/bom-1.6.schema.json");
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toBe("1.6");
    expect(bom.version).toBe(1);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("names the time it was made, modelgate as the tool, and the repository at the ref as its subject", () => {
    expect(bom.metadata).toEqual({
      timestamp: "2026-12-01T10:00:00Z",
      tools: { components: [{ type: "application", name: "modelgate", version: "0.1.0" }] },
      component: {
        type: "application",
        "bom-ref": "repository:acme/models",
        name: "acme/models",
        version: "v3.0.0",
        properties: [{ name: "modelgate:commit", value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b" }],
      },
    });
  });

  it("lists the models by name, then each distinct training dataset once", () => {
    expect(bom.components.map((c) => [c.type, c["bom-ref"]])).toEqual([
      ["machine-learning-model", "model:fraud-detector@2.1.0"],
      ["machine-learning-model", "model:sentiment@1.0.0"],
      ["data", "data:transactions-2026q3"],
      ["data", "data:chargeback-labels"],
    ]);
  });

  it("links the repository to its models and each model to the datasets it was trained on", () => {
    expect(bom.dependencies).toEqual([
      { ref: "repository:acme/models", dependsOn: ["model:fraud-detector@2.1.0", "model:sentiment@1.0.0"] },
      { ref: "model:fraud-detector@2.1.0", dependsOn: ["data:transactions-2026q3", "data:chargeback-labels"] },
      { ref: "model:sentiment@1.0.0", dependsOn: ["data:chargeback-labels"] },
      { ref: "data:transactions-2026q3", dependsOn: [] },
      { ref: "data:chargeback-labels", dependsOn: [] },
    ]);
  });

  it("passes the official CycloneDX 1.6 schema", async () => {
    await expect(validateBom(bom)).resolves.toEqual({ ok: true });
  });
});

describe("buildBom: a model with evaluation, upstream weights and two datasets", () => {
  const model = component("model:fraud-detector@2.1.0");

  it("carries name, version and description, and no hash of its own", () => {
    expect(model.type).toBe("machine-learning-model");
    expect(model.name).toBe("fraud-detector");
    expect(model.version).toBe("2.1.0");
    expect(model.description).toBe("Scores card transactions for fraud");
    expect(model.hashes).toBeUndefined();
  });

  it("records digest, status, manifest path and modalities as modelgate properties", () => {
    expect(model.properties).toEqual([
      { name: "modelgate:digest", value: FRAUD_DIGEST },
      { name: "modelgate:status", value: "active" },
      { name: "modelgate:manifest", value: "models/fraud/model.yaml" },
      { name: "modelgate:modalities", value: "text,tabular" },
    ]);
  });

  it("has a model card with its datasets by reference, its modalities as inputs, and the evaluation bound to its digest", () => {
    expect(model.modelCard).toEqual({
      modelParameters: {
        datasets: [{ ref: "data:transactions-2026q3" }, { ref: "data:chargeback-labels" }],
        inputs: [{ format: "text" }, { format: "tabular" }],
      },
      properties: [
        { name: "modelgate:evaluation:result", value: "pass" },
        { name: "modelgate:evaluation:date", value: "2026-11-20" },
        { name: "modelgate:evaluation:evaluator", value: "octocat" },
        { name: "modelgate:evaluation:report", value: "docs/evals/fraud-2.1.0.md" },
        { name: "modelgate:evaluation:threats", value: "data_poisoning,membership_inference" },
      ],
    });
  });

  it("nests each artefact in the repository as a file at its repository path, with its SHA-256 in lower case", () => {
    expect(model.components).toEqual([
      {
        type: "file",
        "bom-ref": "model:fraud-detector@2.1.0/weights/model.safetensors",
        name: "models/fraud/weights/model.safetensors",
        hashes: [{ alg: "SHA-256", content: HASH.weights }],
        properties: [{ name: "modelgate:kind", value: "weights" }],
      },
      {
        type: "file",
        "bom-ref": "model:fraud-detector@2.1.0/prompts/system.txt",
        name: "models/fraud/prompts/system.txt",
        hashes: [{ alg: "SHA-256", content: HASH.prompt }],
        properties: [{ name: "modelgate:kind", value: "prompt" }],
      },
    ]);
  });

  it("records the unverified upstream weights as an ancestor with purl, hash and the justification", () => {
    expect(model.pedigree).toEqual({
      ancestors: [
        {
          type: "machine-learning-model",
          "bom-ref": "model:fraud-detector@2.1.0/base-model",
          name: "base-model",
          hashes: [{ alg: "SHA-256", content: HASH.base }],
          purl: "pkg:huggingface/acme/base@0a1b2c3",
          properties: [
            { name: "modelgate:kind", value: "weights" },
            { name: "modelgate:verified", value: "false" },
            {
              name: "modelgate:justification",
              value: "vendor publishes no signature; hash pinned at intake review SEC-42",
            },
          ],
        },
      ],
    });
  });
});

describe("buildBom: a model without description, modalities or evaluation", () => {
  const model = component("model:sentiment@1.0.0");

  it("says only what its manifest declares", () => {
    expect(model.description).toBeUndefined();
    expect(model.properties).toEqual([
      { name: "modelgate:digest", value: sentiment.digest },
      { name: "modelgate:status", value: "deprecated" },
      { name: "modelgate:manifest", value: "nlp/sentiment/model.yaml" },
    ]);
    expect(model.modelCard).toEqual({ modelParameters: { datasets: [{ ref: "data:chargeback-labels" }] } });
  });

  it("records a verified upstream tokenizer fetched from a URL as a file ancestor with a distribution reference", () => {
    expect(model.pedigree?.ancestors).toEqual([
      {
        type: "file",
        "bom-ref": "model:sentiment@1.0.0/tokenizer",
        name: "tokenizer",
        hashes: [{ alg: "SHA-256", content: HASH.tokenizer }],
        externalReferences: [{ type: "distribution", url: "https://models.example.org/tokenizers/wordpiece-v3.json" }],
        properties: [
          { name: "modelgate:kind", value: "tokenizer" },
          { name: "modelgate:verified", value: "true" },
        ],
      },
    ]);
  });
});

describe("buildBom: training datasets", () => {
  it("gives a dataset with a sha256 its hash, source and acquisition time", () => {
    expect(component("data:transactions-2026q3")).toEqual({
      type: "data",
      "bom-ref": "data:transactions-2026q3",
      name: "transactions-2026q3",
      hashes: [{ alg: "SHA-256", content: HASH.transactions }],
      externalReferences: [{ type: "distribution", url: "https://data.example.org/transactions/2026q3.parquet" }],
      data: [
        {
          type: "dataset",
          name: "transactions-2026q3",
          contents: { url: "https://data.example.org/transactions/2026q3.parquet" },
        },
      ],
      properties: [{ name: "modelgate:acquired_at", value: "2026-10-01T00:00:00Z" }],
    });
  });

  it("gives a dataset without a sha256 no hashes, and lists it once when two models declare it alike", () => {
    expect(component("data:chargeback-labels")).toEqual({
      type: "data",
      "bom-ref": "data:chargeback-labels",
      name: "chargeback-labels",
      externalReferences: [{ type: "distribution", url: "https://data.example.org/labels/chargebacks.csv" }],
      data: [
        {
          type: "dataset",
          name: "chargeback-labels",
          contents: { url: "https://data.example.org/labels/chargebacks.csv" },
        },
      ],
      properties: [{ name: "modelgate:acquired_at", value: "2026-10-02T08:30:00Z" }],
    });
  });

  it("keeps two different datasets that share a name apart, each with its own bom-ref", async () => {
    const other = loaded(
      "other/model.yaml",
      `name: other\nversion: 0.1.0\ntraining_data:\n  - name: chargeback-labels\n    source: https://data.example.org/labels/chargebacks-v2.csv\n`,
    );
    const result = buildBom({ ...input, models: [fraud, other] });
    const datasets = result.components.filter((c) => c.type === "data");
    expect(datasets.map((d) => [d["bom-ref"], d.externalReferences?.[0]?.url])).toEqual([
      ["data:transactions-2026q3", "https://data.example.org/transactions/2026q3.parquet"],
      ["data:chargeback-labels", "https://data.example.org/labels/chargebacks.csv"],
      ["data:chargeback-labels#2", "https://data.example.org/labels/chargebacks-v2.csv"],
    ]);
    expect(result.dependencies.find((d) => d.ref === "model:other@0.1.0")).toEqual({
      ref: "model:other@0.1.0",
      dependsOn: ["data:chargeback-labels#2"],
    });
    await expect(validateBom(result)).resolves.toEqual({ ok: true });
  });
});

describe("buildBom: where a source goes", () => {
  const cases: Array<{ source: string; expected: Partial<BomComponent> }> = [
    { source: "pkg:huggingface/acme/data@abc", expected: { purl: "pkg:huggingface/acme/data@abc" } },
    {
      source: "https://example.org/d.csv",
      expected: { externalReferences: [{ type: "distribution", url: "https://example.org/d.csv" }] },
    },
    {
      source: "s3://bucket/datasets/d.parquet",
      expected: { externalReferences: [{ type: "distribution", url: "s3://bucket/datasets/d.parquet" }] },
    },
    {
      source: "the finance data warehouse",
      expected: { properties: [{ name: "modelgate:source", value: "the finance data warehouse" }] },
    },
    {
      source: "C:\\exports\\d.csv",
      expected: { properties: [{ name: "modelgate:source", value: "C:\\exports\\d.csv" }] },
    },
  ];

  it.each(cases)("upstream source $source", async ({ source, expected }) => {
    const manifest = loaded(
      "m/model.yaml",
      `name: m\nversion: 1.0.0\ncomponents:\n  - name: upstream\n    source: ${JSON.stringify(source)}\n    kind: code\n`,
    );
    const result = buildBom({ ...input, models: [manifest] });
    const ancestor = result.components[0]?.pedigree?.ancestors?.[0];
    expect(ancestor?.type).toBe("library");
    expect({
      purl: ancestor?.purl,
      externalReferences: ancestor?.externalReferences,
      properties: ancestor?.properties?.filter((p) => p.name === "modelgate:source"),
    }).toEqual({
      purl: expected.purl,
      externalReferences: expected.externalReferences,
      properties: expected.properties ?? [],
    });
    await expect(validateBom(result)).resolves.toEqual({ ok: true });
  });

  it.each(cases)("training data source $source", async ({ source, expected }) => {
    const manifest = loaded(
      "m/model.yaml",
      `name: m\nversion: 1.0.0\ntraining_data:\n  - name: d\n    source: ${JSON.stringify(source)}\n`,
    );
    const result = buildBom({ ...input, models: [manifest] });
    const dataset = result.components.find((c) => c.type === "data");
    const url = expected.externalReferences?.[0]?.url;
    expect(dataset).toEqual({
      type: "data",
      "bom-ref": "data:d",
      name: "d",
      ...expected,
      data: [{ type: "dataset", name: "d", ...(url !== undefined ? { contents: { url } } : {}) }],
    });
    await expect(validateBom(result)).resolves.toEqual({ ok: true });
  });
});

describe("buildBom: the same release always gives the same BOM", () => {
  it("does not depend on the order the manifests were found in", () => {
    expect(buildBom({ ...input, models: [fraud, sentiment] })).toEqual(bom);
  });

  const serialCases: Array<{ change: string; other: Partial<BomInput>; same: boolean }> = [
    { change: "nothing", other: {}, same: true },
    {
      change: "another timestamp and tag on the same commit",
      other: { timestamp: "2027-01-01T00:00:00Z", ref: "v3.0.0-rc.1" },
      same: true,
    },
    { change: "the repository name in other letter case", other: { repository: "ACME/Models" }, same: true },
    { change: "another commit", other: { commit: "2c26b46b68ffc68ff99b453c1d30413413422d70" }, same: false },
    { change: "another repository", other: { repository: "acme/models-fork" }, same: false },
  ];

  it.each(serialCases)("serial number with $change: same = $same", ({ other, same }) => {
    const serial = buildBom({ ...input, ...other }).serialNumber;
    if (same) expect(serial).toBe(bom.serialNumber);
    else expect(serial).not.toBe(bom.serialNumber);
  });

  it("uses the serial number it is given", () => {
    const serialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
    expect(buildBom({ ...input, serialNumber }).serialNumber).toBe(serialNumber);
  });
});

describe("buildBom: edge cases still give a valid BOM", () => {
  it("a release without models", async () => {
    const empty = buildBom({ ...input, models: [] });
    expect(empty.components).toEqual([]);
    expect(empty.dependencies).toEqual([{ ref: "repository:acme/models", dependsOn: [] }]);
    await expect(validateBom(empty)).resolves.toEqual({ ok: true });
  });

  it("a model without components, datasets or modalities has no model card", async () => {
    const bare = buildBom({ ...input, models: [loaded("bare/model.yaml", "name: bare\nversion: 0.0.1\n")] });
    expect(bare.components[0]).toEqual({
      type: "machine-learning-model",
      "bom-ref": "model:bare@0.0.1",
      name: "bare",
      version: "0.0.1",
      properties: [
        { name: "modelgate:digest", value: `sha256:${hashOf("")}` },
        { name: "modelgate:status", value: "active" },
        { name: "modelgate:manifest", value: "bare/model.yaml" },
      ],
    });
    await expect(validateBom(bare)).resolves.toEqual({ ok: true });
  });

  it("two manifests that declare the same model version get distinct bom-refs", async () => {
    const copy = loaded("copy/model.yaml", SENTIMENT_YAML);
    const result = buildBom({ ...input, models: [copy, sentiment] });
    expect(
      result.components
        .filter((c) => c.type === "machine-learning-model")
        .map((c) => [c["bom-ref"], c.properties?.[2]?.value]),
    ).toEqual([
      ["model:sentiment@1.0.0", "copy/model.yaml"],
      ["model:sentiment@1.0.0#2", "nlp/sentiment/model.yaml"],
    ]);
    await expect(validateBom(result)).resolves.toEqual({ ok: true });
  });

  it("an evaluation for an older digest is not shown as the model's evaluation", () => {
    const retrained = loaded(
      "models/fraud/model.yaml",
      FRAUD_DETECTOR_YAML.replace(HASH.weights.toUpperCase(), hashOf("retrained weights")),
    );
    const model = buildBom({ ...input, models: [retrained] }).components[0];
    expect(model?.modelCard?.properties).toBeUndefined();
  });
});

describe("buildBom: what users are told (documentation fields)", () => {
  const documented = loaded(
    "nlp/sentiment/model.yaml",
    `${SENTIMENT_YAML.trimEnd()}
intended_use: Routing support tickets by sentiment
limitations: [English only, "Sarcasm is often misread"]
failure_modes: Scores short messages as neutral
prohibited_uses: [Employee performance assessment]
retention: Inputs are not stored
`,
  );

  it("puts them into the model card's considerations, and retention into its properties", async () => {
    const result = buildBom({ ...input, models: [documented] });
    const model = result.components.find((c) => c.type === "machine-learning-model");
    expect(model?.modelCard?.considerations).toEqual({
      useCases: ["Routing support tickets by sentiment"],
      technicalLimitations: [
        "English only",
        "Sarcasm is often misread",
        "Failure mode: Scores short messages as neutral",
      ],
      ethicalConsiderations: [{ name: "Prohibited use: Employee performance assessment" }],
    });
    expect(model?.modelCard?.properties).toContainEqual({
      name: "modelgate:retention",
      value: "Inputs are not stored",
    });
    await expect(validateBom(result)).resolves.toEqual({ ok: true });
  });

  it("a model without them has no considerations", () => {
    expect(component("model:fraud-detector@2.1.0").modelCard?.considerations).toBeUndefined();
  });
});
