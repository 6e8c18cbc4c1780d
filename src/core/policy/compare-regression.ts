import type { PolicyDifference, PolicyEffect } from "./compare-policies.js";
import type { RegressionPolicy, RegressionRule } from "./regression-schema.js";

/**
 * How a proposed `regression` section moves the gate (docs/regression.md): a rule removed or
 * loosened, `missing: pending`, or an accepting role where there was none weakens it.
 */
export function compareRegression(current: RegressionPolicy, proposed: RegressionPolicy): PolicyDifference[] {
  const differences: PolicyDifference[] = [];
  const names = [...new Set([...current.metrics, ...proposed.metrics].map((rule) => rule.name))];
  for (const name of names) {
    const from = current.metrics.find((rule) => rule.name === name);
    const to = proposed.metrics.find((rule) => rule.name === name);
    const before = from ? describeRule(from) : "none";
    const after = to ? describeRule(to) : "none";
    if (before === after) continue;
    differences.push({ setting: `regression.metrics.${name}`, from: before, to: after, effect: ruleEffect(from, to) });
  }
  if (current.missing !== proposed.missing)
    differences.push({
      setting: "regression.missing",
      from: current.missing,
      to: proposed.missing,
      effect: proposed.missing === "pending" ? "weakens" : "strengthens",
    });
  const fromRole = current.accept_role ?? "none";
  const toRole = proposed.accept_role ?? "none";
  if (fromRole !== toRole) {
    let effect: PolicyEffect = "changes";
    if (current.accept_role === undefined) effect = "weakens";
    else if (proposed.accept_role === undefined) effect = "strengthens";
    differences.push({ setting: "regression.accept_role", from: fromRole, to: toRole, effect });
  }
  return differences;
}

function describeRule(rule: RegressionRule): string {
  const parts = [`direction ${rule.direction}`];
  if (rule.max_drop !== undefined) parts.push(`max_drop ${rule.max_drop}`);
  if (rule.max_relative_drop !== undefined) parts.push(`max_relative_drop ${rule.max_relative_drop}`);
  if (rule.min !== undefined) parts.push(`min ${rule.min}`);
  if (rule.max !== undefined) parts.push(`max ${rule.max}`);
  if (rule.security) parts.push("security");
  return parts.join(", ");
}

/** A rule removed, or any limit dropped or widened, weakens; only tightened limits strengthen. */
function ruleEffect(from: RegressionRule | undefined, to: RegressionRule | undefined): PolicyEffect {
  if (!to) return "weakens";
  if (!from) return "strengthens";
  if (from.direction !== to.direction) return "changes";
  const looser = [
    widened(from.max_drop, to.max_drop, (a, b) => b > a),
    widened(from.max_relative_drop, to.max_relative_drop, (a, b) => b > a),
    widened(from.min, to.min, (a, b) => b < a),
    widened(from.max, to.max, (a, b) => b > a),
  ];
  if (looser.includes("looser")) return "weakens";
  if (looser.includes("stricter")) return "strengthens";
  return "changes";
}

function widened(
  from: number | undefined,
  to: number | undefined,
  isLooser: (from: number, to: number) => boolean,
): "looser" | "stricter" | "same" {
  if (from === to) return "same";
  if (to === undefined) return "looser";
  if (from === undefined) return "stricter";
  return isLooser(from, to) ? "looser" : "stricter";
}
