import { z } from "zod";
import { metricName } from "../manifest/schema.js";

/**
 * One metric the regression gate compares (docs/regression.md): which way is better, how far it
 * may fall from the baseline (absolute, or a fraction 0–1 of the baseline's magnitude), and bounds
 * the candidate must keep whatever the baseline.
 */
const regressionRule = z
  .strictObject({
    name: metricName,
    direction: z.enum(["higher", "lower"]),
    max_drop: z.number().finite().min(0, "a drop is at least 0").optional(),
    // a fraction: 0.05 is five per cent of the baseline (docs/regression.md)
    max_relative_drop: z
      .number()
      .finite()
      .min(0, "a relative drop is a fraction from 0 to 1")
      .max(1, "a relative drop is a fraction from 0 to 1 (0.05 is five per cent)")
      .optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    // a security metric (attack success rate, robustness): marked in the table beside accuracy
    security: z.boolean().default(false),
  })
  .superRefine((rule, ctx) => {
    const limits = [rule.max_drop, rule.max_relative_drop, rule.min, rule.max];
    if (limits.every((limit) => limit === undefined))
      ctx.addIssue({
        code: "custom",
        message: "a rule needs at least one of max_drop, max_relative_drop, min, max",
      });
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
      ctx.addIssue({ code: "custom", path: ["min"], message: "min is above max: no value could pass" });
  });
export type RegressionRule = z.output<typeof regressionRule>;

const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "a role name is lower case letters, digits, _ or -");

export const regressionSchema = z
  .strictObject({
    metrics: z.array(regressionRule).default([]),
    // a metric absent from either record: a failure, or pending until someone records it or accepts it
    missing: z.enum(["fail", "pending"]).default("fail"),
    // who may accept a regression (/accept-regression); absent: nobody can
    accept_role: roleName.optional(),
  })
  .superRefine((regression, ctx) => {
    const seen = new Set<string>();
    for (const [index, rule] of regression.metrics.entries()) {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: "custom",
          path: ["metrics", index, "name"],
          message: `metric "${rule.name}" has two rules; give it one`,
        });
      seen.add(rule.name);
    }
  })
  .prefault({});
export type RegressionPolicy = z.output<typeof regressionSchema>;

/** The cross-check of the whole policy: the accepting role is one the policy declares. */
export function regressionRoleIssues(
  policy: { roles: Record<string, unknown>; regression: RegressionPolicy },
  ctx: z.RefinementCtx,
): void {
  const role = policy.regression.accept_role;
  if (role !== undefined && !Object.hasOwn(policy.roles, role))
    ctx.addIssue({
      code: "custom",
      path: ["regression", "accept_role"],
      message: `role "${role}" is not declared under roles`,
    });
}
