import { CHANGE_KINDS, type ChangeKind, type Policy } from "../policy/schema.js";
import type { Snapshot } from "./snapshot.js";
import type { FileError } from "../yaml/load-yaml.js";
import { globMatcher } from "../policy/glob.js";
import { compareSemver } from "../manifest/semver.js";
import { componentRepoPath, loadManifest, type LoadedManifest } from "../manifest/load-manifest.js";
import { componentId, isFileComponent, type Component, type Manifest } from "../manifest/schema.js";
import type { Finding, ModelChange } from "./types.js";
import { canonical, sameCanonical } from "./canonical.js";
import { compareCodeUnits } from "../compare-code-units.js";

export interface DetectedChanges {
  /** One entry per model that differs, sorted by name. */
  changes: ModelChange[];
  /** Manifests at head that could not be read or validated (the change fails closed). */
  errors: FileError[];
  /** Every valid manifest at each end (used to know which files are declared). */
  models: { base: LoadedManifest[]; head: LoadedManifest[] };
}

/** Parses one manifest file; detectChanges caches by default, a caller holding many versions can bring its own cache. */
export type ManifestLoader = (path: string, text: string) => ReturnType<typeof loadManifest>;

/** docs/architecture.md "Change kinds and version rules": which models changed between two commits, how, and which version rules they break. */
export function detectChanges(
  policy: Policy,
  base: Snapshot,
  head: Snapshot,
  load: ManifestLoader = loadManifestCached,
): DetectedChanges {
  const isManifest = globMatcher(policy.models.manifests);
  const atBase = loadManifestsAt(base, isManifest, load);
  const atHead = loadManifestsAt(head, isManifest, load);
  // a manifest that is broken at base only is judged as absent there: head is then a new model
  const errors = [...atHead.errors];

  const headByName = new Map<string, LoadedManifest>();
  for (const loaded of atHead.loaded) {
    const first = headByName.get(loaded.manifest.name);
    if (first) {
      errors.push({
        path: loaded.path,
        line: loaded.lineOf(["name"]),
        message: `model name "${loaded.manifest.name}" is already used by ${first.path}: a model name is unique in the repository`,
      });
    } else {
      headByName.set(loaded.manifest.name, loaded);
    }
  }
  const baseByName = new Map<string, LoadedManifest[]>();
  for (const loaded of atBase.loaded) {
    const list = baseByName.get(loaded.manifest.name) ?? [];
    list.push(loaded);
    baseByName.set(loaded.manifest.name, list);
  }

  const headByPath = new Map(atHead.loaded.map((l) => [l.path, l]));
  const changes: ModelChange[] = [];
  for (const [name, after] of headByName) {
    const candidates = baseByName.get(name);
    const before = candidates?.find((c) => c.path === after.path) ?? candidates?.[0];
    const change = before ? compareModel(base, head, before, after) : newModel(after);
    if (change) changes.push(change);
  }
  for (const [name, candidates] of baseByName) {
    if (headByName.has(name)) continue;
    const before = candidates[0];
    if (!before) continue;
    // its manifest is still there but unreadable at head: that error already fails the change
    if (atHead.failedPaths.has(before.path)) continue;
    const replacement = headByPath.get(before.path);
    changes.push(deletedModel(before, replacement));
  }
  changes.sort((a, b) => compareCodeUnits(a.name, b.name));
  return { changes, errors, models: { base: atBase.loaded, head: atHead.loaded } };
}

/** The component kinds whose change is a retraining; every other artefact is configuration. */
const RETRAIN_COMPONENTS: ReadonlySet<Component["kind"]> = new Set(["weights", "tokenizer", "code", "other"]);

function artefactKind(component: Component): ChangeKind {
  return RETRAIN_COMPONENTS.has(component.kind) ? "retrain" : "configuration";
}

interface LoadedAtEnd {
  loaded: LoadedManifest[];
  errors: FileError[];
  failedPaths: Set<string>;
}

function loadManifestsAt(snapshot: Snapshot, isManifest: (path: string) => boolean, load: ManifestLoader): LoadedAtEnd {
  const result: LoadedAtEnd = { loaded: [], errors: [], failedPaths: new Set() };
  const paths = [...snapshot.entries.keys()].filter((p) => isManifest(p)).sort();
  for (const path of paths) {
    const content = snapshot.contents.get(path);
    let failure: FileError[] | undefined;
    if (!content) failure = [{ path, line: 1, message: "manifest could not be read: it was not fetched" }];
    else if (content.kind === "unreadable")
      failure = [{ path, line: 1, message: `manifest could not be read: ${content.reason}` }];
    else if (content.kind === "binary")
      failure = [{ path, line: 1, message: "manifest could not be read: it is not UTF-8 text" }];
    else {
      const parsed = load(path, content.text);
      if (parsed.ok) result.loaded.push(parsed.loaded);
      else failure = parsed.errors;
    }
    if (failure) {
      result.errors.push(...failure);
      result.failedPaths.add(path);
    }
  }
  return result;
}

