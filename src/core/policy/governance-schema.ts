import { z } from "zod";
import { PROVISIONS } from "../audit/provisions.js";

const PROVISION_IDS = new Set(PROVISIONS.map((p) => p.id));

/**
 * A document path as the policy names it: relative to the repository root, with no `.`/`..` segment, no
 * backslash and no control character, so it can only name a file inside the repository (a symlink is refused
 * when it is read: docs/governance.md).
 */
export const documentPath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) =>
      !path.startsWith("/") &&
      !path.includes("\\") &&
      !/[\u0000-\u001f\u007f]/.test(path) &&
      path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== ".."),
    "a path inside the repository, relative to its root, without . or .. segments (e.g. docs/plans/incident.md)",
  );

const provisionId = z
  .string()
  .refine((id) => PROVISION_IDS.has(id), "not a provision of EN 304 223 (e.g. 5.2.2-5; see docs/provisions.md)");

const governanceDocument = z.strictObject({
  path: documentPath,
  // one provision, or several a document evidences (an incident plan that also covers end-user support)
  provision: z.union([provisionId, z.array(provisionId).min(1)]),
  review_days: z.number().int().positive().max(3650),
  owner_role: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "a role name is lower case letters, digits, _ or -"),
  // only `true`: a document that does not gate says nothing
  fail_release: z.literal(true).optional(),
});
export type GovernanceDocument = z.output<typeof governanceDocument>;

/** Policy `governance` (docs/governance.md): reviewed documents and the published disclosure policy. */
export const governanceSchema = z
  .strictObject({
    documents: z.array(governanceDocument).max(100).default([]),
    disclosure_policy: z.boolean().default(false),
  })
  .prefault({})
  .superRefine((governance, ctx) => {
    const seen = new Set<string>();
    governance.documents.forEach((document, index) => {
      if (seen.has(document.path))
        ctx.addIssue({ code: "custom", path: ["documents", index, "path"], message: `listed twice` });
      seen.add(document.path);
    });
  });
export type GovernancePolicy = z.output<typeof governanceSchema>;

/** The provisions a document names, as a list. */
export function documentProvisions(document: GovernanceDocument): string[] {
  return typeof document.provision === "string" ? [document.provision] : document.provision;
}
