import { z } from "zod";
import { regressionRoleIssues, regressionSchema } from "./regression-schema.js";
import { formatsPolicySchema } from "./formats-schema.js";
import { provenancePolicySchema, signaturesPolicySchema } from "./signatures-schema.js";
import { trainingPolicySchema } from "./training-schema.js";
import { monitoringSchema } from "./monitoring-schema.js";
import { governanceSchema } from "./governance-schema.js";

/** The change kinds (docs/architecture.md "Change kinds and version rules"), in the order they are reported. */
export const CHANGE_KINDS = [
  "new_model",
  "retrain",
  "configuration",
  "training_data",
  "version_bump",
  "decommission",
  "metadata",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const DEFAULT_MANIFEST_GLOBS = ["**/model.yaml"];
export const DEFAULT_ARTIFACT_GLOBS = [
  "**/*.safetensors",
  "**/*.onnx",
  "**/*.pt",
  "**/*.pth",
  "**/*.ckpt",
  "**/*.gguf",
  "**/*.h5",
  "**/*.keras",
  "**/*.pb",
  "**/*.tflite",
  "**/*.pkl",
  "**/*.joblib",
  "**/*.bin",
  "**/*.mlmodel",
  "**/*.npz",
  "**/*.jit",
  "**/*.ptl",
  "**/*.torchscript",
  "**/*.caffemodel",
  "**/*.mar",
  "**/*.engine",
  "**/*.ggml",
  "**/*.llamafile",
  "**/*.msgpack",
];

/** docs/end-of-life.md: the disposal checklist of an end-of-life issue. */
export const DEFAULT_EOL_CHECKLIST = [
  "Disable serving endpoints and API keys",
  "Delete or archive weights and checkpoints (every copy and registry)",
  "Dispose of training and evaluation data per retention terms",
  "Remove configuration, secrets and prompts",
  "Revoke credentials",
  "Update the asset inventory",
  "Record disposal evidence",
];

/** Manifest fields a policy may require (documentation.require): what users must be told about a model. */
export const DOCUMENTATION_FIELDS = [
  "intended_use",
  "limitations",
  "failure_modes",
  "prohibited_uses",
  "retention",
] as const;
export type DocumentationField = (typeof DOCUMENTATION_FIELDS)[number];

const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "a role name is lower case letters, digits, _ or -");
const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "not a GitHub login");
const teamSlug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "not a team slug (use the slug, without the org)");
const globList = z.array(z.string().min(1)).min(1);

const roleHolders = z.strictObject({
  teams: z.array(teamSlug).default([]),
  users: z.array(login).default([]),
});
export type RoleHolders = z.infer<typeof roleHolders>;

const gate = z.strictObject({
  evaluation: z.boolean(),
  approvals: z.array(roleName),
});
export type Gate = z.infer<typeof gate>;

const DEFAULT_ROLES: Record<string, RoleHolders> = {
  developer: { teams: ["ml-engineers"], users: [] },
  system_operator: { teams: ["platform-ops"], users: [] },
  data_custodian: { teams: ["data-governance"], users: [] },
};

export const DEFAULT_GATES: Record<ChangeKind, Gate> = {
  new_model: { evaluation: true, approvals: ["developer", "system_operator", "data_custodian"] },
  retrain: { evaluation: true, approvals: ["developer", "system_operator"] },
  training_data: { evaluation: true, approvals: ["data_custodian"] },
  configuration: { evaluation: true, approvals: ["developer"] },
  version_bump: { evaluation: true, approvals: ["developer"] },
  decommission: { evaluation: false, approvals: ["system_operator", "data_custodian"] },
  metadata: { evaluation: false, approvals: [] },
};

const gatesSchema = z
  .strictObject(
    Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, gate.partial().optional()])) as Record<
      ChangeKind,
      z.ZodOptional<
        z.ZodObject<{ evaluation: z.ZodOptional<z.ZodBoolean>; approvals: z.ZodOptional<z.ZodArray<typeof roleName>> }>
      >
    >,
  )
  .prefault({})
  // a policy names only the gates it changes; the others keep their defaults
  .transform(
    (given) =>
      Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, { ...DEFAULT_GATES[kind], ...given[kind] }])) as Record<
        ChangeKind,
        Gate
      >,
  );

