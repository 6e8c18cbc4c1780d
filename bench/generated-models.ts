/**
 * What the CLI benches share: how they run the CLI (the built bin when it exists, else the
 * sources through tsx) and the files of one generated model (an LFS pointer to its weights, a
 * prompt, and a manifest whose evaluation is bound to that digest).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { modelDigest } from "../src/core/manifest/digest.js";
import type { Component } from "../src/core/manifest/schema.js";

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUILT = join(PROJECT, "lib", "cli", "main.js");

/** `node ...argv` runs modelgate's CLI. */
export const cli = existsSync(BUILT)
  ? { label: "lib/cli/main.js", argv: [BUILT] }
  : {
      label: "src/cli/main.ts via tsx",
      argv: [
        "--import",
        pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
        join(PROJECT, "src", "cli", "main.ts"),
      ],
    };

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
/** A Git LFS pointer to 100 MB of weights whose hash is that of `seed`. */
export const lfsPointer = (seed: string): string =>
  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(seed)}\nsize 104857600\n`;

const THREATS = ["data_poisoning", "model_inversion", "membership_inference", "model_extraction", "evasion"];

/** The files of model `i` (under models/team-<i % 20>/model-<i>/), keyed by repository path. */
export function generatedModelFiles(model: {
  i: number;
  version: string;
  weightsSeed: string;
  prompt: string;
  evaluated: string;
  /** How each threat was addressed. */
  threatNote: string;
  report?: string;
}): Record<string, string> {
  const { i, version, weightsSeed, prompt } = model;
  const dir = `models/team-${i % 20}/model-${i}`;
  const components: Component[] = [
    { path: "weights/model.safetensors", kind: "weights", sha256: sha256(weightsSeed) },
    { path: "prompts/system.txt", kind: "prompt", sha256: sha256(prompt) },
  ];
  const manifest = {
    name: `model-${i}`,
    version,
    components,
    training_data: [
      { name: `data-${i}`, source: `https://data.example.org/${i}`, acquired_at: "2026-01-01T00:00:00Z" },
    ],
    evaluations: [
      {
        version,
        model_digest: modelDigest(components),
        date: model.evaluated,
        evaluator: "eve",
        result: "pass",
        ...(model.report !== undefined ? { report: model.report } : {}),
        threats: Object.fromEntries(THREATS.map((t) => [t, model.threatNote])),
      },
    ],
  };
  return {
    [`${dir}/model.yaml`]: stringify(manifest),
    [`${dir}/weights/model.safetensors`]: lfsPointer(weightsSeed),
    [`${dir}/prompts/system.txt`]: prompt,
  };
}
