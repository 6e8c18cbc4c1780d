import type { Policy } from "../policy/schema.js";
import type { Snapshot } from "../detect/snapshot.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { SupplyChainFacts } from "../supply-chain/facts.js";
import type { Requirement } from "./types.js";
import { signatureRequirements } from "./signature-requirements.js";
import { buildProvenanceRequirements } from "./build-provenance-requirements.js";

/** Who made the artefacts (docs/supply-chain.md): the model's signature, then each weights file's build provenance. */
export function supplyChainRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  head: Snapshot,
  facts: SupplyChainFacts | undefined,
): Requirement[] {
  return [
    ...signatureRequirements(policy, loaded, head, facts),
    ...buildProvenanceRequirements(policy, loaded, head, facts),
  ];
}
