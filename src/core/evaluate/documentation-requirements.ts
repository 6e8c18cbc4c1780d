import type { LoadedManifest } from "../manifest/load-manifest.js";
import { POLICY_PATH } from "../policy/load-policy.js";
import type { DocumentationField, Policy } from "../policy/schema.js";
import type { Requirement } from "./types.js";

/** The provision each documentation field evidences (docs/provisions.md). */
export const DOCUMENTATION_PROVISIONS: Record<DocumentationField, string> = {
  intended_use: "5.2.4-1.1",
  limitations: "5.2.4-1.1",
  failure_modes: "5.2.4-1.1",
  prohibited_uses: "5.1.4-5",
  retention: "5.3.1-2.1",
};

/** How a documentation field reads in messages and release notes. */
export const DOCUMENTATION_LABELS: Record<DocumentationField, string> = {
  intended_use: "intended use",
  limitations: "limitations",
  failure_modes: "failure modes",
  prohibited_uses: "prohibited uses",
  retention: "retention",
};

/** A documentation field of a manifest as a list of texts (one text is a list of one); empty when absent. */
export function documentationTexts(loaded: LoadedManifest, field: DocumentationField): string[] {
  const value = loaded.manifest[field];
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

/**
 * What the manifest must tell users (policy `documentation.require`): one requirement per
 * required field, met when the manifest says it, failed with its provision when it does not.
 */
export function documentationRequirements(policy: Policy, loaded: LoadedManifest): Requirement[] {
  return policy.documentation.require.map((field) => {
    const texts = documentationTexts(loaded, field);
    const id = `documentation:${field}`;
    const provision = DOCUMENTATION_PROVISIONS[field];
    const path = loaded.path;
    // literals, not { ...base, status, ... }: V8 gives every object spread and then extended its own hidden class
    if (texts.length > 0)
      return {
        id,
        provision,
        path,
        status: "met",
        message: `${DOCUMENTATION_LABELS[field]} is documented (${field})`,
        line: loaded.lineOf([field]),
      };
    return {
      id,
      provision,
      path,
      status: "failed",
      message: `the manifest does not document ${DOCUMENTATION_LABELS[field]}: add ${field}: to it (documentation.require in ${POLICY_PATH})`,
      line: loaded.lineOf(["name"]),
    };
  });
}
