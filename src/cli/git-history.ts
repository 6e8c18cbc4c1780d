import type { HistoryStep, TagSnapshot } from "../core/audit/types.js";
import { detectChanges, type ManifestLoader } from "../core/detect/detect-changes.js";
import { evaluateGate } from "../core/evaluate/evaluate-gate.js";
import { SECURITY_POLICY_PATHS } from "../core/governance/disclosure.js";
import type { Requirement } from "../core/evaluate/types.js";
import { globMatcher } from "../core/policy/glob.js";
import { componentRepoPath, loadManifest, type LoadedManifest } from "../core/manifest/load-manifest.js";
import { isFileComponent } from "../core/manifest/schema.js";
import { parsePolicy, POLICY_PATH } from "../core/policy/load-policy.js";
import { defaultPolicy, type Policy } from "../core/policy/schema.js";
import { MAX_HASHED_FILE_BYTES, type FileContent, type TreeEntry } from "../core/detect/snapshot.js";
import { CliError } from "./cli-error.js";
import { readBlobContents, readContents, snapshotAt, type GitSnapshot } from "./git-snapshot.js";
import { runGit } from "./git.js";
import { compareCodeUnits } from "../core/compare-code-units.js";
import { offlineFacts } from "./offline-facts.js";

/**
 * A parser of manifests that parses each version once, for the history, the head and the tags
 * alike: the audit keeps every version it reports anyway, and parsing is most of its work.
 */
export function manifestLoader(): ManifestLoader {
  // keyed by path, then by the text itself: the texts come from the blob cache, so a lookup hashes
  // each text once (V8 keeps a string's hash) instead of a new path+text key per call
  const results = new Map<string, Map<string, ReturnType<typeof loadManifest>>>();
  return (path, text) => {
    let atPath = results.get(path);
    if (!atPath) {
      atPath = new Map();
      results.set(path, atPath);
    }
    let result = atPath.get(text);
    if (!result) {
      result = loadManifest(path, text);
      atPath.set(text, result);
    }
    return result;
  };
}

/** One commit of `git log --first-parent --raw`: what changed against its first parent. */
export interface LoggedCommit {
  commit: string;
  date: string;
  author: string;
  subject: string;
  changes: Array<{ path: string; mode: string; blobSha: string; status: string }>;
}

const ZERO_SHA = /^0+$/;

/**
 * The first-parent history of `commit`, oldest first, with every file each commit changed
 * (merges against their first parent: what landed on the branch). One git process.
 */
export async function logFirstParent(repo: string, commit: string): Promise<LoggedCommit[]> {
  const result = await runGit(repo, [
    "log",
    "--first-parent",
    "--reverse",
    "--no-renames",
    "--raw",
    "--no-abbrev",
    "-z",
    "--diff-merges=first-parent",
    "--root",
    "--format=%x01%H%x00%cI%x00%an%x00%s",
    commit,
    "--",
  ]);
  if (result.code !== 0) throw new CliError(`cannot read the history of ${commit}: ${result.stderr}`);
  return parseRawLog(result.stdout.toString("utf8"));
}

/** Parses the output of logFirstParent: `\x01<sha>\0<date>\0<author>\0<subject>\0` then `:<modes> <old> <new> <status>\0<path>\0` records. */
export function parseRawLog(output: string): LoggedCommit[] {
  const tokens = output.split("\0");
  const commits: LoggedCommit[] = [];
  let current: LoggedCommit | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = (tokens[i] ?? "").replace(/^\n+/, "");
    if (token.startsWith("\x01")) {
      current = {
        commit: token.slice(1),
        date: tokens[i + 1] ?? "",
        author: tokens[i + 2] ?? "",
        subject: tokens[i + 3] ?? "",
        changes: [],
      };
      commits.push(current);
      i += 3;
      continue;
    }
    if (token.startsWith(":") && current) {
      const [, newMode = "", , newSha = "", status = ""] = token.slice(1).split(" ");
      const path = tokens[i + 1] ?? "";
      i += 1;
      current.changes.push({ path, mode: newMode, blobSha: newSha, status: status.charAt(0) });
    }
  }
  return commits;
}

