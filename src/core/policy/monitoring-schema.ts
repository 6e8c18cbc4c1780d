import { z } from "zod";

/**
 * A folder template: relative, `/`-separated, no `.` or `..` part, naming `{model}` (and `{version}` when each
 * version's reports have their own folder). In the repository for committed reports, inside the artefact's zip
 * for a workflow's reports (docs/monitoring.md).
 */
const reportPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.{}/-]+$/, "a report path is letters, digits, _ . - / and the {model} and {version} placeholders")
  .refine((path) => path.includes("{model}"), "a report path names {model}")
  .refine(
    (path) => !path.startsWith("/") && path.split("/").every((part) => part !== "" && part !== "." && part !== ".."),
    "a report path is relative, with no empty, . or .. part",
  )
  .refine(
    (path) => path.replaceAll("{model}", "").replaceAll("{version}", "").match(/[{}]/) === null,
    "the only placeholders are {model} and {version}",
  );

/** A workflow file name (`.github/workflows/<name>`), as the Actions API names a workflow. */
const workflowFile = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}\.ya?ml$/, "a workflow is named by its file name, e.g. monitoring.yml");

const threshold = z
  .strictObject({
    metric: z
      .string()
      .regex(/^[A-Za-z0-9_.:()=,/ -]{1,200}$/, "a metric name is letters, digits and _ . : ( ) = , / - or a space"),
    max: z.number().finite().optional(),
    min: z.number().finite().optional(),
    // a breach of a security metric makes the model's re-evaluation due at once (docs/re-evaluation.md)
    security: z.boolean().default(false),
    // the models it applies to (default: every model): a drift metric one model's reports have and another's lack
    models: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "a model name"))
      .min(1)
      .optional(),
  })
  .refine((rule) => rule.max !== undefined || rule.min !== undefined, "a threshold names max, min or both")
  .refine(
    (rule) => rule.max === undefined || rule.min === undefined || rule.min <= rule.max,
    "a threshold's min is not above its max",
  );
export type MonitoringThreshold = z.output<typeof threshold>;

/** docs/monitoring.md: where production reports come from and what they must show. */
export const monitoringSchema = z
  .strictObject({
    reports: z.strictObject({
      path: reportPath.default("monitoring/{model}/{version}"),
      // set: the newest successful run of this workflow on the default branch; its artefact holds the reports
      workflow: workflowFile.optional(),
      artifact: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/)
        .default("monitoring-reports"),
    }),
    max_report_age_days: z.number().int().positive().max(365).default(7),
    thresholds: z.array(threshold).max(100).default([]),
  })
  .optional();
export type MonitoringPolicy = NonNullable<z.output<typeof monitoringSchema>>;
