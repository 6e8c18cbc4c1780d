import { describe, expect, it } from "vitest";
import { signatureRequirements } from "../../../src/core/evaluate/signature-requirements.js";
import { loadManifest, type LoadedManifest } from "../../../src/core/manifest/load-manifest.js";
import type { SupplyChainFacts } from "../../../src/core/supply-chain/facts.js";
import {
  lfsPointer,
  modelFiles,
  sha256,
  snapshot,
  testPolicy,
  withoutContents,
  type FileSpec,
} from "../../fixtures/manifests.js";
import { plannedReads } from "../../../src/core/detect/plan-reads.js";
import { emptySnapshot } from "../../../src/core/detect/snapshot.js";
import {
  KEYLESS_SIGNER,
  TEST_KEY_PEM,
  VECTOR_CA,
  VECTOR_KEY,
  pinned,
  signWithTestKey,
  statement,
  vector,
  type Resource,
  type VectorMode,
} from "../../fixtures/model-signing.js";

const KEY_PATH = ".github/modelgate/signing-key.pub";
const MANIFEST = "models/fraud/model.yaml";
const WEIGHTS = "weights v2";
const CONFIG = '{"layers": 12}';

function manifest(components: Record<string, string>, extra = ""): LoadedManifest {
  const lines = Object.entries(components).map(
    ([path, content]) =>
      `  - path: ${path}\n    kind: ${path.startsWith("weights") ? "weights" : "config"}\n    sha256: ${sha256(content)}`,
  );
  const text = `name: fraud\nversion: 2.0.0\n${extra}components:\n${lines.join("\n")}\n`;
  const loaded = loadManifest(MANIFEST, text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.loaded;
}

const model = { "weights/model.bin": WEIGHTS, "config.json": CONFIG };
const signedAsIs: Resource[] = [
  { name: "weights/model.bin", digest: sha256(WEIGHTS) },
  { name: "config.json", digest: sha256(CONFIG) },
];
const keyPolicy = (require = true) =>
  testPolicy({ supply_chain: { signatures: { require, signers: [{ public_key: KEY_PATH }] } } });
const keyFacts: SupplyChainFacts = { pinnedFiles: new Map([[KEY_PATH, TEST_KEY_PEM]]) };

function judge(options: {
  signature?: FileSpec;
  signaturePath?: string;
  files?: Record<string, FileSpec>;
  loaded?: LoadedManifest;
  require?: boolean;
  facts?: SupplyChainFacts;
}) {
  const loaded = options.loaded ?? manifest(model);
  const files: Record<string, FileSpec> = { [MANIFEST]: "name: fraud", ...options.files };
  if (!options.files) for (const [path, content] of Object.entries(model)) files[`models/fraud/${path}`] = content;
  if (options.signature !== undefined) files[options.signaturePath ?? "models/fraud/model.sig"] = options.signature;
  return signatureRequirements(keyPolicy(options.require), loaded, snapshot(files), options.facts ?? keyFacts);
}

describe("signature: every file component among the signed files, signed by a pinned signer", () => {
  it("met: model.sig beside the manifest signs every component with its digest (the manifest itself is not expected)", () => {
    expect(judge({ signature: signWithTestKey(statement(signedAsIs)) })).toEqual([
      {
        id: "signature",
        status: "met",
        message: `models/fraud/model.sig: signed by the key ${KEY_PATH}; every file of the model's folder is among the signed files with the same digest`,
        provision: "5.2.3-1, 5.2.4-1.2",
        path: MANIFEST,
        line: 1,
      },
    ]);
  });

  const failures: Array<{ name: string; resources: Resource[]; ignore?: string[]; problem: string }> = [
    {
      name: "attack: a signed resource list missing a weights file",
      resources: [{ name: "config.json", digest: sha256(CONFIG) }],
      problem: "weights/model.bin is not among the signed files",
    },
    {
      name: "attack: the weights were swapped after signing (digest differs)",
      resources: [{ name: "weights/model.bin", digest: sha256("weights v1") }, signedAsIs[1]!],
      problem: `weights/model.bin: digest differs (signed ${sha256("weights v1")}, the file is ${sha256(WEIGHTS)})`,
    },
    {
      name: "attack: ignore_paths covering a weight that is also listed",
      resources: signedAsIs,
      ignore: ["model.sig", "weights"],
      problem: "weights/model.bin is left out by the signature's ignore_paths",
    },
    {
      name: "attack: a Unicode look-alike path (Cyrillic і) stands for the weights",
      resources: [{ name: "weights/model.b\u0456n", digest: sha256(WEIGHTS) }, signedAsIs[1]!],
      problem: "weights/model.bin is not among the signed files",
    },
  ];
  it.each(failures)("$name", ({ resources, ignore, problem }) => {
    const signed = statement(resources);
    if (ignore) (signed.predicate as { serialization: { ignore_paths: string[] } }).serialization.ignore_paths = ignore;
    const [requirement] = judge({ signature: signWithTestKey(signed) });
    expect(requirement?.status).toBe("failed");
    expect(requirement?.message).toContain(problem);
    expect(requirement?.message).toMatch(/^models\/fraud\/model\.sig \(signed by the key /);
  });

  it("attack: a missing signature fails when the policy requires one", () => {
    expect(judge({})).toEqual([
      expect.objectContaining({
        id: "signature",
        status: "failed",
        message: expect.stringMatching(/^no model signature: sign the model's folder with model_signing/),
      }),
    ]);
  });

  it("without require, a model without a signature has no signature requirement", () => {
    expect(judge({ require: false })).toEqual([]);
  });

  it("attack: without require, a signature that is there is still checked, and a bad one fails", () => {
    const [requirement] = judge({
      require: false,
      signature: signWithTestKey(statement([{ name: "config.json", digest: sha256(CONFIG) }])),
    });
    expect(requirement).toMatchObject({
      status: "failed",
      message: expect.stringContaining("is not among the signed files"),
    });
  });

  it("attack: a pinned key the gate could not read verifies nothing (no facts: fail closed)", () => {
    const [requirement] = judge({
      signature: signWithTestKey(statement(signedAsIs)),
      facts: { pinnedFiles: new Map() },
    });
    expect(requirement).toMatchObject({
      status: "failed",
      message: expect.stringContaining("not found or not an elliptic-curve public key"),
    });
  });

  it("the manifest's `signature` names another file, relative to the manifest", () => {
    const loaded = manifest(model, "signature: signatures/fraud.sig\n");
    const [requirement] = judge({
      loaded,
      signature: signWithTestKey(statement(signedAsIs)),
      signaturePath: "models/fraud/signatures/fraud.sig",
    });
    expect(requirement).toMatchObject({
      status: "met",
      line: 3,
      message: expect.stringMatching(/^models\/fraud\/signatures\/fraud\.sig: signed/),
    });
    // named but not there: a failure even without require
    const [missing] = signatureRequirements(keyPolicy(false), loaded, snapshot({ [MANIFEST]: "x" }), keyFacts);
    expect(missing).toMatchObject({ status: "failed", message: "models/fraud/signatures/fraud.sig is missing" });
  });

  it("a signature stored as a Git LFS pointer is not read as one", () => {
    const [requirement] = judge({ signature: lfsPointer("bundle") });
    expect(requirement).toMatchObject({ status: "failed", message: expect.stringContaining("is a Git LFS pointer") });
  });
});

describe("signature: the upstream vectors as a model folder", () => {
  const pins = { signers: [KEYLESS_SIGNER, { public_key: VECTOR_KEY }, { certificate_chain: VECTOR_CA }] };
  const policy = testPolicy({ supply_chain: { signatures: { require: true, ...pins } } });
  const facts: SupplyChainFacts = { pinnedFiles: pinned(VECTOR_KEY, VECTOR_CA) };

  function vectorModel(
    mode: VectorMode,
    edit: (files: Record<string, string>) => void = () => {},
    extra: Record<string, FileSpec> = {},
  ) {
    const { signature, files } = vector(mode);
    const loaded = manifest(files);
    const model: Record<string, FileSpec> = {
      [MANIFEST]: "x",
      "models/fraud/model.sig": signature,
      ...extra,
    };
    edit(files);
    for (const [name, content] of Object.entries(files)) model[`models/fraud/${name}`] = content;
    return signatureRequirements(policy, loaded, snapshot(model), facts);
  }

  it.each<VectorMode>(["sigstore", "elliptic-key", "certificate"])("%s: met", (mode) => {
    expect(vectorModel(mode)[0]).toMatchObject({ id: "signature", status: "met" });
  });

  it.each<VectorMode>(["sigstore", "elliptic-key", "certificate"])(
    "attack: %s: a file of the model's folder that the signature ignores (ignore-me) is not signed: fails",
    (mode) => {
      const [requirement] = vectorModel(mode, () => {}, { "models/fraud/ignore-me": "" });
      expect(requirement?.status).toBe("failed");
      expect(requirement?.message).toContain("ignore-me is left out by the signature's ignore_paths");
    },
  );

  it.each<VectorMode>(["sigstore", "elliptic-key", "certificate"])(
    "attack: %s: a file added to the model's folder, declared by no component and not signed, fails",
    (mode) => {
      const [requirement] = vectorModel(mode, () => {}, { "models/fraud/loader.py": "import os\n" });
      expect(requirement?.status).toBe("failed");
      expect(requirement?.message).toContain("loader.py is not among the signed files");
    },
  );

  it.each<VectorMode>(["sigstore", "elliptic-key", "certificate"])(
    "attack: %s: a tampered model file fails",
    (mode) => {
      const [requirement] = vectorModel(mode, (files) => {
        files["signme-1"] = "tampered";
      });
      expect(requirement?.status).toBe("failed");
      expect(requirement?.message).toContain(`signme-1: digest differs`);
    },
  );
});

describe("plannedReads: the signature is read with the components", () => {
  it("model.sig beside a changed model's manifest is read at head", () => {
    const fraud = modelFiles({ dir: "models/fraud", name: "fraud", version: "1.0.0" });
    const head = snapshot({ ...fraud.files, "models/fraud/model.sig": "{}" });
    const manifestsRead = withoutContents(head, (path) => path.endsWith("model.yaml"));
    expect(plannedReads(testPolicy(), emptySnapshot(), manifestsRead).head).toContain("models/fraud/model.sig");
  });

  it("every other file of a signed model's folder is read too (each must be signed), an unsigned model's is not", () => {
    const fraud = modelFiles({ dir: "models/fraud", name: "fraud", version: "1.0.0" });
    const extra = { "models/fraud/loader.py": "import os\n", "models/other.txt": "not the model's" };
    const signed = snapshot({ ...fraud.files, ...extra, "models/fraud/model.sig": "{}" });
    const signedReads = plannedReads(
      testPolicy(),
      emptySnapshot(),
      withoutContents(signed, (path) => path.endsWith("model.yaml")),
    ).head;
    expect(signedReads).toContain("models/fraud/loader.py");
    expect(signedReads).not.toContain("models/other.txt");
    const unsigned = snapshot({ ...fraud.files, ...extra });
    const unsignedReads = plannedReads(
      testPolicy(),
      emptySnapshot(),
      withoutContents(unsigned, (path) => path.endsWith("model.yaml")),
    ).head;
    expect(unsignedReads).not.toContain("models/fraud/loader.py");
  });
});
