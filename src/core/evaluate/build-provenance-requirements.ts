import type { Policy } from "../policy/schema.js";
import type { Snapshot } from "../detect/snapshot.js";
import { componentRepoPath, type LoadedManifest } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import { fileHash } from "./hash-requirements.js";
import { verifyAttestation } from "../supply-chain/attestation.js";
import type { SupplyChainFacts } from "../supply-chain/facts.js";
import type { Requirement } from "./types.js";
import { SIGNATURE_PROVISION } from "./signature-requirements.js";

const MAX_PROBLEMS_SHOWN = 3;

/** The SHA-256 of each weights file of a model, by component path (undefined: its hash is not known here). */
export function weightsDigests(
  loaded: LoadedManifest,
  head: Snapshot,
): Array<{ path: string; sha256: string | undefined; line: number }> {
  return loaded.manifest.components.flatMap((component, index) => {
    if (!isFileComponent(component) || component.kind !== "weights") return [];
    const actual = fileHash(head, loaded.path, componentRepoPath(loaded.path, component));
    // a folder's digest is modelgate's own, not a file's: nothing can attest it
    const sha256 = "hash" in actual && actual.how !== "folder digest" ? actual.hash : undefined;
    return [{ path: component.path, sha256, line: loaded.lineOf(["components", index, "path"]) }];
  });
}

/** Whether build provenance is checked at all: required, or workflows named (then present attestations are judged). */
export function provenanceChecked(policy: Policy): boolean {
  return policy.supply_chain.provenance.require || policy.supply_chain.provenance.workflows.length > 0;
}

/**
 * The requirements `provenance:<path>` (docs/supply-chain.md, "Build provenance"): each weights file has a GitHub
 * artifact attestation (SLSA provenance v1) that verifies offline and was signed by a workflow the policy names.
 * Without `require`, a file without attestations has no such requirement, but attestations that are there are judged.
 */
export function buildProvenanceRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  head: Snapshot,
  facts: SupplyChainFacts | undefined,
): Requirement[] {
  const { require, workflows } = policy.supply_chain.provenance;
  if (!provenanceChecked(policy)) return [];
  const requirements: Requirement[] = [];
  for (const weights of weightsDigests(loaded, head)) {
    const add = (status: Requirement["status"], message: string): void => {
      requirements.push({
        id: `provenance:${weights.path}`,
        status,
        message,
        provision: SIGNATURE_PROVISION,
        path: loaded.path,
        line: weights.line,
      });
    };
    if (weights.sha256 === undefined) {
      if (require) add("failed", `${weights.path}: its SHA-256 is not known here, so no attestation can be looked up`);
      continue;
    }
    const bundles = facts?.attestations?.get(weights.sha256);
    if (bundles === undefined) {
      if (require)
        add(
          "pending",
          `not checked: build provenance is read from GitHub's attestations API, which was not asked (offline)`,
        );
      continue;
    }
    if (bundles.length === 0) {
      if (require)
        add(
          "failed",
          `no attestation of sha256:${weights.sha256} in this repository: attest it with actions/attest-build-provenance in the workflow that builds it`,
        );
      continue;
    }
    const checks = bundles.map((bundle) => verifyAttestation(bundle, weights.sha256 ?? "", workflows));
    const good = checks.find((check) => check.ok);
    if (good?.ok) {
      add("met", `sha256:${weights.sha256} attested (SLSA provenance v1) by the workflow ${good.workflow}`);
      continue;
    }
    const problems = [...new Set(checks.flatMap((check) => (check.ok ? [] : [check.problem])))];
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join("; ");
    const more = problems.length > MAX_PROBLEMS_SHOWN ? ` (and ${problems.length - MAX_PROBLEMS_SHOWN} more)` : "";
    add("failed", `none of the ${bundles.length} attestations of sha256:${weights.sha256} counts: ${shown}${more}`);
  }
  return requirements;
}
