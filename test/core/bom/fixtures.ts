import { createHash } from "node:crypto";
import { loadManifest, type LoadedManifest } from "../../../src/core/manifest/load-manifest.js";

/** A stand-in SHA-256 for an artefact: the hash of its label. */
export function hashOf(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

export const HASH = {
  weights: hashOf("fraud weights"),
  prompt: hashOf("fraud system prompt"),
  base: hashOf("upstream base model"),
  transactions: hashOf("transactions 2026q3"),
  sentimentWeights: hashOf("sentiment weights"),
  tokenizer: hashOf("upstream tokenizer"),
};

/** The model digest (docs/configuration.md "The manifest"), computed here by hand so the test does not trust the code it checks. */
export const FRAUD_DIGEST = `sha256:${hashOf(`${HASH.base} base-model\n${HASH.prompt} prompts/system.txt\n${HASH.weights} weights/model.safetensors\n`)}`;

export const FRAUD_DETECTOR_YAML = `
name: fraud-detector
version: 2.1.0
status: active
description: Scores card transactions for fraud
modalities: [text, tabular]
components:
  - path: weights/model.safetensors
    kind: weights
    sha256: ${HASH.weights.toUpperCase()}
  - path: prompts/system.txt
    kind: prompt
    sha256: ${HASH.prompt}
  - name: base-model
    source: pkg:huggingface/acme/base@0a1b2c3
    kind: weights
    sha256: ${HASH.base}
    verified: false
    justification: vendor publishes no signature; hash pinned at intake review SEC-42
training_data:
  - name: transactions-2026q3
    source: https://data.example.org/transactions/2026q3.parquet
    acquired_at: 2026-10-01T00:00:00Z
    sha256: ${HASH.transactions}
  - name: chargeback-labels
    source: https://data.example.org/labels/chargebacks.csv
    acquired_at: 2026-10-02T08:30:00Z
evaluations:
  - version: 2.0.0
    model_digest: sha256:${"0".repeat(64)}
    date: 2026-05-01
    evaluator: old-evaluator
    result: pass
  - version: 2.1.0
    model_digest: ${FRAUD_DIGEST}
    date: 2026-11-20
    evaluator: octocat
    result: pass
    report: docs/evals/fraud-2.1.0.md
    threats:
      data_poisoning: "provenance checked"
      membership_inference: "tested with LiRA; mitigated by DP-SGD"
`;

export const SENTIMENT_YAML = `
name: sentiment
version: 1.0.0
status: deprecated
components:
  - path: model.onnx
    kind: weights
    sha256: ${HASH.sentimentWeights}
  - name: tokenizer
    source: https://models.example.org/tokenizers/wordpiece-v3.json
    kind: tokenizer
    sha256: ${HASH.tokenizer}
    verified: true
training_data:
  - name: chargeback-labels
    source: https://data.example.org/labels/chargebacks.csv
    acquired_at: 2026-10-02T08:30:00Z
`;

export function loaded(path: string, yaml: string): LoadedManifest {
  const result = loadManifest(path, yaml);
  if (!result.ok) throw new Error(`fixture ${path} is invalid: ${JSON.stringify(result.errors)}`);
  return result.loaded;
}
