import type { Decision, Requirement } from "../evaluate/types.js";
import { componentRepoPath, type LoadedManifest } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import type { BomComponent, BomProperty } from "./types.js";

/** How a verification reads in the BOM: what modelgate found, never more ("met" is written "verified"). */
function verdict(requirement: Requirement): string {
  const status = requirement.status === "met" ? "verified" : requirement.status;
  return `${status}: ${requirement.message}`;
}

/**
 * Records on a model's BOM component what the gate verified of its supply chain (docs/supply-chain.md): the model
 * signature on the model and on each file it covers, each weights file's build provenance on that file. Nothing is
 * recorded without a decision: the BOM does not claim a verification modelgate did not make.
 */
export function supplyChainProperties(
  component: BomComponent,
  loaded: LoadedManifest,
  verified: Pick<Decision, "models"> | undefined,
): void {
  const model = verified?.models.find((m) => m.manifestPath === loaded.path);
  if (!model) return;
  const byId = new Map(model.requirements.map((r) => [r.id, r]));
  const signature = byId.get("signature");
  if (signature) push(component, { name: "modelgate:signature", value: verdict(signature) });
  for (const c of loaded.manifest.components) {
    if (!isFileComponent(c)) continue;
    const file = component.components?.find((f) => f.name === componentRepoPath(loaded.path, c));
    if (!file) continue;
    if (signature?.status === "met") push(file, { name: "modelgate:signature", value: "signed" });
    const attestation = byId.get(`provenance:${c.path}`);
    if (attestation) push(file, { name: "modelgate:attestation", value: verdict(attestation) });
  }
}

function push(component: BomComponent, property: BomProperty): void {
  component.properties = [...(component.properties ?? []), property];
}
