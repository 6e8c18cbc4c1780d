import type { Snapshot } from "../detect/snapshot.js";
import type { Policy } from "../policy/schema.js";
import { TRAINING_PROVISIONS } from "../governance/training.js";
import { loadTrainingRoster, TRAINING_ROSTER_PATH } from "../governance/training-schema.js";
import type { ApprovalFacts, Decision, Requirement, Verdict } from "./types.js";
import { approvalRequirements } from "./approval-requirements.js";

/** Whether a change touches the training roster (added, changed or deleted). */
export function rosterChanged(base: Snapshot, head: Snapshot): boolean {
  return base.entries.get(TRAINING_ROSTER_PATH)?.blobSha !== head.entries.get(TRAINING_ROSTER_PATH)?.blobSha;
}

/**
 * The requirement of a pull request that changes the roster (docs/governance.md "Training"): an approving review of
 * the head commit by a holder of `training.admins` who is not an author (the rules of every review, reviews.ts).
 * Reviews only: a roster change has no model digest, so no sign-off issue. Without it a pull request could add its
 * own author to the roster.
 */
export function rosterChangeRequirements(
  policy: Policy,
  base: Snapshot,
  head: Snapshot,
  facts: ApprovalFacts,
): Requirement[] {
  if (!rosterChanged(base, head)) return [];
  const role = policy.training.admins;
  // the admins' own training is not asked: a roster with nobody trained on it must still be able to change
  const reviewsOnly: Policy = {
    ...policy,
    approvals: { ...policy.approvals, via: ["review"] },
    training: { ...policy.training, require: false },
  };
  const [approval] = approvalRequirements({
    policy: reviewsOnly,
    facts,
    roles: [role],
    subjectKey: "",
    signOffs: undefined,
    at: { path: TRAINING_ROSTER_PATH, line: 1 },
  });
  if (!approval) return [];
  const message =
    approval.status === "met"
      ? `the roster change was ${approval.message}`
      : `${TRAINING_ROSTER_PATH} changed, so training.admins must approve it: ${approval.message}`;
  return [{ ...approval, id: "training.roster", provision: TRAINING_PROVISIONS, message }, ...rosterValidity(head)];
}

/** The new roster must be valid: an invalid one, once merged, would leave nobody trained. */
function rosterValidity(head: Snapshot): Requirement[] {
  const content = head.contents.get(TRAINING_ROSTER_PATH);
  if (content?.kind !== "text") return [];
  const loaded = loadTrainingRoster(TRAINING_ROSTER_PATH, content.text);
  if (loaded.ok) return [];
  return loaded.errors.slice(0, 10).map((error) => ({
    id: "training.roster.valid",
    status: "failed",
    message: `${TRAINING_ROSTER_PATH}:${error.line}: ${error.message}`,
    provision: TRAINING_PROVISIONS,
    path: TRAINING_ROSTER_PATH,
    line: error.line,
  }));
}

/** The decision with the roster requirements added: a pending one makes a passing verdict action_required. */
export function withRosterRequirements(decision: Decision, roster: ReadonlyArray<Requirement>): Decision {
  if (roster.length === 0 || decision.couldNotEvaluate !== undefined) return decision;
  let verdict: Verdict = decision.verdict;
  if (roster.some((r) => r.status === "failed")) verdict = "failure";
  else if (verdict === "success" && roster.some((r) => r.status === "pending")) verdict = "action_required";
  return { ...decision, verdict, roster: [...roster] };
}
