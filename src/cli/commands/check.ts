import { evaluateGate } from "../../core/evaluate/evaluate-gate.js";
import type { ApprovalFacts, Decision } from "../../core/evaluate/types.js";
import { defaultBranch, mergeBase, resolveCommit } from "../git.js";
import { readPlanned, snapshotAt } from "../git-snapshot.js";
import { policyAt } from "../repository.js";
import type { CheckRange } from "../report.js";

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
  const headLabel = options.head ?? "HEAD";
  const headCommit = await resolveCommit(repo, headLabel);
  let baseCommit: string;
  let baseLabel: string;
  if (options.base !== undefined) {
    baseCommit = await resolveCommit(repo, options.base);
    baseLabel = options.base;
  } else {
    const branch = await defaultBranch(repo);
    baseCommit = await mergeBase(repo, await resolveCommit(repo, branch), headCommit);
    baseLabel = `merge-base with ${branch}`;
  }
  const base = await snapshotAt(repo, baseCommit);
  const head = await snapshotAt(repo, headCommit);
  // a change cannot weaken the gate that judges it: the policy comes from base
  const policy = await policyAt(repo, base, `base ${baseLabel}`);
  await readPlanned(repo, policy, base, head);
  const facts: ApprovalFacts = {
    available: false,
    authors: [],
    headSha: headCommit,
    reviews: [],
    signOffs: {},
    signOffIssues: {},
    teamMembership: {},
  };
  const decision = evaluateGate({ policy, base, head, facts, now: options.now });
  return {
    decision,
    range: { base: { commit: baseCommit, label: baseLabel }, head: { commit: headCommit, label: headLabel } },
  };
}
