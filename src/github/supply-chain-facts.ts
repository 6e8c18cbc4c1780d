import type { ProbotOctokit } from "probot";
import type { Policy } from "../core/policy/schema.js";
import type { Snapshot } from "../core/detect/snapshot.js";
import type { ModelChange } from "../core/detect/types.js";
import type { SupplyChainFacts } from "../core/supply-chain/facts.js";
import { signaturePath } from "../core/evaluate/signature-requirements.js";
import { provenanceChecked, weightsDigests } from "../core/evaluate/build-provenance-requirements.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** Attestations read per weights digest: one page (a verified one among them suffices; fewer can only fail). */
export const ATTESTATIONS_PER_DIGEST = 100;

/**
 * The facts of docs/supply-chain.md: the PEM files the policy's signers name, read at the policy's branch (only when a
 * changed model has a signature), and the artifact attestations of each changed model's weights (only when the policy
 * checks build provenance). A read GitHub refuses is "could not evaluate"; a 404 is a file or attestation that is not there.
 */
export async function gatherSupplyChainFacts(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; policyBranch: string },
  policy: Policy,
  changes: ReadonlyArray<ModelChange>,
  head: Snapshot,
): Promise<SupplyChainFacts> {
  const { owner, repo, policyBranch } = where;
  const moving = changes.flatMap((change) =>
    change.head && change.head.manifest.status !== "decommissioned" ? [change.head] : [],
  );
  const pinnedFiles = new Map<string, string | undefined>();
  if (moving.some((loaded) => signaturePath(loaded, head) !== undefined)) {
    for (const signer of policy.supply_chain.signatures.signers) {
      let file: string | undefined;
      if ("public_key" in signer) file = signer.public_key;
      else if ("certificate_chain" in signer) file = signer.certificate_chain;
      if (file === undefined || pinnedFiles.has(file)) continue;
      pinnedFiles.set(file, await readPinnedFile(octokit, { owner, repo, path: file, ref: policyBranch }));
    }
  }
  if (!provenanceChecked(policy)) return { pinnedFiles };
  const attestations = new Map<string, ReadonlyArray<unknown>>();
  for (const loaded of moving) {
    for (const { sha256 } of weightsDigests(loaded, head)) {
      if (sha256 === undefined || attestations.has(sha256)) continue;
      attestations.set(sha256, await readAttestations(octokit, { owner, repo }, sha256));
    }
  }
  return { pinnedFiles, attestations };
}

async function readPinnedFile(
  octokit: ProbotOctokit,
  target: { owner: string; repo: string; path: string; ref: string },
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent(target);
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    rethrowAsCouldNotEvaluate(error, { ...target, what: `the pinned signer file ${target.path}` });
  }
}

/** GET /repos/{owner}/{repo}/attestations/sha256:{digest}: the bundles GitHub holds for the digest (404: none). */
async function readAttestations(
  octokit: ProbotOctokit,
  target: { owner: string; repo: string },
  sha256: string,
): Promise<unknown[]> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/attestations/{subject_digest}", {
      ...target,
      subject_digest: `sha256:${sha256}`,
      per_page: ATTESTATIONS_PER_DIGEST,
    });
    return (data.attestations ?? []).flatMap((attestation) => (attestation.bundle ? [attestation.bundle] : []));
  } catch (error) {
    if (httpStatus(error) === 404) return [];
    rethrowAsCouldNotEvaluate(error, { ...target, what: `the attestations of sha256:${sha256}` });
  }
}
