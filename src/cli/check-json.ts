import type { ChangeKind } from "../core/policy/schema.js";
import type { Decision, RequirementStatus, Verdict } from "../core/evaluate/types.js";
import type { UnmanagedModel } from "../core/detect/types.js";

/** The object `modelgate check --json` prints: exactly the shape docs/cli.md "--json" documents. */
export interface CheckJson {
  verdict: Verdict;
  models: Array<{
    name: string;
    manifest: string;
    changes: ChangeKind[];
    /** null when the model is new (from) or deleted (to). */
    from: string | null;
    to: string | null;
    digest: string;
    requirements: Array<{ id: string; status: RequirementStatus; message: string; provision: string }>;
  }>;
  unmanaged: Array<Pick<UnmanagedModel, "path" | "source" | "change">>;
}

export function checkJson(decision: Decision): CheckJson {
  return {
    verdict: decision.verdict,
    models: decision.models.map((model) => ({
      name: model.name,
      manifest: model.manifestPath,
      changes: [...model.kinds],
      from: model.from ?? null,
      to: model.to ?? null,
      digest: model.digest,
      requirements: model.requirements.map(({ id, status, message, provision }) => ({
        id,
        status,
        message,
        provision,
      })),
    })),
    unmanaged: decision.unmanaged.map(({ path, source, change }) => ({ path, source, change })),
  };
}
