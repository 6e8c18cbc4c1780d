import { evaluateGate } from "../../core/evaluate/evaluate-gate.js";
import type { Decision } from "../../core/evaluate/types.js";
import { defaultBranch, mergeBase, resolveRef } from "../git.js";
import { readPlanned, snapshotAt } from "../git-snapshot.js";
import { offlineFacts } from "../offline-facts.js";
import { policyAt } from "../repository.js";
import type { CheckRange, RangeEnd } from "../report.js";

export interface CheckOptions {
  /** Absolute path of the repository (checked). */
  repo: string;
  base?: string;
  head?: string;
  now: Date;
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
  if (options.base !== undefined) {
    const baseRef = await resolveRef(repo, options.base);
    base = { commit: baseRef.commit, given: options.base, ref: baseRef.fullName, refCommit: baseRef.commit };
  } else {
    // a full ref name: a tag named like the branch cannot become the base, nor its policy
    const branch = await defaultBranch(repo);
    const forkedAt = await mergeBase(repo, branch.commit, head.commit);
    base = { commit: forkedAt, given: null, ref: branch.fullName, refCommit: branch.commit };
  }
  const baseSnapshot = await snapshotAt(repo, base.commit);
  const headSnapshot = await snapshotAt(repo, head.commit);
  // a change cannot weaken the gate that judges it: the policy comes from base
  const policy = await policyAt(repo, baseSnapshot, `base ${base.given ?? `merge-base with ${base.ref}`}`);
  await readPlanned(repo, policy, baseSnapshot, headSnapshot);
  const decision = evaluateGate({
    policy,
    base: baseSnapshot,
    head: headSnapshot,
    facts: offlineFacts(head.commit),
    now: options.now,
  });
  return { decision, range: { base, head } };
}
