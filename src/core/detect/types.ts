import type { ChangeKind } from "../policy/schema.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";

/** A version rule (docs/architecture.md "Change kinds and version rules") broken by the change itself (version rules, deletion without decommission). */
export interface Finding {
  id: string;
  message: string;
  provision: string;
  path: string;
  line: number;
}

/** One model whose manifest or files differ between base and head (models are matched by `name`). */
export interface ModelChange {
  name: string;
  /** Manifest path at head; at base when the manifest was deleted. */
  manifestPath: string;
  base?: LoadedManifest;
  head?: LoadedManifest;
  /** Never empty; in CHANGE_KINDS order. */
  kinds: ChangeKind[];
  fromVersion?: string;
  toVersion?: string;
  /** The digest the gate binds to: head's, or base's when the manifest was deleted. */
  digest: string;
  /** Ids (path or name) of components whose declared hash or file content changed. */
  changedComponents: string[];
  findings: Finding[];
}

export type UnmanagedSource = "artifact" | "lfs" | "dvc" | "mlflow" | "hf-card";

/** A model file no manifest declares (shadow AI, docs/cli.md "Discovery rules"). */
export interface UnmanagedModel {
  path: string;
  source: UnmanagedSource;
  change: "added" | "modified" | "deleted";
}
