import type { ProbotOctokit } from "probot";
import { parsePolicy, validatePolicy, POLICY_PATH, type PolicyResult } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/schema.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

export interface PolicyLocation {
  owner: string;
  repo: string;
  /** The branch whose policy judges the change: the PR's base branch, never its head. */
  branch: string;
}

/**
 * The policy in force at a branch for the command handlers: an invalid one confirms nothing,
 * so it is a CouldNotEvaluate naming its first error.
 */
export async function readValidPolicy(octokit: ProbotOctokit, location: PolicyLocation): Promise<Policy> {
  const read = await readBasePolicy(octokit, location);
  if (read.ok) return read.policy;
  const first = read.errors[0];
  throw new CouldNotEvaluate(
    `the policy of ${location.owner}/${location.repo} at ${location.branch} is invalid${first ? ` (${first.path}:${first.line}: ${first.message})` : ""}`,
  );
}

/**
 * Reads `.github/modelgate.yml` from the base branch with Probot's config plugin
 * (`_extends` and the organisation's `.github` repository work as in Probot). No file
 * anywhere: built-in defaults. An invalid file: errors with file and line, read again
 * from the raw file because the plugin's parse loses line numbers.
 */
export async function readBasePolicy(octokit: ProbotOctokit, location: PolicyLocation): Promise<PolicyResult> {
  const { owner, repo, branch } = location;
  let merged: { config: unknown; files: Array<{ config: unknown }> };
  try {
    merged = await octokit.config.get({
      owner,
      repo,
      path: POLICY_PATH,
      branch,
      defaults: (files) => mergeConfigs(files),
    });
  } catch (error) {
    if (refusedOrganisationPolicy(error, owner)) {
      throw new CouldNotEvaluate(
        `GitHub refused (${httpStatus(error)}) the organisation policy ${POLICY_PATH} of ${owner}/.github: install the App on the ${owner}/.github repository too`,
        { cause: error },
      );
    }
    if (httpStatus(error) !== undefined)
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the policy ${POLICY_PATH}`, ref: branch });
    // the plugin throws plain errors for unparsable YAML or a bad `_extends`
    return locatePolicyErrors(octokit, location, (error as Error).message);
  }
  if (!merged.files.some((file) => file.config !== null)) return parsePolicy(undefined);
  const validated = validatePolicy(merged.config, POLICY_PATH);
  if (validated.ok) return validated;
  const located = await locatePolicyErrors(octokit, location, undefined);
  // the repository's own file may be valid while a file it extends is not
  return located.ok ? validated : located;
}

/** A 403 on the organisation's `.github` repository: the installation does not reach it (docs/install.md). */
function refusedOrganisationPolicy(error: unknown, owner: string): boolean {
  if (httpStatus(error) !== 403) return false;
  const url = (error as { request?: { url?: unknown } }).request?.url;
  return typeof url === "string" && url.includes(`/repos/${encodeURIComponent(owner)}/.github/`);
}

async function locatePolicyErrors(
  octokit: ProbotOctokit,
  location: PolicyLocation,
  pluginMessage: string | undefined,
): Promise<PolicyResult> {
  const text = await readRawPolicy(octokit, location);
  const parsed = text === undefined ? undefined : parsePolicy(text, POLICY_PATH);
  if (parsed && !parsed.ok) return parsed;
  if (pluginMessage === undefined) return parsed ?? parsePolicy(undefined);
  return { ok: false, errors: [{ path: POLICY_PATH, line: 1, message: stripPluginPrefix(pluginMessage) }] };
}

async function readRawPolicy(
  octokit: ProbotOctokit,
  { owner, repo, branch }: PolicyLocation,
): Promise<string | undefined> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: POLICY_PATH,
      ref: branch,
      mediaType: { format: "raw" },
    });
    if (typeof response.data !== "string")
      throw new CouldNotEvaluate(`${POLICY_PATH} of ${owner}/${repo} at ${branch} is not a file`);
    return response.data;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the policy ${POLICY_PATH}`, ref: branch });
  }
}

/**
 * Probot's `context.config` merge (deepmerge): files are given base-most first; objects
 * merge key by key, arrays are concatenated, a later scalar wins.
 */
export function mergeConfigs(configs: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  return configs.reduce<Record<string, unknown>>(
    (merged, next) => deepMerge(merged, next) as Record<string, unknown>,
    {},
  );
}

function deepMerge(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) return [...target, ...source];
  if (isPlainObject(target) && isPlainObject(source)) {
    const result: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(source)) {
      // defineProperty: a hostile `__proto__` key stays a plain key (and the schema rejects it)
      Object.defineProperty(result, key, {
        value: Object.hasOwn(result, key) ? deepMerge(result[key], value) : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return source;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stripPluginPrefix(message: string): string {
  return message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, "");
}

/**
 * The policy as a commit would put it in force — only for describing a proposed policy
 * (the `modelgate / policy` check); a change is always judged by readBasePolicy.
 */
export function readPolicyAtCommit(
  octokit: ProbotOctokit,
  { owner, repo, commit }: { owner: string; repo: string; commit: string },
): Promise<PolicyResult> {
  return readBasePolicy(octokit, { owner, repo, branch: commit });
}