// The edges call plannedReads (up to 3 rounds) and then evaluateGate on the same manifests: parse each
// once. A parsed manifest holds ~17x its text in memory, so the cache is bounded by text size.
const CACHE_TEXT_BUDGET = 4 * 1024 * 1024;
const CACHE_MAX_TEXT = 256 * 1024;
const manifestCache = new Map<string, ReturnType<typeof loadManifest>>();
let cachedTextLength = 0;

function loadManifestCached(path: string, text: string): ReturnType<typeof loadManifest> {
  const key = `${path}\0${text}`;
  const cached = manifestCache.get(key);
  if (cached) return cached;
  const parsed = loadManifest(path, text);
  if (text.length <= CACHE_MAX_TEXT) {
    if (cachedTextLength + key.length > CACHE_TEXT_BUDGET) {
      manifestCache.clear();
      cachedTextLength = 0;
    }
    manifestCache.set(key, parsed);
    cachedTextLength += key.length;
  }
  return parsed;
}

function newModel(after: LoadedManifest): ModelChange {
  return {
    name: after.manifest.name,
    manifestPath: after.path,
    head: after,
    kinds: ["new_model"],
    toVersion: after.manifest.version,
    digest: after.digest,
    changedComponents: after.manifest.components.map(componentId).sort(),
    findings: [],
  };
}

function deletedModel(before: LoadedManifest, replacement: LoadedManifest | undefined): ModelChange {
  const findings: Finding[] = [];
  if (before.manifest.status !== "decommissioned") {
    const what = replacement
      ? `model "${before.manifest.name}" is no longer declared (${before.path} now declares "${replacement.manifest.name}")`
      : `the manifest of model "${before.manifest.name}" was deleted`;
    findings.push({
      id: "manifest.deleted_without_decommission",
      message: `${what} while its status was ${before.manifest.status}: first set status: decommissioned and merge that, so its end of life is handled, then remove it`,
      provision: "5.5.1-1",
      path: before.path,
      line: before.lineOf(["status"]),
    });
  }
  return {
    name: before.manifest.name,
    manifestPath: before.path,
    base: before,
    kinds: ["decommission"],
    fromVersion: before.manifest.version,
    digest: before.digest,
    changedComponents: before.manifest.components.map(componentId).sort(),
    findings,
  };
}

function compareModel(
  base: Snapshot,
  head: Snapshot,
  before: LoadedManifest,
  after: LoadedManifest,
): ModelChange | undefined {
  const kinds = new Set<ChangeKind>();
  const b = before.manifest;
  const a = after.manifest;
  const decommissioning = a.status === "decommissioned" && b.status !== "decommissioned";
  if (decommissioning) kinds.add("decommission");

  const baseComponents = byId(b.components);
  const headComponents = byId(a.components);
  const changedComponents: string[] = [];
  const disposed: string[] = [];
  const unchangedHashes: Array<{ id: string; index: number }> = [];
  for (const id of [...new Set([...baseComponents.keys(), ...headComponents.keys()])].sort()) {
    const was = baseComponents.get(id);
    const is = headComponents.get(id);
    if (!componentChanged(base, head, before.path, after.path, was, is)) continue;
    // removing an artefact (or deleting its file) while decommissioning is disposal, not a retraining
    if (a.status === "decommissioned" && was && (!is || !fileExists(head, after.path, is))) {
      disposed.push(id);
      continue;
    }
    changedComponents.push(id);
    for (const c of [was, is]) if (c) kinds.add(artefactKind(c));
    // the file changed, its declared hash did not: unverified, it would keep the old digest and the old sign-offs
    if (was && is && was.sha256 === is.sha256 && is.verified === false && isFileComponent(is))
      unchangedHashes.push({ id, index: a.components.indexOf(is) });
  }
  const modalitiesChanged = !sameSet(b.modalities, a.modalities);
  if (modalitiesChanged) kinds.add("configuration");
  // how the model is served (exposure, rate limit, authentication, permissions) is configuration (docs/governance.md)
  const servingChanged = canonical(b.serving ?? null) !== canonical(a.serving ?? null);
  if (servingChanged) kinds.add("configuration");
  const trainingDataChanged = !sameMultiset(b.training_data.map(canonical), a.training_data.map(canonical));
  if (trainingDataChanged) kinds.add("training_data");
  const artefactChanged = kinds.has("retrain") || kinds.has("configuration") || kinds.has("training_data");
  if (a.version !== b.version && !artefactChanged) kinds.add("version_bump");

  // anything the kinds above do not explain is metadata
  const explained = new Map(baseComponents);
  for (const id of decommissioning ? [...changedComponents, ...disposed] : changedComponents) {
    const is = headComponents.get(id);
    if (is) explained.set(id, is);
    else explained.delete(id);
  }
  const explainedBase: Manifest = {
    ...b,
    version: a.version,
    status: decommissioning ? a.status : b.status,
    modalities: modalitiesChanged ? a.modalities : b.modalities,
    serving: servingChanged ? a.serving : b.serving,
    training_data: trainingDataChanged ? a.training_data : b.training_data,
    // new evaluation records are the evidence the other kinds' gates ask for; alone they are metadata
    evaluations: kinds.size > 0 ? a.evaluations : b.evaluations,
    components: sortedComponents(explained),
  };
  if (!sameCanonical(explainedBase, { ...a, components: sortedComponents(headComponents) })) kinds.add("metadata");

  if (kinds.size === 0) return undefined;
  const orderedKinds = CHANGE_KINDS.filter((k) => kinds.has(k));
  return {
    name: a.name,
    manifestPath: after.path,
    base: before,
    head: after,
    kinds: orderedKinds,
    fromVersion: b.version,
    toVersion: a.version,
    digest: after.digest,
    changedComponents,
    findings: [
      ...versionFindings(before, after, orderedKinds, artefactChanged),
      ...unchangedHashes.map(({ id, index }) => ({
        id: "component.hash_unchanged",
        message: `${id} changed but its declared sha256 did not: new artefacts are a new digest, so declare the sha256 of what it holds now (it is not verified, so modelgate cannot tell the old content from the new)`,
        provision: "5.2.4-1.2, 5.4.1-2",
        path: after.path,
        line: after.lineOf(["components", index, "sha256"]),
      })),
    ],
  };
}

