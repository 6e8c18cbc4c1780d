import { loadYaml, type FileError, type YamlLimits, DEFAULT_YAML_LIMITS } from "../yaml/load-yaml.js";
import { zodIssuesToFileErrors } from "../yaml/zod-errors.js";
import { policySchema, defaultPolicy, type Policy } from "./schema.js";

export const POLICY_PATH = ".github/modelgate.yml";

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; errors: FileError[] };

/** Validates the text of a policy file; `undefined` text means no file: built-in defaults. */
export function parsePolicy(
  text: string | undefined,
  path = POLICY_PATH,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): PolicyResult {
  if (text === undefined) return { ok: true, policy: defaultPolicy() };
  const parsed = loadYaml(path, text, limits);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  return validatePolicy(parsed.yaml.value ?? {}, path, parsed.yaml.lineOf);
}

/** Validates an already-parsed policy object (e.g. one merged by Probot's config plugin). */
export function validatePolicy(
  value: unknown,
  path = POLICY_PATH,
  lineOf: (p: ReadonlyArray<string | number>) => number = () => 1,
): PolicyResult {
  const result = policySchema.safeParse(value ?? {});
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, errors: zodIssuesToFileErrors(result.error.issues, path, lineOf) };
}
