import { trainingDifferences } from "../governance/training.js";
import { CHANGE_KINDS, type Policy } from "./schema.js";
import { compareRegression } from "./compare-regression.js";
import { compareMonitoring } from "./compare-monitoring.js";
import { compareGovernance } from "../governance/compare-governance.js";

/** How a proposed setting moves the gate: fewer requirements weaken it. */
export type PolicyEffect = "weakens" | "strengthens" | "changes";

export interface PolicyDifference {
  /** Dotted setting, e.g. `gates.retrain.approvals`. */
  setting: string;
  from: string;
  to: string;
  effect: PolicyEffect;
}

const UNMANAGED_STRICTNESS = { off: 0, warn: 1, fail: 2 } as const;

/**
 * What a proposed policy changes compared with the one in force (docs/check-run.md "A PR that edits the policy": the
 * `modelgate / policy` check lists it), each difference classified so a reviewer sees
 * at once whether the PR lowers the bar.
 */
export function comparePolicies(current: Policy, proposed: Policy): PolicyDifference[] {
  const differences: PolicyDifference[] = [];
  const flag = (setting: string, from: boolean, to: boolean, strictWhen: boolean) => {
    if (from !== to)
      differences.push({
        setting,
        from: String(from),
        to: String(to),
        effect: to === strictWhen ? "strengthens" : "weakens",
      });
  };
  // a list whose entries are requirements: removing one weakens, adding one strengthens
  const requirementList = (setting: string, from: readonly string[], to: readonly string[], moreIsStricter = true) => {
    const removed = from.filter((x) => !to.includes(x));
    const added = to.filter((x) => !from.includes(x));
    if (removed.length === 0 && added.length === 0) return;
    const loosens = moreIsStricter ? removed.length > 0 : added.length > 0;
    const tightens = moreIsStricter ? added.length > 0 : removed.length > 0;
    let effect: PolicyEffect = "changes";
    if (loosens) effect = "weakens";
    else if (tightens) effect = "strengthens";
    differences.push({
      setting,
      from: list(from),
      to: list(to),
      effect,
    });
  };
  const number = (setting: string, from: number, to: number, lowerIsStricter: boolean) => {
    if (from !== to)
      differences.push({
        setting,
        from: String(from),
        to: String(to),
        effect: to < from === lowerIsStricter ? "strengthens" : "weakens",
      });
  };

  requirementList("models.manifests", current.models.manifests, proposed.models.manifests, true);
  requirementList("models.artifacts", current.models.artifacts, proposed.models.artifacts, true);
  for (const role of unionKeys(current.roles, proposed.roles)) {
    const from = current.roles[role];
    const to = proposed.roles[role];
    const before = from ? holders(from) : "not declared";
    const after = to ? holders(to) : "not declared";
    // who may approve changes; neither more nor fewer requirements
    if (before !== after) differences.push({ setting: `roles.${role}`, from: before, to: after, effect: "changes" });
  }
  for (const kind of CHANGE_KINDS) {
    flag(`gates.${kind}.evaluation`, current.gates[kind].evaluation, proposed.gates[kind].evaluation, true);
    requirementList(`gates.${kind}.approvals`, current.gates[kind].approvals, proposed.gates[kind].approvals, true);
  }
  requirementList("approvals.via", current.approvals.via, proposed.approvals.via, false);
  flag("approvals.allow_author", current.approvals.allow_author, proposed.approvals.allow_author, false);
  flag("approvals.distinct_people", current.approvals.distinct_people, proposed.approvals.distinct_people, true);
  flag(
    "approvals.invalidate_on_push",
    current.approvals.invalidate_on_push,
    proposed.approvals.invalidate_on_push,
    true,
  );
  requirementList("overrides.roles", current.overrides.roles, proposed.overrides.roles, false);
  number("evaluation.max_age_days", current.evaluation.max_age_days, proposed.evaluation.max_age_days, true);
  // a shorter notice gives less warning; the gate itself does not change
  if (current.evaluation.notice_days !== proposed.evaluation.notice_days) {
    differences.push({
      setting: "evaluation.notice_days",
      from: String(current.evaluation.notice_days),
      to: String(proposed.evaluation.notice_days),
      effect: "changes",
    });
  }
  flag("evaluation.independent", current.evaluation.independent, proposed.evaluation.independent, true);
  requirementList("evaluation.threats", current.evaluation.threats, proposed.evaluation.threats, true);
  flag("supply_chain.require_hashes", current.supply_chain.require_hashes, proposed.supply_chain.require_hashes, true);
  flag(
    "supply_chain.require_data_provenance",
    current.supply_chain.require_data_provenance,
    proposed.supply_chain.require_data_provenance,
    true,
  );
  if (current.supply_chain.formats !== proposed.supply_chain.formats) {
    const stricter =
      UNMANAGED_STRICTNESS[proposed.supply_chain.formats] > UNMANAGED_STRICTNESS[current.supply_chain.formats];
    differences.push({
      setting: "supply_chain.formats",
      from: current.supply_chain.formats,
      to: proposed.supply_chain.formats,
      effect: stricter ? "strengthens" : "weakens",
    });
  }
  if (current.unmanaged_artifacts !== proposed.unmanaged_artifacts) {
    const stricter =
      UNMANAGED_STRICTNESS[proposed.unmanaged_artifacts] > UNMANAGED_STRICTNESS[current.unmanaged_artifacts];
    differences.push({
      setting: "unmanaged_artifacts",
      from: current.unmanaged_artifacts,
      to: proposed.unmanaged_artifacts,
      effect: stricter ? "strengthens" : "weakens",
    });
  }
  // an environment no longer gated weakens; which names are globbed is a list of requirements
  requirementList(
    "deployments.environments",
    current.deployments.environments,
    proposed.deployments.environments,
    true,
  );
  flag("deployments.approve_others", current.deployments.approve_others, proposed.deployments.approve_others, false);
  if (current.rollback !== proposed.rollback) {
    // known_good lets a restored digest pass without new sign-offs: turning it on lowers the bar
    differences.push({
      setting: "rollback",
      from: current.rollback,
      to: proposed.rollback,
      effect: proposed.rollback === "off" ? "strengthens" : "weakens",
    });
  }
  requirementList("documentation.require", current.documentation.require, proposed.documentation.require, true);
  differences.push(...compareRegression(current.regression, proposed.regression));
  if (current.release.on_failure !== proposed.release.on_failure) {
    differences.push({
      setting: "release.on_failure",
      from: current.release.on_failure,
      to: proposed.release.on_failure,
      effect: proposed.release.on_failure === "draft" ? "strengthens" : "weakens",
    });
  }
  flag("release.attach_bom", current.release.attach_bom, proposed.release.attach_bom, true);
  requirementList("end_of_life.checklist", current.end_of_life.checklist, proposed.end_of_life.checklist, true);
  if (list(current.end_of_life.labels) !== list(proposed.end_of_life.labels)) {
    differences.push({
      setting: "end_of_life.labels",
      from: list(current.end_of_life.labels),
      to: list(proposed.end_of_life.labels),
      effect: "changes",
    });
  }
  differences.push(...trainingDifferences(current.training, proposed.training));
  differences.push(...compareMonitoring(current.monitoring, proposed.monitoring));
  differences.push(...compareGovernance(current.governance, proposed.governance));
  return differences;
}

function holders(role: { teams: string[]; users: string[] }): string {
  const names = [...role.teams.map((t) => `team ${t}`), ...role.users.map((u) => `@${u}`)];
  return names.length > 0 ? names.join(", ") : "nobody";
}

function list(items: readonly string[]): string {
  return items.length > 0 ? items.join(", ") : "(none)";
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
