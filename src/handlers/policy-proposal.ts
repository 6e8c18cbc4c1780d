import { comparePolicies } from "../core/policy/compare-policies.js";
import { POLICY_PATH, type PolicyResult } from "../core/policy/load-policy.js";
import { defaultPolicy } from "../core/policy/schema.js";
import type { TreeEntry } from "../core/detect/snapshot.js";
import {
  POLICY_CHECK_NAME,
  renderPolicyCheck,
  type PolicyCheckOutput,
  type PolicyProposal,
} from "../core/render/policy-check.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { CouldNotEvaluate } from "../github/errors.js";
import type { PullRequestUnderEvaluation } from "../github/pull-requests.js";
import { readPolicyAtCommit } from "../github/read-policy.js";
import { readMergeBase, readTree } from "../github/read-tree.js";
import type { EvaluationContext } from "./context.js";

type Entries = ReadonlyMap<string, TreeEntry>;

/**
 * docs/check-run.md "A PR that edits the policy": a PR that changes the policy gets a second check run, `modelgate / policy`,
 * that validates the proposed file and lists how its requirements differ. The PR itself
 * stays judged by the base policy (`current`); the proposal is only described.
 * `trees` are the merge-base and head trees when the gate already read them.
 */
export async function reportPolicyProposal(
  ctx: EvaluationContext,
  pr: PullRequestUnderEvaluation,
  current: PolicyResult,
  trees?: { base: Entries; head: Entries },
): Promise<void> {
  let output: PolicyCheckOutput;
  try {
    const { base, head } = trees ?? (await readTrees(ctx, pr));
    if (base.get(POLICY_PATH)?.blobSha === head.get(POLICY_PATH)?.blobSha) return;
    // the head's file, resolved like the base's (_extends, organisation fallback): what would be in force after merging
    const proposed = await readPolicyAtCommit(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, commit: pr.headSha });
    output = renderPolicyCheck(describeProposal(current, proposed));
  } catch (error) {
    const reason = error instanceof CouldNotEvaluate ? error.message : `internal error (${(error as Error).message})`;
    ctx.log.warn(
      { delivery: ctx.delivery, pull_request: pr.number, reason },
      "modelgate could not read the proposed policy",
    );
    output = {
      conclusion: "failure",
      title: `Could not evaluate the proposed policy: ${reason}`.slice(0, 250),
      summary: `modelgate could not read the proposed \`${POLICY_PATH}\`: ${reason}`,
      text: "",
      annotations: [],
      actions: [],
    };
  }
  const appId = await ownAppId(ctx.octokit);
  await writeCheckRun(
    ctx.octokit,
    { owner: ctx.owner, repo: ctx.repo, headSha: pr.headSha, name: POLICY_CHECK_NAME, appId },
    output,
  );
}

function describeProposal(current: PolicyResult, proposed: PolicyResult): PolicyProposal {
  if (!proposed.ok) return { valid: false, path: POLICY_PATH, errors: proposed.errors };
  // an invalid policy in force requires nothing that can be compared: compare with the defaults it falls short of
  const inForce = current.ok ? current.policy : defaultPolicy();
  return { valid: true, path: POLICY_PATH, differences: comparePolicies(inForce, proposed.policy) };
}

async function readTrees(
  ctx: EvaluationContext,
  pr: PullRequestUnderEvaluation,
): Promise<{ base: Entries; head: Entries }> {
  const mergeBase = await readMergeBase(ctx.octokit, {
    owner: ctx.owner,
    repo: ctx.repo,
    base: pr.baseSha,
    head: pr.headSha,
  });
  const [base, head] = await Promise.all([
    readTree(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, commit: mergeBase }),
    readTree(ctx.octokit, { owner: ctx.owner, repo: ctx.repo, commit: pr.headSha }),
  ]);
  return { base, head };
}