function versionFindings(
  before: LoadedManifest,
  after: LoadedManifest,
  kinds: ChangeKind[],
  artefactChanged: boolean,
): Finding[] {
  const from = before.manifest.version;
  const to = after.manifest.version;
  const order = compareSemver(to, from);
  const at = { path: after.path, line: after.lineOf(["version"]), provision: "5.4.1-2" };
  if (order < 0) {
    return [
      {
        id: "version.not_lowered",
        message: `version ${to} is lower than ${from}: a model version is never lowered; use a version above ${from}`,
        ...at,
      },
    ];
  }
  if (order === 0 && artefactChanged) {
    const what = kinds.filter((k) => k === "retrain" || k === "configuration" || k === "training_data").join(", ");
    return [
      {
        id: "version.raised",
        message: `a retrained model is a new version: ${what} changed but the version stays ${to}; raise it above ${from}`,
        ...at,
      },
    ];
  }
  return [];
}

function componentChanged(
  base: Snapshot,
  head: Snapshot,
  basePath: string,
  headPath: string,
  was: Component | undefined,
  is: Component | undefined,
): boolean {
  if (!was || !is) return true;
  if (was.sha256 !== is.sha256) return true;
  if (isFileComponent(was) !== isFileComponent(is)) return true;
  if (isFileComponent(was) && isFileComponent(is)) {
    // the file itself changed even if its declared hash did not: hash verification will tell
    const before = componentContent(base, basePath, componentRepoPath(basePath, was));
    const after = componentContent(head, headPath, componentRepoPath(headPath, is));
    return before !== after;
  }
  return false;
}

/**
 * What a component path holds at one commit: its blob, or — for a component that names a folder
 * (docs/cli.md "Declared": it declares every file in it) — every blob under it, so that a file
 * changed or added in the folder is a change of the model and not an invisible one.
 */
function componentContent(snapshot: Snapshot, manifestPath: string, repoPath: string): string | undefined {
  const entry = snapshot.entries.get(repoPath);
  if (entry) return entry.blobSha;
  const inFolder = pathsUnder(snapshot, repoPath).filter((path) => path !== manifestPath);
  if (inFolder.length === 0) return undefined;
  return inFolder
    .map((path) => `${snapshot.entries.get(path)?.blobSha ?? ""} ${path.slice(repoPath.length + 1)}`)
    .join("\n");
}

const sortedPathsCache = new WeakMap<Snapshot["entries"], string[]>();

/** The paths under `folder/`, found by binary search in the sorted paths (paths with a prefix are contiguous). */
export function pathsUnder(snapshot: Snapshot, folder: string): string[] {
  let sorted = sortedPathsCache.get(snapshot.entries);
  if (!sorted) {
    sorted = [...snapshot.entries.keys()].sort();
    sortedPathsCache.set(snapshot.entries, sorted);
  }
  const prefix = `${folder}/`;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? "") < prefix) low = middle + 1;
    else high = middle;
  }
  const paths: string[] = [];
  for (let i = low; i < sorted.length && (sorted[i] ?? "").startsWith(prefix); i++) paths.push(sorted[i] ?? "");
  return paths;
}

function fileExists(head: Snapshot, manifestPath: string, component: Component): boolean {
  return !isFileComponent(component) || head.entries.has(componentRepoPath(manifestPath, component));
}

function byId(components: ReadonlyArray<Component>): Map<string, Component> {
  return new Map(components.map((c) => [componentId(c), c]));
}

function sortedComponents(components: ReadonlyMap<string, Component>): Component[] {
  return [...components.entries()].sort(([x], [y]) => compareCodeUnits(x, y)).map(([, c]) => c);
}

function sameSet(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}
