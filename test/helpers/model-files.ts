import { loadManifest } from "../../src/core/manifest/load-manifest.js";
import { lineContaining, modelFiles as manifestFiles } from "../fixtures/manifests.js";

/** A model of the app stories: a fraud-detector-like model with LFS weights and a text prompt. */
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
 * The files of one model as they sit in a repository, written by the one manifest builder
 * (test/fixtures/manifests.ts): manifest (`model.yaml`), the weights' LFS pointer and a text prompt.
 */
export function modelFiles(model: ModelFixture): ModelFilesResult {
  const built = manifestFiles({
    dir: model.dir,
    name: model.name,
    version: model.version,
    status: model.status ?? "active",
    description: "Scores card transactions for fraud",
    modalities: ["tabular"],
    components: {
      "weights/model.safetensors": {
        kind: "weights",
        lfs: model.weights,
        ...(model.declaredWeightsSha !== undefined ? { sha256: model.declaredWeightsSha } : {}),
      },
      "prompts/system.txt": { kind: "prompt", text: model.prompt },
    },
    training_data: [
      {
        name: "transactions-2026q3",
        source: "https://data.example.org/transactions-2026q3",
        acquired_at: "2026-10-01T00:00:00Z",
      },
    ],
    evaluation: model.evaluation
      ? {
          evaluator: model.evaluation.evaluator,
          date: model.evaluation.date,
          result: model.evaluation.result ?? "pass",
          ...(model.evaluation.digest !== undefined ? { model_digest: model.evaluation.digest } : {}),
        }
      : false,
  });
  // a fixture that does not even load would test the fixture, not the app
  const loaded = loadManifest(built.manifestPath, built.yaml);
  if (!loaded.ok) throw new Error(`invalid fixture manifest: ${JSON.stringify(loaded.errors)}`);
  const files: Record<string, string> = {};
  for (const [path, spec] of Object.entries(built.files)) {
    if (typeof spec !== "string") throw new Error(`${path}: the app stories store text files only`);
    files[path] = spec;
  }
  const weightsSha = lineContaining(
    built.yaml,
    "sha256:",
    lineContaining(built.yaml, "path: weights/model.safetensors"),
  );
  return {
    manifestPath: built.manifestPath,
    files,
    digest: built.digest,
    lines: { version: lineContaining(built.yaml, "version:"), weightsSha256: weightsSha },
  };
}
