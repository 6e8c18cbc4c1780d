import { z } from "zod";

// a PEM file on the policy's branch, named from the repository's root
const repositoryFile = z
  .string()
  .min(1)
  .refine(
    (path) => !path.startsWith("/") && !path.includes("\\") && !path.split("/").some((s) => s === ".." || s === ""),
    "must be a path from the repository's root, without .., empty segments or backslashes",
  );

const keylessSigner = z.strictObject({
  issuer: z.url({ message: "must be the OIDC issuer URL, e.g. https://token.actions.githubusercontent.com" }),
  identity: z.string().trim().min(1, "must be the certificate's identity (a workflow ref URL or an email)"),
});
const keySigner = z.strictObject({ public_key: repositoryFile });
const chainSigner = z.strictObject({ certificate_chain: repositoryFile });

/** One trusted signer of model signatures (docs/supply-chain.md, "Model signatures"): any one of them suffices. */
export const pinnedSignerSchema = z.union([keylessSigner, keySigner, chainSigner], {
  message: "a signer is { issuer, identity }, { public_key: path } or { certificate_chain: path }",
});
export type PinnedSigner = z.output<typeof pinnedSignerSchema>;

/** `supply_chain.signatures`: OpenSSF model signatures and who may sign. */
export const signaturesPolicySchema = z
  .strictObject({
    require: z.boolean().default(false),
    signers: z.array(pinnedSignerSchema).default([]),
  })
  .prefault({});

/** A signer workflow as the policy names it: owner/repo/.github/workflows/<file>@<ref>. */
const workflowRef = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/\.github\/workflows\/[^@\s]+@\S+$/,
    "must be owner/repo/.github/workflows/<file>@<ref>, e.g. acme/models/.github/workflows/train.yml@refs/heads/main",
  );

/** `supply_chain.provenance`: GitHub artifact attestations (SLSA provenance v1) of every weights file. */
export const provenancePolicySchema = z
  .strictObject({
    require: z.boolean().default(false),
    workflows: z.array(workflowRef).default([]),
  })
  .prefault({});
