import type { MeasuredEvaluation } from "./metrics-chart.js";
import type { AuditMonitoring, AuditMonitoringInput, DriftIssueEvidence } from "./monitoring.js";
import type { BomComponent } from "../bom/types.js";
import type { ModelChange, UnmanagedModel } from "../detect/types.js";
import type { Decision, Requirement, Verdict } from "../evaluate/types.js";
import type { RegressionComparison } from "../evaluate/regression-requirements.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { EvaluationRecord } from "../manifest/schema.js";
import type { ChangeKind } from "../policy/schema.js";
import type { FileError } from "../yaml/load-yaml.js";
import type { EvidenceKind, Provision } from "./provisions.js";
import type { DocumentStanding } from "../governance/documents.js";

export const AUDIT_FORMAT = "modelgate-audit/1";

/** One commit of the audited history that changed at least one model, judged as the gate judges a change. */
export interface HistoryStep {
  commit: string;
  /** Committer date, ISO 8601: when the change landed on the audited branch. */
  date: string;
  author: string;
  subject: string;
  changes: ModelChange[];
  /** evaluateGate of the step (parent → commit) with the policy of the parent, approvals offline, at the step's date. */
  decision: Decision;
  /** Set when the policy at the parent could not be read: the step could not be judged. */
  policyError?: string;
}

/** A git tag and the model versions its tree holds. */
export interface TagSnapshot {
  name: string;
  commit: string;
  date?: string;
  models: Array<{ name: string; version: string; digest: string; status: string }>;
}

/** What only GitHub holds, read by the CLI with --github (absent: the report is made from git only). */
export interface GitHubEvidence {
  repository: string;
  /** https://github.com/owner/repo (or the Enterprise host's page). */
  url: string;
  appId: number;
  /** Whether the signed markers of modelgate's issues were verified (a marker key was available). */
  markersVerified: boolean;
  pullRequests: PullRequestEvidence[];
  releases: ReleaseEvidence[];
  checkRuns: CheckRunEvidence[];
  signOffIssues: SignOffIssueEvidence[];
  endOfLifeIssues: EndOfLifeIssueEvidence[];
  /** With `monitoring` in the policy: the "Drift detected" issues (docs/monitoring.md). */
  driftIssues?: DriftIssueEvidence[];
  /** Why the role teams' members could not be read: the sign-offs that needed them are "unverified". */
  membershipUnreadable?: string;
}

export interface PullRequestEvidence {
  number: number;
  url: string;
  title: string;
  author: string;
  headSha: string;
  mergeCommitSha?: string;
  mergedAt?: string;
}

export interface ReleaseEvidence {
  id: number;
  tag: string;
  name: string;
  url: string;
  publishedAt?: string;
  draft: boolean;
  prerelease: boolean;
  /** The tag's commit in the local clone; absent when the tag is not there. */
  commit?: string;
  bomAsset?: { name: string; url: string };
}

export interface CheckRunEvidence {
  name: string;
  headSha: string;
  conclusion: string | null;
  status: string;
  url: string;
  completedAt?: string;
  /** Per model of the run's decision record: its verdict and digest. */
  models: Array<{ name: string; digest: string; verdict: Verdict; override?: { by: string; reason: string } }>;
  /** The decision record could not be read from the run's text (cut, or not modelgate's). */
  recordMissing?: boolean;
}

export interface SignOffEvidence {
  role: string;
  /** "unverified": whether the commenter holds the role could not be read: not counted (docs/audit.md). */
  state: "approved" | "rejected" | "unverified";
  by: string;
  at: string;
  reason?: string;
  url: string;
}

export interface SignOffIssueEvidence {
  number: number;
  url: string;
  state: "open" | "closed";
  model: string;
  version: string;
  digest: string;
  intent: "ship" | "decommission";
  pulls: number[];
  signOffs: SignOffEvidence[];
  override?: { by: string; reason: string; at: string };
  /** Regressions accepted on the issue (docs/regression.md): metric, the baseline digest (or "none"), who and why. */
  acceptedRegressions?: AcceptedRegressionEvidence[];
  /** Commands modelgate refused (or refuses on replay), with why. */
  refused: Array<{ by: string; command: string; reason: string; url: string; roleNotVerified?: true }>;
}

export interface AcceptedRegressionEvidence {
  metric: string;
  baseline: string;
  by: string;
  reason: string;
  at: string;
  url: string;
}

export interface EndOfLifeIssueEvidence {
  number: number;
  url: string;
  state: "open" | "closed";
  closedAt?: string;
  model: string;
  digest: string;
  checklist: Array<{ item: string; checked: boolean }>;
  /** Items of the policy's checklist that are not ticked. */
  unchecked: string[];
  signOffs: SignOffEvidence[];
  missingRoles: string[];
}

