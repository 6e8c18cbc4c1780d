import { posix } from "node:path";
import { MAX_HASHED_FILE_BYTES, type Snapshot } from "../../detect/snapshot.js";
import { parseLfsPointer } from "../../manifest/lfs-pointer.js";
import { componentRepoPath, type LoadedManifest } from "../../manifest/load-manifest.js";
import { isFileComponent, type FileComponent } from "../../manifest/schema.js";
import type { FormatException } from "../../manifest/format-exception-schema.js";
import type { Policy } from "../../policy/schema.js";
import type { Requirement } from "../../evaluate/types.js";
import { folderFiles, MAX_FOLDER_FILES } from "../../evaluate/hash-requirements.js";
import { bufferSource } from "./byte-source.js";
import { scanFormat, type FormatScan } from "./scan.js";

const PROVISION = "5.2.3-1, 5.2.4-1.2";
const EXCEPTION_PROVISION = "5.2.3-1, 5.2.3-2";
const SYMLINK_MODE = "120000";

/** What an edge learnt of a file the snapshot holds no bytes of (a checked-out Git LFS object): its scan, or why there is none. */
export type FormatFact =
  | { scan: FormatScan }
  /** `failsClosed`: an object the edge tried to read and could not (the app's LFS range reads): never met under `fail`. */
  | { notScanned: string; failsClosed?: boolean };
/** Scans by repository path, made by the edges that can read more than the snapshot holds (CLI, Action). */
export type FormatFacts = ReadonlyMap<string, FormatFact>;

/**
 * Names a file that is not read may carry a pickle under: such a file is presumed unsafe until it is
 * scanned (names never make a file safe; they only keep an unread one from passing).
 */
const PICKLE_CAPABLE =
  /\.(pt|pth|bin|ckpt|pkl|pickle|joblib|dill|npy|npz|keras|h5|hdf5|mar|jit|ptl|torchscript|model|sav)$/i;

/**
 * `format:<component path>` (docs/supply-chain.md "Unsafe serialisation"): every file component of a
 * model that moves forward is classified by its bytes; one whose loading could run code fails (or
 * warns), unless the manifest declares a current exception for it.
 */
export function formatRequirements(
  policy: Policy,
  loaded: LoadedManifest,
  head: Snapshot,
  now: Date,
  facts: FormatFacts = new Map(),
): Requirement[] {
  const level = policy.supply_chain.formats;
  if (level === "off") return [];
  const requirements: Requirement[] = [];
  loaded.manifest.components.forEach((component, index) => {
    if (!isFileComponent(component)) return;
    const repoPath = componentRepoPath(loaded.path, component);
    const at = { path: loaded.path, line: loaded.lineOf(["components", index, "path"]) };
    const judged = judgeComponent(loaded.path, repoPath, head, facts);
    requirements.push({
      id: `format:${component.path}`,
      ...decide(level, repoPath, component, judged, now),
      ...at,
    });
  });
  return requirements;
}

interface Judged {
  formats: string[];
  unsafe: string[];
  notScanned: string[];
  notes: string[];
  /** A Git LFS object among the files not scanned that the edge could not read (failsClosed). */
  unreadLfs: boolean;
}