/** Sizes of blobs, from one `git cat-file --batch-check`. */
async function blobSizes(repo: string, shas: ReadonlyArray<string>): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (shas.length === 0) return sizes;
  const result = await runGit(repo, ["cat-file", "--batch-check", "--buffer"], shas.map((s) => `${s}\n`).join(""));
  if (result.code !== 0) throw new CliError(`cannot read blob sizes from git: ${result.stderr}`);
  for (const line of result.stdout.toString("utf8").split("\n")) {
    const [sha, type, size] = line.split(" ");
    if (sha && type === "blob" && size !== undefined) sizes.set(sha, Number(size));
  }
  return sizes;
}

/** Blob contents by sha, shared by the reads of one audit: a manifest version read for the history is not read again for a tag. */
export type BlobCache = Map<string, FileContent>;

/**
 * Text blobs by sha, read with one `git cat-file --batch` (small files only: manifests and policies); known ones come from `cache`.
 * `onRead` sees each blob read as it arrives, while git reads the next ones.
 */
async function readBlobs(
  repo: string,
  shas: ReadonlyArray<string>,
  cache: BlobCache = new Map(),
  onRead?: (sha: string, content: FileContent) => void,
): Promise<BlobCache> {
  const contents = cache;
  const distinct = [...new Set(shas)].filter((sha) => !cache.has(sha));
  if (distinct.length === 0) return contents;
  const sizes = await blobSizes(repo, distinct);
  const readable = distinct.filter((sha) => (sizes.get(sha) ?? Infinity) <= MAX_HASHED_FILE_BYTES);
  const readableSet = new Set(readable);
  for (const sha of distinct)
    if (!readableSet.has(sha))
      contents.set(sha, {
        kind: "unreadable",
        reason: sizes.has(sha) ? `too large (${sizes.get(sha)} bytes)` : "missing from the git object database",
      });
  await readBlobContents(repo, readable, (sha, content) => {
    contents.set(sha, content);
    onRead?.(sha, content);
  });
  return contents;
}

interface PolicyState {
  policy: Policy;
  error?: string;
  isManifest: (path: string) => boolean;
}

/**
 * Every model change of the first-parent history of `commit`, each judged as the pull-request
 * gate judges a change (evaluateGate, the policy of the commit before it, approvals offline,
 * evaluation age at the commit's date). Component files are read as the gate reads them
 * (plannedReads), all steps together: one git process per read round, not one per commit.
 */
