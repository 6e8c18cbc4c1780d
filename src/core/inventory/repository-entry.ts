import { posix } from "node:path";
import { compareCodeUnits } from "../compare-code-units.js";
import { detectChanges } from "../detect/detect-changes.js";
import { emptySnapshot, type Snapshot, type TreeEntry } from "../detect/snapshot.js";
import type { UnmanagedModel } from "../detect/types.js";
import { discoverUnmanaged, discoveryReads } from "../discover/discover-unmanaged.js";
import { dvcFileKind } from "../discover/dvc.js";
import { checklistStatus } from "../end-of-life/checklist.js";
import type { EndOfLifeRef } from "../end-of-life/marker.js";
import { declaredPaths } from "../evaluate/evaluate-gate.js";
import { countingEvaluation, evaluationTime } from "../evidence/evaluation.js";
import { evidenceCopies } from "../evidence/model-evidence.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import { parseLfsPointer } from "../manifest/lfs-pointer.js";
import { parsePolicy, POLICY_PATH, type PolicyResult } from "../policy/load-policy.js";
import { artifactMatcher, globMatcher } from "../policy/glob.js";
import type { Policy } from "../policy/schema.js";
import type {
  EndOfLifeProgress,
  EvaluationStanding,
  InventoryRepository,
  RepositorySnapshot,
  UnmanagedEvidence,
  UnmanagedFile,
} from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the policy in force at a default branch comes from (Probot's rule: the repository's file, else the organisation's). */
export type PolicySource = "repository" | "organisation" | "none";

/** What the sweep read of one repository; everything the entry is built from. */
export interface RepositoryFacts {
  repository: Pick<InventoryRepository, "installationId" | "repositoryId" | "fullName" | "private" | "defaultBranch">;
  /** The default branch's commit and files (tree + the contents `inventoryReads` asked for); null: an empty repository. */
  snapshot: Snapshot | null;
  policy: { source: PolicySource; result: PolicyResult };
  /** The app's own end-of-life issues of the repository (signed markers verified by the reader). */
  endOfLifeIssues: ReadonlyArray<{ ref: EndOfLifeRef; url: string; state: "open" | "closed"; body: string }>;
}

/**
 * The policy the inventory reads a repository with: the one in force, or the defaults when there is none or it
 * does not load (its problem is shown). Unmanaged files are always looked for: shadow AI is listed even where a
 * policy turned its gate off (docs/inventory.md).
 */
export function inventoryPolicy(result: PolicyResult): Policy {
  const policy = result.ok ? result.policy : defaultPolicy();
  return policy.unmanaged_artifacts === "off" ? { ...policy, unmanaged_artifacts: "warn" } : policy;
}

function defaultPolicy(): Policy {
  const defaults = parsePolicy(undefined);
  if (!defaults.ok) throw new Error("the default policy does not load");
  return defaults.policy;
}

/**
 * The files whose content the inventory needs at a default branch, given its tree: every manifest, and what
 * discovery reads to tell a model file (small artefacts that may be LFS pointers, DVC files, READMEs).
 */
export function inventoryReads(policy: Policy, entries: ReadonlyMap<string, TreeEntry>): string[] {
  const head: Snapshot = { commit: "", entries, contents: new Map() };
  const isManifest = globMatcher(policy.models.manifests);
  const paths = new Set<string>();
  for (const path of entries.keys()) if (isManifest(path)) paths.add(path);
  for (const path of discoveryReads(policy, emptySnapshot(), head).head) paths.add(path);
  return [...paths].sort(compareCodeUnits);
}

/**
 * One repository's inventory entry, from what the sweep read (docs/inventory.md): the models at the default
 * branch as the gates load them (detectChanges against nothing), the evaluation that counts for each
 * (countingEvaluation over the default branch's copy), end-of-life progress of decommissioned ones, and the
 * model files no manifest declares (discoverUnmanaged against nothing: every file is "added").
 */
export function repositoryEntry(facts: RepositoryFacts): RepositorySnapshot {
  const policy = inventoryPolicy(facts.policy.result);
  const snapshot = facts.snapshot ?? emptySnapshot();
  const detected = detectChanges(policy, emptySnapshot(), snapshot);
  const loaded = detected.models.head;
  const repository: RepositorySnapshot["repository"] = {
    ...facts.repository,
    headSha: facts.snapshot?.commit ?? null,
    hasPolicy: facts.policy.source !== "none",
    policyProblem: policyProblem(facts.policy.result),
    manifestProblems: detected.errors.map((error) => ({
      path: error.path,
      message: `${error.path}:${error.line}: ${error.message}`,
    })),
  };
  const models = loaded
    .map((model) => ({
      name: model.manifest.name,
      version: model.manifest.version,
      digest: model.digest,
      status: model.manifest.status,
      manifestPath: model.path,
      standing: {
        evaluation: evaluationStanding(policy, model),
        endOfLife: model.manifest.status === "decommissioned" ? endOfLifeProgress(policy, model, facts) : null,
      },
    }))
    .sort((a, b) => compareCodeUnits(a.name, b.name));
  const unmanaged = discoverUnmanaged(policy, emptySnapshot(), snapshot, declaredPaths(loaded)).map((found) =>
    unmanagedFile(policy, snapshot, found),
  );
  return { repository, models, unmanaged };
}

function policyProblem(result: PolicyResult): string | null {
  if (result.ok) return null;
  const first = result.errors[0];
  if (!first) return `${POLICY_PATH} does not load`;
  return `${first.path}:${first.line}: ${first.message}`;
}

/** The evaluation that counts for the version at the default branch (the gates' answer), and when it expires. */
function evaluationStanding(policy: Policy, model: LoadedManifest): EvaluationStanding | null {
  const { name, version } = model.manifest;
  const counting = countingEvaluation({ version, digest: model.digest }, evidenceCopies(model, name, []));
  if (!counting) return null;
  const evaluated = evaluationTime(counting.record.date);
  // an unreadable date fails the gates; here it has no expiry, and the expiring filter treats it as expired
  const expiresAt = Number.isNaN(evaluated)
    ? null
    : new Date(evaluated + policy.evaluation.max_age_days * DAY_MS).toISOString();
  return { result: counting.record.result, date: counting.record.date, expiresAt };
}

function endOfLifeProgress(policy: Policy, model: LoadedManifest, facts: RepositoryFacts): EndOfLifeProgress | null {
  const issue = facts.endOfLifeIssues.find(
    (candidate) => candidate.ref.model === model.manifest.name && candidate.ref.digest === model.digest,
  );
  if (!issue) return null;
  const required = policy.end_of_life.checklist;
  const { unchecked } = checklistStatus(issue.body, required);
  return {
    url: issue.url,
    state: issue.state,
    itemsDone: required.length - unchecked.length,
    itemsTotal: required.length,
  };
}

const REASONS: Record<UnmanagedModel["source"], string> = {
  artifact: "a model file (it matches an artefact glob) that no manifest declares",
  lfs: "a Git LFS pointer to a model file (it matches an artefact glob) that no manifest declares",
  dvc: "a model output tracked by DVC that no manifest declares",
  mlflow: "an MLflow model (a folder with an MLmodel file) that no manifest declares",
  "hf-card": "a Hugging Face model card that no manifest declares",
};

function unmanagedFile(
  policy: Policy,
  snapshot: Snapshot,
  found: UnmanagedModel,
): Omit<UnmanagedFile, "repositoryId" | "fullName"> {
  return {
    path: found.path,
    kind: found.source,
    reason: REASONS[found.source],
    evidence: evidenceOf(policy, snapshot, found),
  };
}

/** What made a file a model file: the artefact glob it matches, the LFS object, the DVC, MLflow or card file. */
function evidenceOf(policy: Policy, snapshot: Snapshot, found: UnmanagedModel): UnmanagedEvidence {
  switch (found.source) {
    case "artifact":
      return { kind: "artifact", glob: matchingGlob(policy, found.path) };
    case "lfs": {
      const content = snapshot.contents.get(found.path);
      const pointer = content?.kind === "text" ? parseLfsPointer(content.text) : undefined;
      return { kind: "lfs", oid: pointer ? `sha256:${pointer.oid}` : null };
    }
    case "dvc":
      return { kind: "dvc", file: dvcFileOf(snapshot, found.path) };
    case "mlflow":
      return { kind: "mlflow", file: found.path === "." ? "MLmodel" : `${found.path}/MLmodel` };
    case "hf-card":
      return { kind: "hf-card", file: found.path };
  }
}

function matchingGlob(policy: Policy, path: string): string {
  return policy.models.artifacts.find((glob) => artifactMatcher([glob])(path)) ?? "";
}

/** The DVC file that tracks an output: its `.dvc` stub, else the nearest dvc.lock or dvc.yaml above it. */
function dvcFileOf(snapshot: Snapshot, path: string): string {
  if (dvcFileKind(path)) return path;
  if (snapshot.entries.has(`${path}.dvc`)) return `${path}.dvc`;
  for (let folder = posix.dirname(path); ; folder = posix.dirname(folder)) {
    const prefix = folder === "." ? "" : `${folder}/`;
    for (const name of ["dvc.lock", "dvc.yaml"])
      if (snapshot.entries.has(`${prefix}${name}`)) return `${prefix}${name}`;
    if (folder === "." || folder === "/") return path;
  }
}
