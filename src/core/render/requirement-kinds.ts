import type { ModelVerdict, Requirement, RequirementStatus, Verdict } from "../evaluate/types.js";

/** Approval requirements are named `approval:<role>` by the evaluation. */
const APPROVAL_PREFIX = "approval:";

export function approvalRole(requirement: Requirement): string | undefined {
  return requirement.id.startsWith(APPROVAL_PREFIX) ? requirement.id.slice(APPROVAL_PREFIX.length) : undefined;
}

export function pendingApprovals(model: ModelVerdict): Array<{ role: string; requirement: Requirement }> {
  return model.requirements.flatMap((requirement) => {
    const role = approvalRole(requirement);
    return role !== undefined && requirement.status === "pending" ? [{ role, requirement }] : [];
  });
}

export const STATUS_ICON: Record<RequirementStatus, string> = { met: "✅", pending: "⏳", failed: "❌" };
export const VERDICT_ICON: Record<Verdict, string> = { success: "✅", action_required: "⏳", failure: "❌" };

const VERDICT_RANK: Record<Verdict, number> = { failure: 0, action_required: 1, success: 2 };
const STATUS_RANK: Record<RequirementStatus, number> = { failed: 0, pending: 1, met: 2 };

/** What needs attention first: failing models, then waiting ones, then passing ones (stable). */
export function byVerdict<T extends { verdict: Verdict }>(items: ReadonlyArray<T>): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => VERDICT_RANK[a.item.verdict] - VERDICT_RANK[b.item.verdict] || a.index - b.index)
    .map(({ item }) => item);
}

export function byStatus(requirements: ReadonlyArray<Requirement>): Requirement[] {
  return requirements
    .map((item, index) => ({ item, index }))
    .sort((a, b) => STATUS_RANK[a.item.status] - STATUS_RANK[b.item.status] || a.index - b.index)
    .map(({ item }) => item);
}
