import { modelDigest } from "../../src/core/manifest/digest.js";
import type { ComponentKind } from "../../src/core/manifest/schema.js";
import { sha256 } from "../fixtures/git-objects.js";
import { modelFiles as manifestFiles } from "../fixtures/manifests.js";

/** A Git LFS pointer to a (not present) file whose content is `seed`. */
export function lfsPointer(seed: string, size = 524_288_000): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(seed)}\nsize ${size}\n`;
}

/** The SHA-256 a manifest declares for a component file: an LFS pointer's oid, else the bytes' hash. */
export function declaredHash(content: string | Buffer): string {
  const oid = typeof content === "string" ? /^oid sha256:([0-9a-f]{64})$/m.exec(content)?.[1] : undefined;
  return oid ?? sha256(content);
}

export interface ModelSpec {
  /** Folder of the model (the manifest is `<dir>/model.yaml`). */
  dir: string;
  name: string;
  version: string;
  status?: "active" | "deprecated" | "decommissioned";
  components: Array<{ path: string; kind: ComponentKind; content: string | Buffer }>;
  /** Which version the evaluation record is for (default: `version`); false: no record. */
  evaluatedVersion?: string | false;
  /** The evaluation record's metrics and dataset (docs/regression.md). */
  metrics?: Record<string, number>;
  dataset?: { name: string; sha256: string };
}

/**
 * The manifest and component files of a model, with a passing evaluation (dated today: the CLI
 * runs on the real clock) bound to its digest. The manifest is written by the one manifest
 * builder (test/fixtures/manifests.ts); the component files are written as given.
 */
export function modelFiles(spec: ModelSpec): Record<string, string | Buffer> {
  const evaluatedVersion = spec.evaluatedVersion ?? spec.version;
  const built = manifestFiles({
    dir: spec.dir,
    name: spec.name,
    version: spec.version,
    status: spec.status ?? "active",
    description: `${spec.name} test model`,
    modalities: ["text"],
    components: Object.fromEntries(
      spec.components.map((c) => [c.path, { kind: c.kind, sha256: declaredHash(c.content), present: false }]),
    ),
    training_data: [
      {
        name: `${spec.name}-data`,
        source: "https://data.example.org/transactions",
        acquired_at: "2026-01-05T00:00:00Z",
      },
    ],
    evaluation:
      evaluatedVersion === false
        ? false
        : {
            version: evaluatedVersion,
            date: new Date().toISOString().slice(0, 10),
            evaluator: "eve-evaluator",
            ...(spec.metrics ? { metrics: spec.metrics } : {}),
            ...(spec.dataset ? { dataset: spec.dataset } : {}),
          },
  });
  const files: Record<string, string | Buffer> = { [built.manifestPath]: built.yaml };
  for (const c of spec.components) files[`${spec.dir}/${c.path}`] = c.content;
  return files;
}

export function digestOf(spec: ModelSpec): string {
  return modelDigest(spec.components.map((c) => ({ path: c.path, kind: c.kind, sha256: declaredHash(c.content) })));
}
