import type { PinnedFiles } from "./model-signature.js";

/** What the supply-chain checks need beyond the commit's files, gathered by the edges (app, CLI). */
export interface SupplyChainFacts {
  /** The PEM files the policy's signers name, read at the policy's branch (a path without text was not found). */
  pinnedFiles: PinnedFiles;
  /**
   * GitHub artifact attestation bundles per SHA-256 (hex) of a weights file, as the attestations API returned them;
   * absent when GitHub was not asked (the CLI offline): build provenance is then not checked, never met.
   */
  attestations?: ReadonlyMap<string, ReadonlyArray<unknown>>;
}
