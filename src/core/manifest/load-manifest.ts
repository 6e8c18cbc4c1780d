import { posix } from "node:path";
import { loadYaml, DEFAULT_YAML_LIMITS, type FileError, type YamlLimits, type YamlPath } from "../yaml/load-yaml.js";
import { zodIssuesToFileErrors } from "../yaml/zod-errors.js";
import { manifestSchema, type Manifest, type Component } from "./schema.js";
import { modelDigest } from "./digest.js";

/** A valid manifest as found at one commit. */
export interface LoadedManifest {
  /** Repository path of the manifest file. */
  path: string;
  manifest: Manifest;
  digest: string;
  /** Line of a field in the manifest file, for annotations. */
  lineOf(field: YamlPath): number;
}

export type ManifestResult = { ok: true; loaded: LoadedManifest } | { ok: false; errors: FileError[] };

export function loadManifest(path: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): ManifestResult {
  const parsed = loadYaml(path, text, limits);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const result = manifestSchema.safeParse(parsed.yaml.value);
  if (!result.success)
    return { ok: false, errors: zodIssuesToFileErrors(result.error.issues, path, parsed.yaml.lineOf) };
  return {
    ok: true,
    loaded: { path, manifest: result.data, digest: modelDigest(result.data.components), lineOf: parsed.yaml.lineOf },
  };
}

/** Repository path of a component file: components are relative to their manifest. */
export function componentRepoPath(manifestPath: string, component: Extract<Component, { path: string }>): string {
  const dir = posix.dirname(manifestPath);
  // the usual case, asked for every component of every version: nothing for normalize to do
  if (isNormalPath(component.path) && (dir === "." || isNormalPath(dir)))
    return dir === "." ? component.path : `${dir}/${component.path}`;
  return posix.normalize(posix.join(dir, component.path));
}

/** A relative path that posix.normalize leaves as it is: no empty, "." or ".." segment, no leading or trailing "/". */
function isNormalPath(path: string): boolean {
  return path !== "" && !path.startsWith("/") && !path.endsWith("/") && !path.includes("//") && !ODD_SEGMENT.test(path);
}
const ODD_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;