export async function readModelHistory(
  repo: string,
  commit: string,
  load: ManifestLoader = manifestLoader(),
  blobs: BlobCache = new Map(),
  log?: ReadonlyArray<LoggedCommit>,
): Promise<HistoryStep[]> {
  log ??= await logFirstParent(repo, commit);

  // policies first: which files are manifests depends on the policy in force
  const policyShas = log.flatMap((c) =>
    c.changes.filter((ch) => ch.path === POLICY_PATH && !ZERO_SHA.test(ch.blobSha)).map((ch) => ch.blobSha),
  );
  const policyTexts = await readBlobs(repo, policyShas);
  const policies = new Map<string, PolicyState>();
  const defaults: PolicyState = { policy: defaultPolicy(), isManifest: globMatcher(defaultPolicy().models.manifests) };
  const policyOf = (sha: string | undefined): PolicyState => {
    if (sha === undefined) return defaults;
    let state = policies.get(sha);
    if (!state) {
      const content = policyTexts.get(sha);
      const parsed = content?.kind === "text" ? parsePolicy(content.text, POLICY_PATH) : undefined;
      state = parsed?.ok
        ? { policy: parsed.policy, isManifest: globMatcher(parsed.policy.models.manifests) }
        : {
            ...defaults,
            error:
              parsed && !parsed.ok
                ? parsed.errors.map((e) => `${e.path}:${e.line}: ${e.message}`).join("; ")
                : `${POLICY_PATH} could not be read`,
          };
      policies.set(sha, state);
    }
    return state;
  };

  // replay 1: the manifest blobs of every step, at both ends
  const tree = new Map<string, TreeEntry>();
  const manifestShas = new Map<string, string>(); // blob -> the first path it is a manifest at
  const apply = (c: LoggedCommit): void => {
    for (const ch of c.changes) {
      if (ch.status === "D" || ZERO_SHA.test(ch.blobSha)) tree.delete(ch.path);
      else tree.set(ch.path, { path: ch.path, blobSha: ch.blobSha, mode: ch.mode });
    }
  };
  for (const c of log) {
    const { isManifest } = policyOf(tree.get(POLICY_PATH)?.blobSha);
    for (const ch of c.changes) {
      if (!isManifest(ch.path)) continue;
      const before = tree.get(ch.path);
      if (before && !manifestShas.has(before.blobSha)) manifestShas.set(before.blobSha, ch.path);
      if (!ZERO_SHA.test(ch.blobSha) && !manifestShas.has(ch.blobSha)) manifestShas.set(ch.blobSha, ch.path);
    }
    apply(c);
  }
  // parsed as git writes them (the replay below asks for them again, at those paths: the loader has them)
  const manifestTexts = await readBlobs(repo, [...manifestShas.keys()], blobs, (sha, content) => {
    const path = manifestShas.get(sha);
    if (path !== undefined && content.kind === "text") load(path, content.text);
  });
  const manifestAt = (path: string, sha: string): LoadedManifest | undefined => {
    const content = manifestTexts.get(sha);
    if (content?.kind !== "text") return undefined;
    const result = load(path, content.text);
    return result.ok ? result.loaded : undefined;
  };

  // replay 2: one pair of small snapshots per step, holding the manifests it touches and their components
  tree.clear();
  const owners = new Map<string, Set<string>>(); // component repo path -> manifest paths declaring it
  const declare = (manifestPath: string, loaded: LoadedManifest | undefined, add: boolean): void => {
    for (const component of loaded?.manifest.components ?? []) {
      if (!isFileComponent(component)) continue;
      const path = componentRepoPath(manifestPath, component);
      const set = owners.get(path) ?? new Set<string>();
      if (add) set.add(manifestPath);
      else set.delete(manifestPath);
      owners.set(path, set);
    }
  };
  interface Pending {
    logged: LoggedCommit;
    state: PolicyState;
    base: GitSnapshot;
    head: GitSnapshot;
  }
  const pending: Pending[] = [];
  for (const c of log) {
    const state = policyOf(tree.get(POLICY_PATH)?.blobSha);
    const touched = new Set<string>();
    for (const ch of c.changes) {
      if (state.isManifest(ch.path)) touched.add(ch.path);
      for (const owner of owners.get(ch.path) ?? []) touched.add(owner);
      // a file under a folder component
      for (let slash = ch.path.lastIndexOf("/"); slash > 0; slash = ch.path.lastIndexOf("/", slash - 1)) {
        for (const owner of owners.get(ch.path.slice(0, slash)) ?? []) touched.add(owner);
      }
    }
    const base =
      touched.size > 0 ? miniSnapshot("", tree, touched, manifestAt, (sha) => manifestTexts.get(sha)) : undefined;
    // the manifests leave or join the declarations as the commit lands
    for (const path of touched) {
      const entry = tree.get(path);
      if (entry) declare(path, manifestAt(path, entry.blobSha), false);
    }
    apply(c);
    for (const path of touched) {
      const entry = tree.get(path);
      if (entry && state.isManifest(path)) declare(path, manifestAt(path, entry.blobSha), true);
    }
    if (!base) continue;
    const head = miniSnapshot(c.commit, tree, touched, manifestAt, (sha) => manifestTexts.get(sha));
    pending.push({ logged: c, state, base, head });
  }

  // the component files the gate verifies (plannedReads asks for exactly these: component files
  // of the manifests, at most MAX_HASHED_FILE_BYTES), read for all steps together
  const componentReads = pending.flatMap(({ base, head }) =>
    [base, head].map((snapshot) => ({
      snapshot,
      paths: [...snapshot.entries.keys()].filter((path) => !snapshot.contents.has(path)),
    })),
  );
  await sizeEntries(
    repo,
    componentReads.flatMap(({ snapshot, paths }) => paths.map((path) => snapshot.entries.get(path)!)),
  );
  // a file too large to hash is not read: the evaluation reports it from the tree entry
  const small = (snapshot: GitSnapshot, path: string): boolean =>
    (snapshot.entries.get(path)?.size ?? Infinity) <= MAX_HASHED_FILE_BYTES;
  await readContents(
    repo,
    componentReads.map(({ snapshot, paths }) => ({ snapshot, paths: paths.filter((path) => small(snapshot, path)) })),
    blobs,
  );

  const steps: HistoryStep[] = [];
  for (const { logged, state, base, head } of pending) {
    const detected = detectChanges(state.policy, base, head, load);
    if (detected.changes.length === 0) continue;
    const decision = evaluateGate({
      policy: state.policy,
      base,
      head,
      facts: offlineFacts(logged.commit),
      now: new Date(logged.date),
      detected,
    });
    if (state.error) {
      const invalid: Requirement = {
        id: "policy.valid",
        status: "failed",
        message: `the policy before this commit is invalid, so its gate could not be applied: ${state.error}`,
        provision: "5.1.2-3",
      };
      for (const m of decision.models) {
        m.requirements.unshift(invalid);
        m.verdict = "failure";
      }
      decision.verdict = "failure";
    }
    steps.push({
      commit: logged.commit,
      date: logged.date,
      author: logged.author,
      subject: logged.subject,
      changes: detected.changes,
      decision,
      ...(state.error ? { policyError: state.error } : {}),
    });
  }
  return steps;
}

