import { posix } from "node:path";
import type { Policy } from "../policy/schema.js";
import type { Snapshot } from "../detect/snapshot.js";
import { parseLfsPointer } from "../manifest/lfs-pointer.js";
import { componentRepoPath, type LoadedManifest } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import { fileHash, folderFiles, MAX_FOLDER_FILES } from "./hash-requirements.js";
import { isIgnored, verifyModelSignature, type SignedModel } from "../supply-chain/model-signature.js";
import type { SupplyChainFacts } from "../supply-chain/facts.js";
import type { Requirement } from "./types.js";

export const SIGNATURE_PROVISION = "5.2.3-1, 5.2.4-1.2";
export const DEFAULT_SIGNATURE_FILE = "model.sig";

/** Where a model's signature is: the manifest's `signature`, else model.sig beside the manifest when it exists. */
export function signaturePath(loaded: LoadedManifest, head: Snapshot): { path: string; declared: boolean } | undefined {
  const dir = posix.dirname(loaded.path);
  const declared = loaded.manifest.signature;
  if (declared !== undefined) return { path: posix.normalize(posix.join(dir, declared)), declared: true };
  const beside = dir === "." ? DEFAULT_SIGNATURE_FILE : `${dir}/${DEFAULT_SIGNATURE_FILE}`;
  return head.entries.has(beside) ? { path: beside, declared: false } : undefined;
}

/**
 * The requirement `signature` (docs/supply-chain.md, "Model signatures"): the model's OpenSSF signature verifies
 * offline, a pinned signer made it, and every file component is among its signed resources with the same digest.
 * Without `require`, a model without a signature has no such requirement, but a signature that is there is judged.
 */
export function signatureRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  head: Snapshot,
  facts: SupplyChainFacts | undefined,
): Requirement[] {
  const { require, signers } = policy.supply_chain.signatures;
  const where = signaturePath(loaded, head);
  const line = loaded.manifest.signature !== undefined ? loaded.lineOf(["signature"]) : loaded.lineOf(["name"]);
  const requirement = (status: Requirement["status"], message: string): Requirement[] => [
    { id: "signature", status, message, provision: SIGNATURE_PROVISION, path: loaded.path, line },
  ];
  if (!where) {
    if (!require) return [];
    return requirement(
      "failed",
      `no model signature: sign the model's folder with model_signing and commit ${DEFAULT_SIGNATURE_FILE} beside ${posix.basename(loaded.path)} (docs/supply-chain.md)`,
    );
  }
  const content = head.contents.get(where.path);
  let problem: string | undefined;
  if (!head.entries.has(where.path)) problem = "is missing";
  else if (!content || content.kind === "unreadable") problem = "could not be read";
  else if (content.kind === "binary") problem = "is not a JSON Sigstore bundle";
  else if (parseLfsPointer(content.text)) problem = "is a Git LFS pointer: commit the signature itself (it is small)";
  if (problem !== undefined || content?.kind !== "text") return requirement("failed", `${where.path} ${problem}`);

  const check = verifyModelSignature(content.text, signers, facts?.pinnedFiles ?? new Map());
  if (!check.ok) return requirement("failed", `${where.path}: ${check.problem}`);
  const problems = unsignedFiles(loaded, head, check.model, where.path);
  if (problems.length > 0)
    return requirement("failed", `${where.path} (signed by ${check.model.signedBy}): ${problems.join("; ")}`);
  return requirement(
    "met",
    `${where.path}: signed by ${check.model.signedBy}; every file of the model's folder is among the signed files with the same digest`,
  );
}

/**
 * Every file of the model's folder but its manifest: what model_signing signs when it signs the folder
 * (docs/supply-chain.md, "Model signatures"). The signature file itself is among them and skipped by the caller.
 */
export function modelFolderFiles(manifestPath: string, head: Snapshot): string[] {
  return folderFiles(head, manifestPath, posix.dirname(manifestPath));
}

/**
 * Each file of the model that the signature does not cover, and why: its file components, and every other file of
 * its folder (the manifest itself is not expected: evaluation records are added to it after signing).
 */
function unsignedFiles(loaded: LoadedManifest, head: Snapshot, signed: SignedModel, signaturePath: string): string[] {
  const dir = posix.dirname(loaded.path);
  const relative = (repoPath: string): string => (dir === "." ? repoPath : repoPath.slice(dir.length + 1));
  const problems: string[] = [];
  const checked = new Set<string>([signaturePath]);
  const inFolder = modelFolderFiles(loaded.path, head);
  if (inFolder.length > MAX_FOLDER_FILES)
    problems.push(
      `the model's folder holds ${inFolder.length} files, more than ${MAX_FOLDER_FILES}: modelgate cannot check that each is signed`,
    );
  const components = loaded.manifest.components.filter(isFileComponent).map((component) => {
    const repoPath = componentRepoPath(loaded.path, component);
    const files = head.entries.has(repoPath) ? [repoPath] : folderFiles(head, loaded.path, repoPath);
    if (files.length === 0) problems.push(`${component.path} is missing`);
    return files;
  });
  const others = inFolder.length > MAX_FOLDER_FILES ? [] : inFolder;
  for (const files of [...components, others]) {
    for (const file of files) {
      if (checked.has(file)) continue;
      checked.add(file);
      const name = relative(file);
      const signedDigest = signed.resources.get(name);
      if (isIgnored(name, signed.ignorePaths)) problems.push(`${name} is left out by the signature's ignore_paths`);
      else if (signedDigest === undefined) problems.push(`${name} is not among the signed files`);
      else {
        const actual = fileHash(head, loaded.path, file);
        if (!("hash" in actual))
          problems.push(`${name} ${actual.problem}: its digest cannot be compared with the signed one`);
        else if (actual.hash !== signedDigest)
          problems.push(`${name}: digest differs (signed ${signedDigest}, the file is ${actual.hash})`);
      }
    }
  }
  return problems;
}
