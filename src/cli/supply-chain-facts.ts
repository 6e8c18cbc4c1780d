import type { Policy } from "../core/policy/schema.js";
import type { SupplyChainFacts } from "../core/supply-chain/facts.js";
import { readTextFile, type GitSnapshot } from "./git-snapshot.js";
import type { Snapshot } from "../core/detect/snapshot.js";
import type { ModelChange } from "../core/detect/types.js";
import { provenanceChecked, weightsDigests } from "../core/evaluate/build-provenance-requirements.js";

/**
 * The CLI's supply-chain facts (docs/supply-chain.md): the PEM files the policy's signers name, read from the commit the
 * policy came from; the attestations of the changed weights only with `--github` (offline, build provenance is
 * "not checked", never met).
 */
export async function offlineSupplyChainFacts(
  repo: string,
  policy: Policy,
  policyCommit: GitSnapshot,
  github?: {
    changes: ReadonlyArray<ModelChange>;
    head: Snapshot;
    attestations?: (digests: ReadonlyArray<string>) => Promise<Map<string, unknown[]>>;
  },
): Promise<SupplyChainFacts> {
  const pinnedFiles = new Map<string, string | undefined>();
  for (const signer of policy.supply_chain.signatures.signers) {
    let path: string | undefined;
    if ("public_key" in signer) path = signer.public_key;
    else if ("certificate_chain" in signer) path = signer.certificate_chain;
    if (path === undefined || pinnedFiles.has(path)) continue;
    // a file that is missing or not text pins nothing: signatures it would verify fail closed
    pinnedFiles.set(path, await readTextFile(repo, policyCommit, path).catch(() => undefined));
  }
  if (!github?.attestations || !provenanceChecked(policy)) return { pinnedFiles };
  const digests = new Set<string>();
  for (const change of github.changes) {
    if (!change.head || change.head.manifest.status === "decommissioned") continue;
    for (const { sha256 } of weightsDigests(change.head, github.head)) if (sha256 !== undefined) digests.add(sha256);
  }
  return { pinnedFiles, attestations: await github.attestations([...digests]) };
}
