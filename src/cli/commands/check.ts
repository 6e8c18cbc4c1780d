import { evaluateGate } from "../../core/evaluate/evaluate-gate.js";
import type { Decision } from "../../core/evaluate/types.js";
import { defaultBranch, mergeBase, resolveRef } from "../git.js";
import { readPlanned, readTextFile, snapshotAt } from "../git-snapshot.js";
import { detectChanges, type DetectedChanges } from "../../core/detect/detect-changes.js";
import type { ModelsAt } from "../../core/evidence/model-evidence.js";
import { loadManifest, type LoadedManifest } from "../../core/manifest/load-manifest.js";
import { offlineFacts } from "../offline-facts.js";
import { offlineSupplyChainFacts } from "../supply-chain-facts.js";
import { policyAt } from "../repository.js";
import { localLfsFormatFacts } from "../lfs-formats.js";
import type { CheckRange, RangeEnd } from "../report.js";

export interface CheckOptions {
  /** Absolute path of the repository (checked). */
  repo: string;
  base?: string;
  head?: string;
  now: Date;
  /** Reads GitHub's artifact attestations by digest (`--github`); absent: build provenance is not checked. */
  attestations?: (digests: ReadonlyArray<string>) => Promise<Map<string, unknown[]>>;
}

/**
 * Evaluates the gate between two commits from local git only (docs/cli.md "modelgate check"): the policy at base,
 * the same reads as the app (plannedReads), approvals offline (pending).
 */
export async function runCheck(options: CheckOptions): Promise<{ decision: Decision; range: CheckRange }> {
  const { repo } = options;
  const headGiven = options.head ?? "HEAD";
  const headRef = await resolveRef(repo, headGiven);
  const head: RangeEnd = { commit: headRef.commit, given: headGiven, ref: headRef.fullName, refCommit: headRef.commit };
  let base: RangeEnd;
  let branchTip: string | undefined;
  if (options.base !== undefined) {
    const baseRef = await resolveRef(repo, options.base);
    base = { commit: baseRef.commit, given: options.base, ref: baseRef.fullName, refCommit: baseRef.commit };
  } else {
    // a full ref name: a tag named like the branch cannot become the base, nor its policy
    const branch = await defaultBranch(repo);
    const forkedAt = await mergeBase(repo, branch.commit, head.commit);
    branchTip = branch.commit === forkedAt ? undefined : branch.commit;
    base = { commit: forkedAt, given: null, ref: branch.fullName, refCommit: branch.commit };
  }
  const baseSnapshot = await snapshotAt(repo, base.commit);
  const headSnapshot = await snapshotAt(repo, head.commit);
  // a change cannot weaken the gate that judges it: the policy comes from base
  const policy = await policyAt(repo, baseSnapshot, `base ${base.given ?? `merge-base with ${base.ref}`}`);
  await readPlanned(repo, policy, baseSnapshot, headSnapshot);
  const detected = detectChanges(policy, baseSnapshot, headSnapshot);
  // as the app: the default branch may hold a re-evaluation newer than the merge base
  const elsewhere = branchTip === undefined ? [] : [await defaultBranchCopies(repo, branchTip, base.ref, detected)];
  // LFS objects fetched locally are scanned for their format (docs/supply-chain.md)
  const formats = await localLfsFormatFacts(repo, policy, detected.changes, headSnapshot);
  const decision = evaluateGate({
    policy,
    base: baseSnapshot,
    head: headSnapshot,
    facts: offlineFacts(head.commit),
    now: options.now,
    detected,
    baseName: "the base",
    elsewhere,
    formats,
    supplyChain: await offlineSupplyChainFacts(repo, policy, baseSnapshot, {
      changes: detected.changes,
      head: headSnapshot,
      ...(options.attestations ? { attestations: options.attestations } : {}),
    }),
  });
  return { decision, range: { base, head } };
}

/** The changed models' manifests at the default branch's tip (a manifest not valid there adds nothing). */
async function defaultBranchCopies(
  repo: string,
  tip: string,
  branch: string | null,
  detected: DetectedChanges,
): Promise<ModelsAt> {
  const snapshot = await snapshotAt(repo, tip);
  const models: LoadedManifest[] = [];
  for (const change of detected.changes) {
    if (!change.head) continue;
    const text = await readTextFile(repo, snapshot, change.head.path).catch(() => undefined);
    const loaded = text === undefined ? undefined : loadManifest(change.head.path, text);
    if (loaded?.ok) models.push(loaded.loaded);
  }
  return { where: `the default branch ${branch ?? ""}`.trimEnd(), models };
}
