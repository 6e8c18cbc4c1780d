import { applyKnownGood, type KnownGoodEvidence } from "../deploy/known-good.js";
import type { Decision } from "../evaluate/types.js";
import { evaluateGate, placesSeen, type GateInput } from "../evaluate/evaluate-gate.js";
import { POLICY_PATH } from "../policy/load-policy.js";
import type { Policy } from "../policy/schema.js";
import { approvalRole } from "../render/requirement-kinds.js";
import { signOffKey } from "../sign-off/subject.js";

/**
 * The release gate's judgement (docs/releases.md) of every model version a release changes: the PR gate's
 * rules with the policy a release is judged by (releasePolicy), each model judged with the authors
 * of the pull requests that carried it, and no `action_required` (releaseDecision).
 */
export function judgeReleaseModels(
  input: GateInput,
  authorsBySubject: ReadonlyMap<string, string[]>,
  policy: Policy,
  knownGood: ReadonlyArray<KnownGoodEvidence> = [],
): Decision {
  const judged = judgeModels(input, authorsBySubject);
  // a rollback to a released version is restored before a release turns what is pending into a failure
  const restored = input.detected
    ? applyKnownGood(judged, input.detected, policy, input.now, knownGood, placesSeen(input, input.detected))
    : judged;
  return withoutIssueSaysHow(releaseDecision(restored, policy), input.facts.signOffIssues);
}

/**
 * What to do when a version must be signed off but has no sign-off issue (only a pull request
 * gate opens one; a release or deployment cannot, because it does not know who authored the
 * version and so who may not sign): its pending approvals say how to get the issue.
 */
function withoutIssueSaysHow(decision: Decision, signOffIssues: Readonly<Record<string, string>>): Decision {
  const models = decision.models.map((model) => {
    if (Object.hasOwn(signOffIssues, signOffKey(model))) return model;
    return {
      ...model,
      requirements: model.requirements.map((requirement) =>
        approvalRole(requirement) !== undefined && requirement.status === "pending"
          ? { ...requirement, message: `${requirement.message}. ${NO_SIGN_OFF_ISSUE_YET}` }
          : requirement,
      ),
    };
  });
  return { ...decision, models };
}

/** How a version without a sign-off issue gets one (docs/sign-off.md "A version without a sign-off issue"). */
export const NO_SIGN_OFF_ISSUE_YET =
  "These artefacts have no sign-off issue yet, and only a pull request gate opens one: open a pull request that brings them into a branch without them (for example a branch made at the commit this is compared with); its modelgate check opens the issue, where each role comments `/approve <role>`";

/**
 * The gate of every changed model, each judged with the authors of its own pull requests (an
 * evaluator or signer is "an author" only of the model versions they authored, as in the PR gate).
 */
function judgeModels(input: GateInput, authorsBySubject: ReadonlyMap<string, string[]>): Decision {
  const decision = evaluateGate({
    ...input,
    facts: { ...input.facts, signOffAuthors: Object.fromEntries(authorsBySubject) },
  });
  // a release passes only when every model passes: what a PR could wait for has already shipped (releaseDecision)
  const failing =
    decision.errors.length > 0 ||
    decision.unmanaged.some((u) => u.level === "failure") ||
    decision.models.some((m) => m.verdict === "failure");
  let verdict: Decision["verdict"];
  if (failing) verdict = "failure";
  else if (decision.models.some((m) => m.verdict === "action_required")) verdict = "action_required";
  else verdict = "success";
  return { ...decision, verdict };
}

/**
 * The policy a release is judged with: a release has no reviews, so only sign-off issues can
 * approve it. With `approvals.via: [review]` only, approvals stay pending (see releaseDecision).
 */
export function releasePolicy(policy: Policy): Policy {
  return { ...policy, approvals: { ...policy.approvals, via: policy.approvals.via.filter((via) => via !== "review") } };
}

/**
 * A release is already out (or about to be): what a pull request could still wait for is a
 * failure here, so the verdict is never `action_required`. Pending approvals under a policy that
 * approves by review only say how to make releases approvable.
 */
function releaseDecision(decision: Decision, policy: Policy): Decision {
  const signOffAllowed = policy.approvals.via.includes("sign_off");
  const models = signOffAllowed
    ? decision.models
    : decision.models.map((model) => ({
        ...model,
        requirements: model.requirements.map((requirement) => {
          const role = approvalRole(requirement);
          if (role === undefined || requirement.status !== "pending") return requirement;
          return {
            ...requirement,
            message: `${role} must sign off, but a release has no reviews and approvals.via in ${POLICY_PATH} allows only reviews: add sign_off to approvals.via, then ${role} comments \`/approve ${role}\` on the sign-off issue of this digest`,
          };
        }),
      }));
  return { ...decision, models, verdict: decision.verdict === "action_required" ? "failure" : decision.verdict };
}
