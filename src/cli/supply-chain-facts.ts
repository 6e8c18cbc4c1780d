import type { Policy } from "../core/policy/schema.js";
import type { SupplyChainFacts } from "../core/supply-chain/facts.js";
import { readTextFile, type GitSnapshot } from "./git-snapshot.js";

/**
 * The CLI's supply-chain facts (docs/supply-chain.md): the PEM files the policy's signers name, read from the commit the
 * policy came from; no attestations (GitHub is not asked offline: build provenance is "not checked", never met).
 */
export async function offlineSupplyChainFacts(
  repo: string,
  policy: Policy,
  policyCommit: GitSnapshot,
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
  return { pinnedFiles };
}
