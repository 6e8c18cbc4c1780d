import { mkdir } from "node:fs/promises";
import type { TrainingFacts } from "../../core/governance/training.js";
import { readTrainingRoster } from "../training-roster.js";
import { trainingAuditEvidence, trainingProvisionEvidence } from "../../core/governance/training-evidence.js";
import { join } from "node:path";
import { buildAuditReport } from "../../core/audit/build-report.js";
import { renderAuditHtml } from "../../core/audit/render-html.js";
import type { AuditReport, GitHubEvidence } from "../../core/audit/types.js";
import { buildBom } from "../../core/bom/build-bom.js";
import { detectChanges } from "../../core/detect/detect-changes.js";
import { evaluateGate } from "../../core/evaluate/evaluate-gate.js";
import { parsePolicy, POLICY_PATH } from "../../core/policy/load-policy.js";
import { defaultPolicy, type Policy } from "../../core/policy/schema.js";
import type { FileError } from "../../core/yaml/load-yaml.js";
import { modelgateVersion } from "../../version.js";
import { CliError } from "../cli-error.js";
import {
  listTags,
  logFirstParent,
  manifestLoader,
  readModelHistory,
  readTags,
  type BlobCache,
} from "../git-history.js";
import { localLfsFormatFacts } from "../lfs-formats.js";
import { formatsOfDecision } from "../../core/supply-chain/formats/format-requirements.js";
import { readPlanned, readTextFile, snapshotAt, type GitSnapshot } from "../git-snapshot.js";
import { defaultBranch, resolveRef } from "../git.js";
import { writeJsonFile, writeTextFile } from "../large-file.js";
import { offlineSupplyChainFacts } from "../supply-chain-facts.js";
import { offlineFacts } from "../offline-facts.js";
import { readLocalMonitoring } from "../monitoring-reports.js";
import { readGovernance } from "../governance.js";
import { bomTimestamp, repositoryName } from "./bom.js";
import { compareCodeUnits } from "../../core/compare-code-units.js";

export interface AuditOptions {
  /** Absolute path of the repository (checked). */
  repo: string;
  /** Default: the default branch (origin/HEAD, main or master), else HEAD. */
  ref?: string;
  now: Date;
  /** SOURCE_DATE_EPOCH: the report's time, for reproducible output. */
  sourceDateEpoch?: string;
  /** Reads what only GitHub holds; called with what the local history knows. */
  github?: (local: {
    policy: Policy;
    commits: ReadonlySet<string>;
    tagCommits: ReadonlyMap<string, string>;
    training?: TrainingFacts;
  }) => Promise<GitHubEvidence>;
}

export const AUDIT_JSON = "audit.json";
export const AUDIT_HTML = "audit.html";

/** The evidence pack of a repository (docs/audit.md): the local git history, and GitHub's evidence when asked. */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const { repo, now } = options;
  const { ref, commit } = await auditedRef(repo, options.ref);
  // what needs nothing but the commit is read at once, while the audit's memory is small (a git process costs more to start later)
  const started = {
    head: snapshotAt(repo, commit),
    log: logFirstParent(repo, commit),
    repository: repositoryName(repo),
    tags: listTags(repo),
  };
  // each is awaited below, where its failure is reported
  for (const read of Object.values(started)) read.catch(() => undefined);
  const head = await started.head;

  const policyText = await readTextFile(repo, head, POLICY_PATH);
  let policy = defaultPolicy();
  let policyErrors: FileError[] = [];
  if (policyText !== undefined) {
    const parsed = parsePolicy(policyText, POLICY_PATH);
    // an invalid policy at the head is a finding of the report, not a reason to write none
    if (parsed.ok) policy = parsed.policy;
    else policyErrors = parsed.errors;
  }

  // every version is parsed once and every blob read once, for the history, the head and the tags alike
  const load = manifestLoader();
  const blobs: BlobCache = new Map();
  const log = await started.log;
  const history = await readModelHistory(repo, commit, load, blobs, log);

  // the head judged as if every model were new: hashes, provenance and evaluation currency today, and every unmanaged file
  const empty: GitSnapshot = { commit: "", entries: new Map(), contents: new Map() };
  await readPlanned(repo, policy, empty, head, blobs);
  const detected = detectChanges(policy, empty, head, load);
  const decision = evaluateGate({
    policy,
    base: empty,
    head,
    facts: offlineFacts(commit),
    now,
    detected,
    formats: await localLfsFormatFacts(repo, policy, detected.changes, head),
    supplyChain: await offlineSupplyChainFacts(repo, policy, head),
  });
  const models = [...detected.models.head].sort((a, b) => compareCodeUnits(a.manifest.name, b.manifest.name));
  const repository = await started.repository;
  const toolVersion = await modelgateVersion();
  const bom = buildBom({
    repository,
    ref,
    commit,
    models,
    timestamp: bomTimestamp(now, options.sourceDateEpoch),
    toolVersion,
    formats: formatsOfDecision(decision.models),
    verified: decision,
  });

  const tags = await readTags(repo, policy, load, blobs, log, started.tags);
  // the sign-offs GitHub holds are replayed with the roster of the audited commit, as the gates replay them
  const training = await readTrainingRoster(repo, head, now);
  const monitoring = await readLocalMonitoring(repo, head, policy, models);
  const governance = await readGovernance(repo, head, policy, now);
  const github = options.github
    ? await options.github({
        policy,
        commits: new Set(history.map((s) => s.commit)),
        tagCommits: new Map(tags.map((t) => [t.name, t.commit])),
        training,
      })
    : undefined;

  return buildAuditReport({
    repository,
    ref,
    commit,
    generatedAt: bomTimestamp(now, options.sourceDateEpoch),
    toolVersion,
    policy: { path: POLICY_PATH, found: policyText !== undefined, errors: policyErrors },
    head: {
      models,
      errors: decision.errors,
      decision,
      unmanaged: decision.unmanaged.map(({ level: _level, ...u }) => u),
      bom: bom.components.filter((c) => c.type === "machine-learning-model"),
    },
    history,
    tags,
    ...(github ? { github } : {}),
    ...(monitoring ? { monitoring } : {}),
    governance: { ...governance, training: trainingAuditEvidence(trainingProvisionEvidence(policy, training)) },
  });
}

/**
 * The audited ref, named by its full name so the report says which ref it is (docs/cli.md "Which refs are
 * compared"): the default branch (never a short name a tag could shadow), else HEAD; a ref given keeps git's
 * meaning (an ambiguous short name is refused) and is named by the full name it resolved to.
 */
async function auditedRef(repo: string, given: string | undefined): Promise<{ ref: string; commit: string }> {
  if (given === undefined) {
    const branch = await defaultBranch(repo).catch(() => undefined);
    if (branch) return { ref: branch.fullName, commit: branch.commit };
  }
  const resolved = await resolveRef(repo, given ?? "HEAD");
  return { ref: resolved.fullName ?? given ?? "HEAD", commit: resolved.commit };
}

/** Writes audit.json and audit.html into `dir` (created when missing); returns their paths. */
export async function writeAudit(report: AuditReport, dir: string): Promise<string[]> {
  const files = [join(dir, AUDIT_JSON), join(dir, AUDIT_HTML)];
  try {
    await mkdir(dir, { recursive: true });
    // compact: a large repository's report is tens of megabytes (`jq . audit.json` pretty-prints it)
    await writeJsonFile(files[0]!, report);
    await writeTextFile(files[1]!, [renderAuditHtml(report)]);
  } catch (error) {
    throw new CliError(`cannot write the audit into ${dir}: ${(error as Error).message}`);
  }
  return files;
}
