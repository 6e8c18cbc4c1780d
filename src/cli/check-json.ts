import type { ChangeKind } from "../core/policy/schema.js";
import type { Decision, RequirementStatus, Verdict } from "../core/evaluate/types.js";
import type { UnmanagedModel } from "../core/detect/types.js";
import { requirementLocation } from "../core/render/annotations.js";
import type { CheckRange, RangeEnd } from "./report.js";

/** The object `modelgate check --json` prints: exactly the shape docs/cli.md "--json" documents. */
export interface CheckJson {
  verdict: Verdict;
  /** Which refs were compared, as resolved: the report names them so a reader sees which branch (or tag) was used. */
  base: RangeEnd;
  head: RangeEnd;
  models: Array<{
    name: string;
    manifest: string;
    changes: ChangeKind[];
    /** null when the model is new (from) or deleted (to). */
    from: string | null;
    to: string | null;
    digest: string;
    requirements: Array<{
      id: string;
      status: RequirementStatus;
      message: string;
      provision: string;
      /** Where to fix it (line 1 of the manifest when the requirement names no line): what the check run annotates. */
      path: string;
      line: number;
    }>;
  }>;
  unmanaged: Array<Pick<UnmanagedModel, "path" | "source" | "change">>;
}

export function checkJson(decision: Decision, range: CheckRange): CheckJson {
  return {
    verdict: decision.verdict,
    base: { ...range.base },
    head: { ...range.head },
    models: decision.models.map((model) => ({
      name: model.name,
      manifest: model.manifestPath,
      changes: [...model.kinds],
      from: model.from ?? null,
      to: model.to ?? null,
      digest: model.digest,
      requirements: model.requirements.map((requirement) => ({
        id: requirement.id,
        status: requirement.status,
        message: requirement.message,
        provision: requirement.provision,
        ...requirementLocation(model, requirement),
      })),
    })),
    unmanaged: decision.unmanaged.map(({ path, source, change }) => ({ path, source, change })),
  };
}
