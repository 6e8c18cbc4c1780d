import type { Policy } from "../policy/schema.js";

/** Whether a pull-request evaluation reads the sign-off issues of its model versions, and whether it opens missing ones. */
export interface SignOffIssueUse {
  read: boolean;
  open: boolean;
}

/**
 * Sign-off issues hold approvals (approvals.via has sign_off) and break-glass overrides
 * (overrides.roles is not empty): they are read when either can count. They are opened only
 * where approvals are given on them, or when "Open sign-off" was pressed (`openRequested`).
 */
export function signOffIssueUse(policy: Policy, openRequested: boolean): SignOffIssueUse {
  const viaSignOff = policy.approvals.via.includes("sign_off");
  // an accepted regression (regression.accept_role) is recorded there too
  const accepting = policy.regression.accept_role !== undefined;
  return {
    read: viaSignOff || policy.overrides.roles.length > 0 || accepting || openRequested,
    open: viaSignOff || openRequested,
  };
}
