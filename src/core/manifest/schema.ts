import { z } from "zod";
import { servingSchema } from "./serving-schema.js";
import { isSemver } from "./semver.js";
import { formatExceptionSchema } from "./format-exception-schema.js";

const sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal characters (a SHA-256)")
  .transform((hex) => hex.toLowerCase());

/** A model's name (the manifest's `name`): letters, digits, `.`, `_` or `-`, at most 100; never `@` or `#`, so sign-off keys cannot collide. */
export const modelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "a model name is letters, digits, . _ or - (at most 100)");
/** A model digest (docs/configuration.md, The manifest): `sha256:` and 64 lower-case hex characters. */
export const digestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256: followed by 64 lower-case hex characters");

// js dates are not used: YAML is parsed with the core schema, so date-times stay strings
const isoDateTime = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time, e.g. 2026-10-01T00:00:00Z",
});
const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  message: "must be an ISO 8601 date (YYYY-MM-DD)",
});

/**
 * A character no one means in a component's path: a control, an invisible format character (zero widths, BOM, bidi
 * controls), a lone surrogate, a noncharacter, white space other than the space, or a space at either end of a name.
 * "w.bin\u3000" looks like "w.bin" to a reviewer but is another file (docs/configuration.md, The manifest).
 */
const UNMEANT_IN_PATH = /[\p{Cc}\p{Cf}\p{Cs}\p{Noncharacter_Code_Point}]|(?! )\s|(?:^|\/) | (?:\/|$)/u;

const repoRelativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."),
    "must be a path relative to the manifest, without .. or backslashes",
  )
  .refine(
    (p) => !UNMEANT_IN_PATH.test(p),
    "must not hold control or invisible characters, white space other than a space, or a space at the start or end of a name",
  );

export const COMPONENT_KINDS = ["weights", "tokenizer", "config", "prompt", "code", "other"] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

const componentBase = {
  kind: z.enum(COMPONENT_KINDS),
  sha256: sha256Hex.optional(),
  verified: z.boolean().optional(),
  justification: z.string().trim().min(1).optional(),
};

const fileComponent = z.strictObject({
  path: repoRelativePath,
  ...componentBase,
  format_exception: formatExceptionSchema.optional(),
});
const upstreamComponent = z.strictObject({
  name: z.string().min(1),
  source: z.string().min(1),
  ...componentBase,
});

/** The published JSON Schema of a component (the zod schema below dispatches for better errors). */
export const componentJsonShape = z.union([fileComponent, upstreamComponent]);

// dispatch on `path` so that errors name the field to fix, not "no union member matched"
export const componentSchema = z
  .unknown()
  .transform((value, ctx): z.output<typeof fileComponent> | z.output<typeof upstreamComponent> => {
    const isFile = typeof value === "object" && value !== null && "path" in value;
    const result = (isFile ? fileComponent : upstreamComponent).safeParse(value);
    if (result.success) return result.data;
    // keep each issue whole (an unknown key's name is needed to point at its line)
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: [...issue.path] });
    return z.NEVER;
  });

const trainingData = z.strictObject({
  name: z.string().min(1),
  source: z.string().min(1).optional(),
  acquired_at: isoDateTime.optional(),
  sha256: sha256Hex.optional(),
});

// a metric name is shown in check runs and requirement names (regression:<name>): plain characters only
const METRIC_NAME_RULE = "a metric name is letters, digits, _ . - (at most 64), starting with a letter or digit";
export const metricName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, METRIC_NAME_RULE);

// zod's record drops a `__proto__` key without a word: refuse it (and every other bad name) before it can
const metricsSchema = z.preprocess(
  (value, ctx) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      for (const key of Object.keys(value))
        if (key === "__proto__") ctx.addIssue({ code: "custom", path: [key], message: METRIC_NAME_RULE, input: value });
    return value;
  },
  z.record(metricName, z.number().finite("must be a finite number")),
);

const evaluationRecord = z.strictObject({
  version: z.string().refine(isSemver, "must be a semantic version, e.g. 2.1.0"),
  model_digest: digestSchema,
  date: isoDate,
  evaluator: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub login"),
  result: z.enum(["pass", "fail"]),
  report: z.string().min(1).optional(),
  threats: z.record(z.string(), z.string().trim().min(1, "say how the threat was addressed")).default({}),
  // what was measured (docs/configuration.md): compared by the regression gate and drawn in the audit
  metrics: metricsSchema.optional(),
  dataset: z.strictObject({ name: z.string().trim().min(1), sha256: sha256Hex }).optional(),
});

// a documentation field is one text or a list of texts (each item one use, limitation, ...)
const documentationText = z.union([
  z.string().trim().min(1, "say it in words (or remove the field)"),
  z.array(z.string().trim().min(1, "say it in words")).min(1),
]);

export const manifestSchema = z
  .strictObject({
    name: modelNameSchema,
    version: z
      .string({ message: "must be a string such as 2.1.0 (quote a version YAML would read as a number)" })
      .refine(isSemver, "must be a semantic version, e.g. 2.1.0"),
    status: z.enum(["active", "deprecated", "decommissioned"]).default("active"),
    description: z.string().optional(),
    modalities: z.array(z.string().min(1)).default([]),
    components: z.array(componentSchema).default([]),
    training_data: z.array(trainingData).default([]),
    evaluations: z.array(evaluationRecord).default([]),
    // the OpenSSF model signature of this model's folder (docs/supply-chain.md); default model.sig beside the manifest
    signature: repoRelativePath.optional(),
    // what users are told (policy documentation.require; docs/configuration.md)
    intended_use: documentationText.optional(),
    limitations: documentationText.optional(),
    failure_modes: documentationText.optional(),
    prohibited_uses: documentationText.optional(),
    retention: documentationText.optional(),
    serving: servingSchema.optional(),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Map<string, number>();
    manifest.components.forEach((c, index) => {
      const id = componentId(c);
      if (seen.has(id))
        ctx.addIssue({ code: "custom", path: ["components", index], message: `component "${id}" is listed twice` });
      seen.set(id, index);
    });
  });

export type Manifest = z.output<typeof manifestSchema>;
export type Component = Manifest["components"][number];
export type FileComponent = z.output<typeof fileComponent>;
export type TrainingData = Manifest["training_data"][number];
export type EvaluationRecord = Manifest["evaluations"][number];

/** A component is identified by its path (in the repo) or its name (upstream). */
export function componentId(c: Component): string {
  return "path" in c ? c.path : c.name;
}

export function isFileComponent(c: Component): c is FileComponent {
  return "path" in c;
}
