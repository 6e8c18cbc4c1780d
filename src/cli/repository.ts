import { resolve } from "node:path";
import { parsePolicy, POLICY_PATH } from "../core/policy/load-policy.js";
import { defaultPolicy, type Policy } from "../core/policy/schema.js";
import { globMatcher } from "../core/policy/glob.js";
import { loadManifest, type LoadedManifest } from "../core/manifest/load-manifest.js";
import type { FileError } from "../core/yaml/load-yaml.js";
import { CliError } from "./cli-error.js";
import { printable } from "./report.js";
import { assertGitRepository } from "./git.js";
import { readContents, readTextFile, type GitSnapshot } from "./git-snapshot.js";

/** An absolute path to a git repository (`dir` relative to `cwd`), checked. */
export async function openRepository(dir: string | undefined, cwd: string = process.cwd()): Promise<string> {
  const repo = resolve(cwd, dir ?? ".");
  await assertGitRepository(repo);
  return repo;
}

export function formatFileErrors(errors: ReadonlyArray<FileError>): string {
  // a hostile file name must not forge extra lines on the terminal
  return errors.map((error) => `${printable(error.path)}:${error.line}: ${printable(error.message)}`).join("\n");
}

/** The policy at a commit: defaults when the file is absent; invalid -> exit 2 naming file:line. */
export async function policyAt(repo: string, snapshot: GitSnapshot, refLabel: string): Promise<Policy> {
  const text = await readTextFile(repo, snapshot, POLICY_PATH);
  if (text === undefined) return defaultPolicy();
  const result = parsePolicy(text, POLICY_PATH);
  if (result.ok) return result.policy;
  throw new CliError(`invalid policy ${POLICY_PATH} at ${refLabel}; fix it first:\n${formatFileErrors(result.errors)}`);
}

export interface ModelsAtCommit {
  models: LoadedManifest[];
  /** Manifests that are invalid, unreadable or reuse another model's name. */
  errors: FileError[];
}

/** Every manifest at a commit that the policy's globs match, loaded and validated. */
export async function modelsAt(
  repo: string,
  snapshot: GitSnapshot,
  policy: Policy = defaultPolicy(),
): Promise<ModelsAtCommit> {
  const isManifest = globMatcher(policy.models.manifests);
  const paths = [...snapshot.entries.keys()].filter((path) => isManifest(path)).sort();
  await readContents(repo, [{ snapshot, paths: paths.filter((path) => !snapshot.contents.has(path)) }]);
  const models: LoadedManifest[] = [];
  const errors: FileError[] = [];
  const byName = new Map<string, string>();
  for (const path of paths) {
    const content = snapshot.contents.get(path);
    if (content?.kind !== "text") {
      errors.push({
        path,
        line: 1,
        message: `could not be read: ${content?.kind === "unreadable" ? content.reason : "not UTF-8 text"}`,
      });
      continue;
    }
    const result = loadManifest(path, content.text);
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const name = result.loaded.manifest.name;
    const first = byName.get(name);
    if (first !== undefined) {
      errors.push({
        path,
        line: result.loaded.lineOf(["name"]),
        message: `model name "${name}" is already used by ${first}: a model name is unique in the repository`,
      });
      continue;
    }
    byName.set(name, path);
    models.push(result.loaded);
  }
  return { models, errors };
}