/**
 * A snapshot holding only the given manifests (with their text) and the files their components name.
 * Its entries are the replay's own (sizeEntries gives them their size, which is the blob's wherever it is listed).
 */
function miniSnapshot(
  commit: string,
  tree: ReadonlyMap<string, TreeEntry>,
  manifests: ReadonlySet<string>,
  manifestAt: (path: string, sha: string) => LoadedManifest | undefined,
  textOf: (sha: string) => FileContent | undefined,
): GitSnapshot {
  const entries = new Map<string, TreeEntry>();
  const contents = new Map<string, FileContent>();
  for (const path of manifests) {
    const entry = tree.get(path);
    if (!entry) continue;
    entries.set(path, entry);
    const loaded = manifestAt(path, entry.blobSha);
    contents.set(path, textOf(entry.blobSha) ?? { kind: "unreadable", reason: "missing from the git object database" });
    for (const component of loaded?.manifest.components ?? []) {
      if (!isFileComponent(component)) continue;
      const file = componentRepoPath(path, component);
      const exact = tree.get(file);
      if (exact) entries.set(file, exact);
      else for (const [p, e] of tree) if (p.startsWith(`${file}/`)) entries.set(p, e);
    }
  }
  // the published security policy is judged on the base (disclosure-policy): its entry, as a full snapshot has it
  for (const path of SECURITY_POLICY_PATHS) {
    const entry = tree.get(path);
    if (entry) entries.set(path, entry);
  }
  return { commit, entries, contents };
}

/** Sets the sizes of tree entries (unknown from `git log --raw`), so a large file is never read whole. */
async function sizeEntries(repo: string, entries: ReadonlyArray<TreeEntry>): Promise<void> {
  const unknown = entries.filter((e) => e.size === undefined);
  const sizes = await blobSizes(repo, [...new Set(unknown.map((e) => e.blobSha))]);
  for (const entry of unknown) {
    const size = sizes.get(entry.blobSha);
    if (size !== undefined) (entry as { size?: number }).size = size;
  }
}

/**
 * The files of the given commits of a first-parent log, replayed from its changes: what
 * `git ls-tree -r` lists for them (submodules left out, no sizes), without a git process each.
 */
