import { readFile } from "node:fs/promises";
import { posix, resolve, sep } from "node:path";
import { parsePolicy, POLICY_PATH } from "../../core/policy/load-policy.js";
import { defaultPolicy } from "../../core/policy/schema.js";
import { loadManifest } from "../../core/manifest/load-manifest.js";
import { loadTrainingRoster, TRAINING_ROSTER_PATH } from "../../core/governance/training-schema.js";
import type { FileError } from "../../core/yaml/load-yaml.js";
import { CliError } from "../cli-error.js";
import { readTextFile, snapshotAt } from "../git-snapshot.js";
import { resolveCommit } from "../git.js";
import { modelsAt } from "../repository.js";
import { compareCodeUnits } from "../../core/compare-code-units.js";

export interface ValidatedFile {
  path: string;
  kind: "policy" | "manifest" | "roster";
  errors: FileError[];
}

/** A file named modelgate.yml/.yaml, or any file under a .github folder, is a policy; anything else a manifest. */
export function isPolicyFile(path: string): boolean {
  const parts = path.split(sep).join("/").split("/");
  const name = parts[parts.length - 1] ?? "";
  return name === "modelgate.yml" || name === "modelgate.yaml" || parts.slice(0, -1).includes(".github");
}

/** Validates files given on the command line (from disk); an unreadable file stops with exit 2. */
export async function validateFiles(files: ReadonlyArray<string>, folder = "."): Promise<ValidatedFile[]> {
  const results: ValidatedFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      // named as given (in errors too), read relative to the folder (--repo)
      text = await readFile(resolve(folder, file), "utf8");
    } catch (error) {
      throw new CliError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
      );
    }
    const path = file.split(sep).join(posix.sep);
    if (path === TRAINING_ROSTER_PATH || path.endsWith(`/${TRAINING_ROSTER_PATH}`)) {
      const result = loadTrainingRoster(path, text);
      results.push({ path, kind: "roster", errors: result.ok ? [] : result.errors });
    } else if (isPolicyFile(file)) {
      const result = parsePolicy(text, path);
      results.push({ path, kind: "policy", errors: result.ok ? [] : result.errors });
    } else {
      const result = loadManifest(path, text);
      results.push({ path, kind: "manifest", errors: result.ok ? [] : result.errors });
    }
  }
  return results;
}

/**
 * Validates the repository at HEAD (from git, not the working tree): the policy, and every
 * manifest its globs match (the default globs when the policy is invalid).
 */
export async function validateRepository(repo: string, ref = "HEAD"): Promise<ValidatedFile[]> {
  const snapshot = await snapshotAt(repo, await resolveCommit(repo, ref));
  const results: ValidatedFile[] = [];
  let policy = defaultPolicy();
  const policyText = await readTextFile(repo, snapshot, POLICY_PATH);
  if (policyText !== undefined) {
    const result = parsePolicy(policyText, POLICY_PATH);
    results.push({ path: POLICY_PATH, kind: "policy", errors: result.ok ? [] : result.errors });
    if (result.ok) policy = result.policy;
  }
  // the training roster (docs/governance.md "Training"), when the repository keeps one
  const rosterText = await readTextFile(repo, snapshot, TRAINING_ROSTER_PATH);
  if (rosterText !== undefined) {
    const result = loadTrainingRoster(TRAINING_ROSTER_PATH, rosterText);
    results.push({ path: TRAINING_ROSTER_PATH, kind: "roster", errors: result.ok ? [] : result.errors });
  }
  const { models, errors } = await modelsAt(repo, snapshot, policy);
  const byPath = new Map<string, ValidatedFile>();
  for (const model of models) byPath.set(model.path, { path: model.path, kind: "manifest", errors: [] });
  for (const error of errors) {
    const entry = byPath.get(error.path) ?? { path: error.path, kind: "manifest" as const, errors: [] };
    entry.errors.push(error);
    byPath.set(error.path, entry);
  }
  results.push(...[...byPath.values()].sort((a, b) => compareCodeUnits(a.path, b.path)));
  return results;
}

export function renderValidation(results: ReadonlyArray<ValidatedFile>): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.errors.length === 0) lines.push(`ok  ${result.path} (${result.kind})`);
    for (const error of result.errors) lines.push(`${error.path}:${error.line}: ${error.message}`);
  }
  const invalid = results.filter((r) => r.errors.length > 0).length;
  if (results.length === 0) lines.push("no policy or manifest found");
  else if (invalid === 0) lines.push(`${results.length} file(s) valid`);
  else lines.push(`${invalid} of ${results.length} file(s) invalid`);
  return lines.join("\n") + "\n";
}
