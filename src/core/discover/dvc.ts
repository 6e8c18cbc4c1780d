import { posix } from "node:path";
import type { FileContent } from "../detect/snapshot.js";
import { loadYaml } from "../yaml/load-yaml.js";

export type DvcFileKind = "dvc.yaml" | "dvc.lock" | ".dvc";

/** The DVC files discovery reads: pipeline (dvc.yaml), its lock (dvc.lock) and tracked-file stubs (*.dvc). */
export function dvcFileKind(path: string): DvcFileKind | undefined {
  const name = posix.basename(path);
  if (name === "dvc.yaml") return "dvc.yaml";
  if (name === "dvc.lock") return "dvc.lock";
  // `.dvc` alone is DVC's own config folder, never a blob; `x.dvc` tracks `x`
  if (name.endsWith(".dvc") && name !== ".dvc") return ".dvc";
  return undefined;
}

/** One output a DVC file tracks, by repository path. */
export interface DvcOut {
  path: string;
  /** Content hash DVC recorded (md5, or etag/checksum/version_id for cloud outputs). */
  hash?: string;
  /** `type:` of the output (DVC allows `type: model` on .dvc outs). */
  type?: string;
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parsed YAML of a DVC file, or undefined when it was not read, is not text, or is not valid YAML. */
function parseDvcFile(path: string, content: FileContent | undefined): Mapping | undefined {
  if (content?.kind !== "text") return undefined;
  const parsed = loadYaml(path, content.text);
  if (!parsed.ok) return undefined;
  if (parsed.yaml.value === null || parsed.yaml.value === undefined) return {};
  return isMapping(parsed.yaml.value) ? parsed.yaml.value : undefined;
}

/** DVC paths are relative to the folder of the file that names them. */
export function resolveDvcPath(dvcFile: string, path: string): string {
  if (path.includes("://") || path.startsWith("/")) return path;
  const joined = posix.normalize(posix.join(posix.dirname(dvcFile), path));
  return joined.endsWith("/") && joined.length > 1 ? joined.slice(0, -1) : joined;
}

/** Repository paths of the `artifacts` of a dvc.yaml declared `type: model`; undefined = cannot tell. */
export function readDvcYamlModels(path: string, content: FileContent | undefined): string[] | undefined {
  const pipeline = parseDvcFile(path, content);
  if (!pipeline) return undefined;
  const artifacts = pipeline["artifacts"];
  if (artifacts === undefined || artifacts === null) return [];
  if (!isMapping(artifacts)) return undefined;
  const models: string[] = [];
  for (const artifact of Object.values(artifacts)) {
    if (!isMapping(artifact) || typeof artifact["path"] !== "string") return undefined;
    if (artifact["type"] === "model") models.push(resolveDvcPath(path, artifact["path"]));
  }
  return models;
}

/**
 * The outputs of a dvc.lock (every stage's `outs`, never its `deps`) or a .dvc file, keyed by
 * repository path; undefined = cannot tell (not read, not YAML, not DVC's shape).
 */
export function readDvcOuts(path: string, content: FileContent | undefined): Map<string, DvcOut> | undefined {
  const file = parseDvcFile(path, content);
  if (!file) return undefined;
  const outLists: unknown[] = [];
  if (dvcFileKind(path) === "dvc.lock") {
    // lock schema 2.0 nests stages under `stages`; the 1.0 lock lists them at the top level
    const stages =
      "stages" in file ? file["stages"] : Object.fromEntries(Object.entries(file).filter(([key]) => key !== "schema"));
    if (stages === null || stages === undefined) return new Map();
    if (!isMapping(stages)) return undefined;
    for (const stage of Object.values(stages)) {
      if (!isMapping(stage)) return undefined;
      outLists.push(stage["outs"]);
    }
  } else {
    outLists.push(file["outs"]);
  }
  const outs = new Map<string, DvcOut>();
  for (const list of outLists) {
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return undefined;
    for (const out of list) {
      if (!isMapping(out) || typeof out["path"] !== "string") return undefined;
      const repoPath = resolveDvcPath(path, out["path"]);
      const hash = [out["md5"], out["etag"], out["checksum"], out["version_id"]].find(
        (value) => typeof value === "string",
      ) as string | undefined;
      outs.set(repoPath, {
        path: repoPath,
        ...(hash !== undefined ? { hash } : {}),
        ...(typeof out["type"] === "string" ? { type: out["type"] } : {}),
      });
    }
  }
  return outs;
}
