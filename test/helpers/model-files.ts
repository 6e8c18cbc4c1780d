import { modelDigest } from "../../src/core/manifest/digest.js";
import { loadManifest } from "../../src/core/manifest/load-manifest.js";
import { lfsPointerFor, sha256 } from "../fixtures/git-objects.js";
import { THREATS } from "../fixtures/threats.js";

export interface ModelFixture {
  /** Folder of the model, e.g. `models/fraud`. */
  dir: string;
  name: string;
  version: string;
  /** The real weights: the repository stores their Git LFS pointer. */
  weights: string;
  prompt: string;
  /** Overrides the weights hash the manifest declares (a mismatch). */
  declaredWeightsSha?: string;
  /** The manifest's status (default `active`); `decommissioned` retires the model with the same digest. */
  status?: "active" | "deprecated" | "decommissioned";
  /** The security evaluation record; `undefined` writes none. */
  evaluation?: { evaluator: string; date: string; result?: "pass" | "fail"; digest?: string };
}

export interface ModelFilesResult {
  manifestPath: string;
  files: Record<string, string>;
  digest: string;
  /** Lines of the manifest, for annotation assertions. */
  lines: { version: number; weightsSha256: number };
}

/**
 * The files of one model as they sit in a repository: manifest (`model.yaml`), the weights'
 * LFS pointer and a text prompt. The manifest is written line by line so tests know its lines.
 */
export function modelFiles(model: ModelFixture): ModelFilesResult {
  const weightsSha = model.declaredWeightsSha ?? sha256(model.weights);
  const promptSha = sha256(model.prompt);
  const components = [
    { path: "weights/model.safetensors", kind: "weights" as const, sha256: weightsSha },
    { path: "prompts/system.txt", kind: "prompt" as const, sha256: promptSha },
  ];
  const digest = modelDigest(components);
  const lines = [
    `name: ${model.name}`,
    `version: ${model.version}`,
    `status: ${model.status ?? "active"}`,
    "description: Scores card transactions for fraud",
    "modalities: [tabular]",
    "components:",
    "  - path: weights/model.safetensors",
    "    kind: weights",
    `    sha256: ${weightsSha}`,
    "  - path: prompts/system.txt",
    "    kind: prompt",
    `    sha256: ${promptSha}`,
    "training_data:",
    "  - name: transactions-2026q3",
    "    source: https://data.example.org/transactions-2026q3",
    "    acquired_at: 2026-10-01T00:00:00Z",
  ];
  if (model.evaluation) {
    lines.push(
      "evaluations:",
      `  - version: ${model.version}`,
      `    model_digest: ${model.evaluation.digest ?? digest}`,
      `    date: ${model.evaluation.date}`,
      `    evaluator: ${model.evaluation.evaluator}`,
      `    result: ${model.evaluation.result ?? "pass"}`,
      "    threats:",
      ...THREATS.map((threat) => `      ${threat}: tested with the red-team suite; mitigated by input filtering`),
    );
  }
  const manifest = `${lines.join("\n")}\n`;
  // a fixture that does not even load would test the fixture, not the app
  const loaded = loadManifest(`${model.dir}/model.yaml`, manifest);
  if (!loaded.ok) throw new Error(`invalid fixture manifest: ${JSON.stringify(loaded.errors)}`);
  return {
    manifestPath: `${model.dir}/model.yaml`,
    files: {
      [`${model.dir}/model.yaml`]: manifest,
      [`${model.dir}/weights/model.safetensors`]: lfsPointerFor(model.weights),
      [`${model.dir}/prompts/system.txt`]: model.prompt,
    },
    digest,
    lines: { version: 2, weightsSha256: 9 },
  };
}