function decide(
  level: "fail" | "warn",
  repoPath: string,
  component: FileComponent,
  judged: Judged,
  now: Date,
): Pick<Requirement, "status" | "message" | "provision"> {
  const what = judged.formats.length > 0 ? `${repoPath} (${[...new Set(judged.formats)].join(", ")})` : repoPath;
  if (judged.unsafe.length === 0 && judged.notScanned.length === 0) {
    const notes = judged.notes.length > 0 ? `; ${judged.notes.join("; ")}` : "";
    return { status: "met", message: `${what}: no code runs when it is loaded${notes}`, provision: PROVISION };
  }
  const found = [...judged.unsafe, ...judged.notScanned].join("; ");
  const exception = component.format_exception;
  if (exception && isCurrent(exception, now)) {
    return {
      status: "met",
      message: `exception until ${exception.expires}: ${exception.justification} (${what}: ${found})`,
      provision: EXCEPTION_PROVISION,
    };
  }
  const expired = exception ? ` (its format_exception expired on ${exception.expires})` : "";
  if (judged.unsafe.length === 0) {
    // an LFS object is the artefact itself: one that could not be read fails closed, whatever its name
    if (level === "fail" && judged.unreadLfs)
      return {
        status: "failed",
        message: `${what}: not scanned: ${found}${expired}: a Git LFS object that is not read never passes (docs/supply-chain.md); make it readable, or declare a format_exception with a justification and an expiry date`,
        provision: PROVISION,
      };
    // nothing unsafe was seen, but nothing safe either: said as such, never as safe
    return { status: "met", message: `${what}: not scanned: ${found}`, provision: PROVISION };
  }
  const fix =
    "store it as safetensors (or another format that holds no code), or declare a format_exception with a justification and an expiry date";
  if (level === "warn")
    return {
      status: "met",
      message: `warning: ${what} can run code when loaded: ${found}${expired}`,
      provision: PROVISION,
    };
  return {
    status: "failed",
    message: `${what} can run code when loaded: ${found}${expired}: ${fix}`,
    provision: PROVISION,
  };
}

/**
 * The Git LFS objects whose bytes the format requirement would judge (file components of the models
 * that move forward, and the files of folder components): an edge that can read LFS content (the CLI,
 * the Action) scans these and hands the scans in as FormatFacts.
 */
export function lfsObjectsToScan(
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): Array<{ path: string; oid: string; size: number }> {
  return judgedLfsPointers(policy, changes, head)
    .filter(({ extensions }) => extensions === 0)
    .map(({ path, oid, size }) => ({ path, oid, size }));
}

/**
 * The judged LFS files whose pointer names extensions (`ext-…`, content transformed on checkout): no
 * edge reads them. The app, which reads every other LFS object, reports these as not read (fails closed).
 */
export function lfsPointersWithExtensions(
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): string[] {
  return judgedLfsPointers(policy, changes, head)
    .filter(({ extensions }) => extensions > 0)
    .map(({ path }) => path);
}

function judgedLfsPointers(
  policy: Policy,
  changes: ReadonlyArray<{ head?: LoadedManifest | undefined }>,
  head: Snapshot,
): Array<{ path: string; oid: string; size: number; extensions: number }> {
  if (policy.supply_chain.formats === "off") return [];
  const objects = new Map<string, { path: string; oid: string; size: number; extensions: number }>();
  for (const change of changes) {
    const loaded = change.head;
    if (!loaded || loaded.manifest.status === "decommissioned") continue;
    for (const component of loaded.manifest.components) {
      if (!isFileComponent(component)) continue;
      const repoPath = componentRepoPath(loaded.path, component);
      const files = head.entries.has(repoPath) ? [repoPath] : folderFiles(head, loaded.path, repoPath);
      for (const path of files.slice(0, MAX_FOLDER_FILES)) {
        const content = head.contents.get(path);
        const pointer = content?.kind === "text" ? parseLfsPointer(content.text) : undefined;
        if (pointer)
          objects.set(path, { path, oid: pointer.oid, size: pointer.size, extensions: pointer.extensions.length });
      }
    }
  }
  return [...objects.values()];
}

/** An exception counts through its expiry date (UTC), and not after. */
export function isCurrent(exception: FormatException, now: Date): boolean {
  return now.toISOString().slice(0, 10) <= exception.expires;
}