export function treesInLog(
  log: ReadonlyArray<LoggedCommit>,
  commits: ReadonlySet<string>,
): Map<string, Map<string, TreeEntry>> {
  const trees = new Map<string, Map<string, TreeEntry>>();
  if (commits.size === 0) return trees;
  const tree = new Map<string, TreeEntry>();
  for (const c of log) {
    for (const ch of c.changes) {
      if (ch.status === "D" || ZERO_SHA.test(ch.blobSha) || ch.mode === SUBMODULE_MODE) tree.delete(ch.path);
      else tree.set(ch.path, { path: ch.path, blobSha: ch.blobSha, mode: ch.mode });
    }
    if (commits.has(c.commit)) trees.set(c.commit, new Map([...tree].sort(([x], [y]) => byUtf8(x, y))));
  }
  return trees;
}

/** The order of `git ls-tree -r`: paths compared as UTF-8 bytes, i.e. by code point (not by UTF-16 unit as `<` does). */
function byUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate is half of a code point above U+FFFF: after every other unit
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

const SUBMODULE_MODE = "160000";

/** Every tag of the repository that names a commit (the commit it peels to), without its models. */
export async function listTags(repo: string): Promise<TagSnapshot[]> {
  const result = await runGit(repo, [
    "for-each-ref",
    "refs/tags",
    "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(objecttype)%00%(*objecttype)%00%(creatordate:iso-strict)",
  ]);
  if (result.code !== 0) throw new CliError(`cannot list the tags: ${result.stderr}`);
  const tags: TagSnapshot[] = [];
  for (const line of result.stdout.toString("utf8").split("\n")) {
    const [name, object, peeled, type, peeledType, date] = line.split("\0");
    if (!name || !object) continue;
    const commit = tagCommit(type, object, peeledType, peeled);
    if (!commit) continue;
    tags.push({ name, commit, ...(date ? { date } : {}), models: [] });
  }
  return tags;
}

/** The commit a tag names: its object when it is a commit, else the object it peels to when that is one. */
function tagCommit(
  type: string | undefined,
  object: string,
  peeledType: string | undefined,
  peeled: string | undefined,
): string | undefined {
  if (type === "commit") return object;
  if (peeledType === "commit") return peeled;
  return undefined;
}

/**
 * Every tag of the repository that names a commit, with the model versions its tree declares (manifest globs of `policy`).
 * The trees of tagged commits in `log` (the first-parent history already read) are replayed from it; the others are listed by git.
 */
export async function readTags(
  repo: string,
  policy: Policy,
  load: ManifestLoader = manifestLoader(),
  blobs: BlobCache = new Map(),
  log: ReadonlyArray<LoggedCommit> = [],
  listed: Promise<TagSnapshot[]> = listTags(repo),
): Promise<TagSnapshot[]> {
  const isManifest = globMatcher(policy.models.manifests);
  const tags = await listed;
  const replayed = treesInLog(log, new Set(tags.map((t) => t.commit)));
  const wanted: Array<{ tag: TagSnapshot; manifests: TreeEntry[] }> = [];
  for (const tag of tags) {
    const entries = replayed.get(tag.commit) ?? (await snapshotAt(repo, tag.commit)).entries;
    wanted.push({ tag, manifests: [...entries.values()].filter((e) => isManifest(e.path)) });
  }
  const texts = await readBlobs(
    repo,
    wanted.flatMap((w) => w.manifests.map((m) => m.blobSha)),
    blobs,
  );
  for (const { tag, manifests } of wanted) {
    for (const entry of manifests) {
      const content = texts.get(entry.blobSha);
      const loaded = content?.kind === "text" ? load(entry.path, content.text) : undefined;
      if (loaded?.ok)
        tag.models.push({
          name: loaded.loaded.manifest.name,
          version: loaded.loaded.manifest.version,
          digest: loaded.loaded.digest,
          status: loaded.loaded.manifest.status,
        });
    }
    tag.models.sort((a, b) => compareCodeUnits(a.name, b.name));
  }
  return tags;
}
