import { basename } from "node:path";
import { buildBom, validateBom, type CycloneDxBom } from "../../core/bom/build-bom.js";
import { CliError, EXIT_FAILED } from "../cli-error.js";
import { runGit } from "../git.js";
import { formatFileErrors } from "../repository.js";
import { modelgateVersion } from "../../version.js";
import { loadInventory } from "./inventory.js";

/** `owner/name` from the origin remote (GitHub https or ssh URL), else the folder's name. */
export async function repositoryName(repo: string): Promise<string> {
  const remote = await runGit(repo, ["config", "--get", "remote.origin.url"]);
  const url = remote.code === 0 ? remote.stdout.toString("utf8").trim() : "";
  const match = /[:/]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  if (match?.[1]) return match[1];
  const top = await runGit(repo, ["rev-parse", "--show-toplevel"]);
  return basename(top.code === 0 ? top.stdout.toString("utf8").trim() : repo);
}

/** The BOM's timestamp: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
export function bomTimestamp(now: Date, sourceDateEpoch: string | undefined): string {
  if (sourceDateEpoch !== undefined && /^\d+$/.test(sourceDateEpoch))
    return new Date(Number(sourceDateEpoch) * 1000).toISOString();
  return now.toISOString();
}

/**
 * The CycloneDX 1.6 ML-BOM of every model at a ref, validated against the official schema.
 * An invalid manifest fails (exit 1): a BOM that silently leaves a model out is worse than none.
 */
export async function runBom(repo: string, ref: string, now: Date, sourceDateEpoch?: string): Promise<CycloneDxBom> {
  const inventory = await loadInventory(repo, ref);
  if (inventory.errors.length > 0)
    throw new CliError(
      `cannot build the BOM at ${ref}: manifests to fix:\n${formatFileErrors(inventory.errors)}`,
      EXIT_FAILED,
    );
  const bom = buildBom({
    repository: await repositoryName(repo),
    ref,
    commit: inventory.commit,
    models: inventory.loaded,
    timestamp: bomTimestamp(now, sourceDateEpoch),
    toolVersion: await modelgateVersion(),
  });
  const validation = await validateBom(bom);
  if (!validation.ok)
    throw new CliError(
      `the generated BOM does not validate against CycloneDX 1.6 (a modelgate bug, please report it):\n${validation.errors.join("\n")}`,
      EXIT_FAILED,
    );
  return bom;
}
