import type { PolicyDifference, PolicyEffect } from "../policy/compare-policies.js";
import { documentProvisions, type GovernanceDocument, type GovernancePolicy } from "../policy/governance-schema.js";

function describe(document: GovernanceDocument): string {
  const gates = document.fail_release ? ", gates releases" : "";
  return `${documentProvisions(document).join(", ")}, every ${document.review_days} days, owner ${document.owner_role}${gates}`;
}

/** How a document's change moves the bar: a longer interval or no longer gating releases lowers it. */
function changeEffect(from: GovernanceDocument, to: GovernanceDocument): PolicyEffect {
  const weaker = to.review_days > from.review_days || (from.fail_release === true && to.fail_release !== true);
  const stricter = to.review_days < from.review_days || (from.fail_release !== true && to.fail_release === true);
  if (weaker) return "weakens";
  if (stricter) return "strengthens";
  return "changes";
}

/**
 * What a proposed policy changes in `governance` (docs/governance.md), for the `modelgate / policy` check: a document
 * removed, reviewed less often or no longer gating releases weakens it, as does switching the disclosure policy off.
 */
export function compareGovernance(current: GovernancePolicy, proposed: GovernancePolicy): PolicyDifference[] {
  const differences: PolicyDifference[] = [];
  if (current.disclosure_policy !== proposed.disclosure_policy)
    differences.push({
      setting: "governance.disclosure_policy",
      from: String(current.disclosure_policy),
      to: String(proposed.disclosure_policy),
      effect: proposed.disclosure_policy ? "strengthens" : "weakens",
    });
  const paths = [...new Set([...current.documents, ...proposed.documents].map((d) => d.path))].sort();
  for (const path of paths) {
    const from = current.documents.find((d) => d.path === path);
    const to = proposed.documents.find((d) => d.path === path);
    const setting = `governance.documents[${path}]`;
    if (from && !to) differences.push({ setting, from: describe(from), to: "(removed)", effect: "weakens" });
    else if (!from && to) differences.push({ setting, from: "(none)", to: describe(to), effect: "strengthens" });
    else if (from && to && describe(from) !== describe(to))
      differences.push({ setting, from: describe(from), to: describe(to), effect: changeEffect(from, to) });
  }
  return differences;
}