export interface AuditInput {
  repository: string;
  ref: string;
  commit: string;
  generatedAt: string;
  toolVersion: string;
  policy: { path: string; found: boolean; errors: FileError[] };
  /** The models at the head, judged now as if each were new (hashes, provenance, evaluation currency). */
  head: {
    models: LoadedManifest[];
    errors: FileError[];
    decision: Decision;
    unmanaged: UnmanagedModel[];
    bom: BomComponent[];
  };
  /** Oldest first. */
  history: HistoryStep[];
  tags: TagSnapshot[];
  github?: GitHubEvidence;
  /** With `monitoring` in the policy at the head (docs/monitoring.md). */
  monitoring?: AuditMonitoringInput;
  /** Governance records (docs/governance.md); absent: none were read. */
  governance?: GovernanceEvidence;
}

/** The governance records of the audited ref (docs/governance.md). */
export interface GovernanceEvidence {
  /** Each document of the policy's governance.documents, judged at the report's time. */
  documents: DocumentStanding[];
  /** Where the security policy GitHub shows was found; absent: none. */
  disclosurePolicy?: string;
  /** The training roster's evidence (5.1.1-x), from the training part: current when every role holder's is. */
  training?: { current: boolean; text: string; href?: string; findings: string[] };
}

/** How a version's gate ended, as the timeline marks it. */
export type GateOutcome = "passed" | "overridden" | "pending" | "failed" | "not-gated";

export interface AuditVersion {
  /** Stable anchor: model, version and commit. */
  id: string;
  commit: string;
  date: string;
  author: string;
  subject: string;
  manifest: string;
  version: string;
  from?: string;
  digest: string;
  kinds: ChangeKind[];
  status: string;
  outcome: GateOutcome;
  /** Where the outcome comes from. */
  outcomeSource: "check-run" | "recomputed";
  recomputed: { verdict: Verdict; requirements: Requirement[] };
  evaluations: EvaluationRecord[];
  /** The regression gate's comparison with the version before (docs/regression.md), when the policy compares metrics. */
  regression?: RegressionComparison;
  acceptedRegressions?: AcceptedRegressionEvidence[];
  /** What the counting evaluation measured, when it has metrics (the metrics chart, docs/audit.md). */
  measured?: MeasuredEvaluation;
  signOffs: Array<SignOffEvidence & { issue: number }>;
  signOffIssue?: { number: number; url: string; state: string };
  checkRuns: Array<{
    name: string;
    conclusion: string | null;
    url: string;
    at?: string;
    modelVerdict?: Verdict;
    pullRequest?: number;
    release?: string;
  }>;
  pullRequests: Array<{ number: number; url: string; title: string }>;
  releases: Array<{ tag: string; url?: string; publishedAt?: string; prerelease?: boolean; draft?: boolean }>;
}

export interface AuditModel {
  id: string;
  name: string;
  manifest: string;
  status: string;
  /** At the head; absent when the model is no longer declared there. */
  current?: { version: string; digest: string; verdict: Verdict; requirements: Requirement[] };
  versions: AuditVersion[];
  bom?: BomComponent;
  endOfLife: EndOfLifeIssueEvidence[];
}

export interface AuditFinding {
  /** Stable: F-<kind>-<subject>. */
  id: string;
  severity: "failure" | "warning";
  message: string;
  provision: string;
  /** Anchor of what it is about. */
  href: string;
}

/** A provision as the report shows it for this repository: the provision, with its evidence resolved into links. */
export interface ProvisionRow extends Omit<Provision, "evidence"> {
  evidence: Array<{ text: string; href: string }>;
  /** Findings about this provision in this repository. */
  findings: string[];
  evidenceKinds: EvidenceKind[];
}

export interface AuditReport {
  format: typeof AUDIT_FORMAT;
  generatedAt: string;
  tool: { name: "modelgate"; version: string };
  repository: { name: string; ref: string; commit: string; url?: string };
  sources: { git: true; github: boolean; markersVerified?: boolean; notes: string[] };
  policy: AuditInput["policy"];
  summary: {
    models: number;
    versions: number;
    commits: number;
    failedVersions: number;
    pendingVersions: number;
    unmanaged: number;
    findings: number;
  };
  models: AuditModel[];
  inventory: {
    commit: string;
    models: Array<{
      id: string;
      name: string;
      version: string;
      status: string;
      digest: string;
      manifest: string;
      verdict: Verdict;
    }>;
    errors: FileError[];
  };
  unmanaged: UnmanagedModel[];
  releases: Array<{
    tag: string;
    commit?: string;
    url?: string;
    publishedAt?: string;
    source: "release" | "tag";
    models: Array<{ name: string; version: string; digest: string }>;
    bomAsset?: string;
    checkRun?: { conclusion: string | null; url: string };
  }>;
  provisions: ProvisionRow[];
  /** Governance records, as the provisions name them (docs/governance.md). */
  governance?: {
    documents: Array<{
      path: string;
      provisions: string[];
      status: DocumentStanding["status"];
      message: string;
      review?: DocumentStanding["review"];
      due?: string;
      ownerRole: string;
    }>;
    disclosurePolicy?: string;
  };
  findings: AuditFinding[];
  /** With `monitoring` in the policy at the head: the reports read and judged (docs/monitoring.md). */
  monitoring?: AuditMonitoring;
  /** With --github and `monitoring`: the "Drift detected" issues, open and closed. */
  driftIssues?: DriftIssueEvidence[];
}
