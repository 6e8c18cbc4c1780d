import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { Requirement } from "./types.js";

const PROVISION = "5.2.4-2, 5.2.4-2.1";
const PURL = /^pkg:[A-Za-z.+-]+\/\S+$/;
const URL_WITH_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;

/** A dataset's source must say where it came from: a URL (https://, s3://, …) or a package URL. */
export function isProvenanceSource(source: string): boolean {
  if (PURL.test(source)) return true;
  if (!URL_WITH_AUTHORITY.test(source)) return false;
  try {
    new URL(source);
    return true;
  } catch {
    return false;
  }
}

/** Provisions (docs/provisions.md) 5.2.4-2, 5.2.4-2.1: every training dataset names its source and when it was acquired. */
export function provenanceRequirements(loaded: LoadedManifest): Requirement[] {
  return loaded.manifest.training_data.map((dataset, index) => {
    const id = `data:${dataset.name}`;
    const problems: string[] = [];
    let line = loaded.lineOf(["training_data", index]);
    if (!dataset.source) problems.push("add source: the URL or purl it was obtained from");
    else if (!isProvenanceSource(dataset.source)) {
      problems.push(`source "${dataset.source}" is neither a URL nor a purl`);
      line = loaded.lineOf(["training_data", index, "source"]);
    }
    if (!dataset.acquired_at) problems.push("add acquired_at: when it was acquired (ISO 8601 date-time)");
    if (problems.length > 0) {
      return {
        id,
        status: "failed",
        message: `training data ${dataset.name}: ${problems.join("; ")}`,
        provision: PROVISION,
        path: loaded.path,
        line,
      };
    }
    return {
      id,
      status: "met",
      message: `from ${dataset.source}, acquired ${dataset.acquired_at}`,
      provision: PROVISION,
      path: loaded.path,
      line,
    };
  });
}
