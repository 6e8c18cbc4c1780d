import { z } from "zod";

/**
 * `training` in the policy (docs/governance.md "Training"): whether a role's sign-off counts only from a holder whose
 * training for that role is current (`true`), counts with a warning (`warn`, the grace mode) or is not checked, and
 * which role signs off a change to the roster.
 */
export const trainingPolicySchema = z
  .strictObject({
    require: z.union([z.boolean(), z.literal("warn")]).default(false),
    admins: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, "a role name is lower case letters, digits, _ or -")
      .default("system_operator"),
    // how long before a record expires the daily run opens a reminder issue
    notice_days: z.number().int().min(0).max(3650).default(30),
  })
  .prefault({});

export type TrainingPolicy = z.output<typeof trainingPolicySchema>;
