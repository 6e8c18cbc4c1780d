import type { LoadedManifest } from "../../core/manifest/load-manifest.js";
import type { FileError } from "../../core/yaml/load-yaml.js";
import { resolveCommit } from "../git.js";
import { snapshotAt } from "../git-snapshot.js";
import { modelsAt, policyAt } from "../repository.js";
import { compareCodeUnits } from "../../core/compare-code-units.js";
import { plural } from "../../core/render/markdown.js";

export interface InventoryEntry {
  name: string;
  version: string;
  status: string;
  digest: string;
  manifest: string;
}

export interface Inventory {
  ref: string;
  commit: string;
  models: InventoryEntry[];
  /** Manifests that could not be listed (the command then exits 1). */
  errors: FileError[];
}

/** Every model at a ref (docs/cli.md "modelgate inventory", provision 5.2.1-1), with the manifests read as loaded. */
export async function loadInventory(repo: string, ref: string): Promise<Inventory & { loaded: LoadedManifest[] }> {
  const commit = await resolveCommit(repo, ref);
  const snapshot = await snapshotAt(repo, commit);
  const policy = await policyAt(repo, snapshot, ref);
  const { models, errors } = await modelsAt(repo, snapshot, policy);
  const loaded = [...models].sort((a, b) => compareCodeUnits(a.manifest.name, b.manifest.name));
  return {
    ref,
    commit,
    loaded,
    models: loaded.map(({ manifest, digest, path }) => ({
      name: manifest.name,
      version: manifest.version,
      status: manifest.status,
      digest,
      manifest: path,
    })),
    errors,
  };
}

export function renderInventory(inventory: Inventory): string {
  const header = ["NAME", "VERSION", "STATUS", "DIGEST", "MANIFEST"];
  const rows = inventory.models.map((m) => [m.name, m.version, m.status, m.digest, m.manifest]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const format = (row: string[]): string =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ");
  const lines = [
    `${plural(inventory.models.length, "model")} at ${inventory.ref} (${inventory.commit.slice(0, 12)})`,
    "",
  ];
  if (rows.length > 0) lines.push(format(header), ...rows.map(format));
  if (inventory.errors.length > 0) {
    lines.push("", "Manifests that could not be listed:");
    for (const error of inventory.errors) lines.push(`  ${error.path}:${error.line}: ${error.message}`);
  }
  return lines.join("\n") + "\n";
}