function judgeComponent(manifestPath: string, repoPath: string, head: Snapshot, facts: FormatFacts): Judged {
  const judged: Judged = { formats: [], unsafe: [], notScanned: [], notes: [], unreadLfs: false };
  let files = [repoPath];
  if (!head.entries.has(repoPath)) {
    files = folderFiles(head, manifestPath, repoPath);
    if (files.length === 0) {
      judged.notScanned.push("missing");
      return judged;
    }
    if (files.length > MAX_FOLDER_FILES) {
      judged.unsafe.push(`a folder of ${files.length} files, more than ${MAX_FOLDER_FILES} are not scanned`);
      return judged;
    }
  }
  const manifestDir = posix.dirname(manifestPath);
  for (const path of files) {
    const label = path === repoPath ? "" : `${path.slice(repoPath.length + 1)}: `;
    const fact = fileFact(head, path, facts);
    if ("notScanned" in fact) {
      const reason = `${label}${fact.notScanned}`;
      // an unread file named as a pickle container is presumed to be one: unread is never safe
      if (PICKLE_CAPABLE.test(path)) judged.unsafe.push(`${reason}, and its name says it may hold a pickle`);
      else judged.notScanned.push(reason);
      if (fact.failsClosed) judged.unreadLfs = true;
      continue;
    }
    const scan = fact.scan;
    judged.formats.push(scan.format);
    for (const finding of scan.unsafe)
      judged.unsafe.push(`${label}${finding.message}${finding.member ? ` in ${finding.member}` : ""}`);
    for (const note of scan.notes) if (!note.includes(": ")) judged.notes.push(`${label}${note}`);
    for (const note of scan.notes) if (note.startsWith("custom operator")) judged.notes.push(`${label}${note}`);
    for (const location of scan.externalData) {
      const problem = externalDataProblem(head, manifestDir, path, location);
      if (problem) judged.unsafe.push(`${label}${problem}`);
      else judged.notes.push(`${label}external data ${location}`);
    }
  }
  return judged;
}

function fileFact(head: Snapshot, path: string, facts: FormatFacts): FormatFact {
  const entry = head.entries.get(path);
  if (entry?.mode === SYMLINK_MODE) return { notScanned: "a symbolic link, not the artefact" };
  const given = facts.get(path);
  if (given) return given;
  const content = head.contents.get(path);
  if (!content) {
    if (entry?.size !== undefined && entry.size > MAX_HASHED_FILE_BYTES)
      return { notScanned: `too large to read from git (${entry.size} bytes)` };
    return { notScanned: "was not read" };
  }
  if (content.kind === "unreadable") return { notScanned: `could not be read (${content.reason})` };
  if (content.kind === "binary") {
    if (!content.bytes) return { notScanned: "was not read" };
    return { scan: scanFormat(bufferSource(content.bytes)) };
  }
  if (parseLfsPointer(content.text)) return { notScanned: "a Git LFS object whose content was not read" };
  return { scan: scanFormat(bufferSource(Buffer.from(content.text, "utf8"))) };
}

/**
 * Where an ONNX tensor's external data lives must stay inside the model's folder (the manifest's):
 * no absolute path, no `..` out of it, no symbolic link on the way.
 */
function externalDataProblem(
  head: Snapshot,
  manifestDir: string,
  onnxPath: string,
  location: string,
): string | undefined {
  const quoted = JSON.stringify(location);
  if (location === "" || /[\u0000-\u001f\\]/.test(location) || location.startsWith("/") || /^[A-Za-z]:/.test(location))
    return `external data ${quoted} is not a plain relative path`;
  if (location.split("/").includes("..")) return `external data ${quoted} climbs out with ..`;
  const resolved = posix.normalize(posix.join(posix.dirname(onnxPath), location));
  const inside =
    manifestDir === "." ? !resolved.startsWith("../") && resolved !== ".." : resolved.startsWith(`${manifestDir}/`);
  if (!inside) return `external data ${quoted} leaves the model's folder`;
  const parts = resolved.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (head.entries.get(prefix)?.mode === SYMLINK_MODE)
      return `external data ${quoted} goes through the symbolic link ${prefix}`;
  }
  return undefined;
}

/**
 * The format finding of each component a decision judged, by repository path: what the release's
 * ML-BOM records (`modelgate:format`), e.g. "met: … (safetensors): no code runs when it is loaded".
 */
export function formatsOfDecision(
  models: ReadonlyArray<{ manifestPath: string; requirements: ReadonlyArray<Requirement> }>,
): Map<string, string> {
  const formats = new Map<string, string>();
  for (const model of models) {
    for (const requirement of model.requirements) {
      if (!requirement.id.startsWith("format:")) continue;
      const path = posix.join(posix.dirname(model.manifestPath), requirement.id.slice("format:".length));
      formats.set(path, `${requirement.status}: ${requirement.message}`);
    }
  }
  return formats;
}