export const policySchema = z
  .strictObject({
    _extends: z.string().optional(),
    models: z
      .strictObject({
        manifests: globList.default(DEFAULT_MANIFEST_GLOBS),
        artifacts: z.array(z.string().min(1)).default(DEFAULT_ARTIFACT_GLOBS),
      })
      .prefault({}),
    roles: z
      .record(roleName, roleHolders)
      .prefault({})
      // the accountable roles keep their default holders unless the policy names them
      .transform((given) => ({ ...DEFAULT_ROLES, ...given })),
    gates: gatesSchema,
    approvals: z
      .strictObject({
        via: z
          .array(z.enum(["review", "sign_off"]))
          .min(1)
          .default(["review", "sign_off"]),
        allow_author: z.boolean().default(false),
        distinct_people: z.boolean().default(true),
        invalidate_on_push: z.boolean().default(true),
      })
      .prefault({}),
    overrides: z.strictObject({ roles: z.array(roleName).default(["security"]) }).prefault({}),
    evaluation: z
      .strictObject({
        max_age_days: z.number().int().positive().max(3650).default(180),
        // how long before expiry the daily run opens a "Re-evaluation due" issue (docs/re-evaluation.md)
        notice_days: z.number().int().min(0).max(3650).default(30),
        independent: z.boolean().default(true),
        threats: z
          .array(z.string().regex(/^[a-z][a-z0-9_]*$/))
          .default(["data_poisoning", "model_inversion", "membership_inference", "model_extraction", "evasion"]),
      })
      .prefault({}),
    supply_chain: z
      .strictObject({
        require_hashes: z.boolean().default(true),
        require_data_provenance: z.boolean().default(true),
        formats: formatsPolicySchema,
        signatures: signaturesPolicySchema,
        provenance: provenancePolicySchema,
      })
      .prefault({}),
    unmanaged_artifacts: z.enum(["fail", "warn", "off"]).default("fail"),
    deployments: z
      .strictObject({
        // globs of the environment names the deployment protection rule judges (docs/deployments.md)
        environments: z.array(z.string().min(1).max(255)).default(["production"]),
        // other environments: approved without judgement only when asked; by default left to GitHub's own rules
        approve_others: z.boolean().default(false),
      })
      .prefault({}),
    rollback: z.enum(["known_good", "off"]).default("known_good"),
    documentation: z.strictObject({ require: z.array(z.enum(DOCUMENTATION_FIELDS)).default([]) }).prefault({}),
    release: z
      .strictObject({
        on_failure: z.enum(["comment", "draft"]).default("comment"),
        attach_bom: z.boolean().default(true),
      })
      .prefault({}),
    end_of_life: z
      .strictObject({
        labels: z.array(z.string().min(1).max(50)).min(1).default(["model-eol"]),
        checklist: z.array(z.string().min(1).max(300)).min(1).default(DEFAULT_EOL_CHECKLIST),
      })
      .prefault({}),
    regression: regressionSchema,
    training: trainingPolicySchema,
    monitoring: monitoringSchema,
    governance: governanceSchema,
  })
  .superRefine(
    (policy, ctx) => {
      regressionRoleIssues(policy, ctx);
      for (const kind of CHANGE_KINDS) {
        for (const [index, role] of policy.gates[kind].approvals.entries()) {
          // hasOwn: `constructor` is "in" every object, yet declared by no policy
          if (!Object.hasOwn(policy.roles, role)) {
            ctx.addIssue({
              code: "custom",
              path: ["gates", kind, "approvals", index],
              message: `role "${role}" is not declared under roles`,
            });
          }
        }
      }
      if (!Object.hasOwn(policy.roles, policy.training.admins))
        ctx.addIssue({
          code: "custom",
          path: ["training", "admins"],
          message: `role "${policy.training.admins}" is not declared under roles`,
        });
      for (const [index, document] of policy.governance.documents.entries()) {
        if (!Object.hasOwn(policy.roles, document.owner_role))
          ctx.addIssue({
            code: "custom",
            path: ["governance", "documents", index, "owner_role"],
            message: `role "${document.owner_role}" is not declared under roles`,
          });
      }
    },
    // on a policy with other errors, roles and gates are not defaulted yet: cross-checks would report nonsense
    { when: (payload) => payload.issues.length === 0 },
  );

export type Policy = z.output<typeof policySchema>;

/** The built-in policy used when a repository has no `.github/modelgate.yml`. */
export function defaultPolicy(): Policy {
  return policySchema.parse({});
}
