import { requiredRoles } from "../evaluate/approval-requirements.js";
import type { Policy } from "../policy/schema.js";
import { checklistStatus } from "./checklist.js";
import type { SignOffState } from "../sign-off/replay.js";

/** Where a disposal stands (docs/end-of-life.md "How it closes"). */
export interface DisposalStatus {
  /** The roles that sign off a disposal (gates.decommission.approvals). */
  roles: string[];
  /** Checklist items of the policy not ticked in the issue body. */
  unchecked: string[];
  /** Required roles without a standing approval. */
  missingRoles: string[];
  /** Every item ticked and every role approved: the issue may close. */
  complete: boolean;
}

/** The disposal is complete only when every checklist item is ticked and every required role has approved. */
export function disposalStatus(
  policy: Policy,
  body: string | null | undefined,
  signOffs: SignOffState,
): DisposalStatus {
  const roles = requiredRoles(policy, ["decommission"]);
  const checklist = checklistStatus(body, policy.end_of_life.checklist);
  const missingRoles = roles.filter((role) => signOffs.roles[role]?.state !== "approved");
  return {
    roles,
    unchecked: checklist.unchecked,
    missingRoles,
    complete: checklist.complete && missingRoles.length === 0,
  };
}
