/**
 * The organisation's inventory (docs/inventory.md): what the server keeps of every repository the App
 * is installed on. Plain data: the sweep and the webhooks write it (src/store/inventory-store.ts), the
 * dashboard and its API read it. Times are ISO 8601 strings (UTC); dates of evaluations as written.
 */
import type { UnmanagedSource } from "../detect/types.js";

/** One repository the App can read, as last swept (or refreshed by a webhook). */
export interface InventoryRepository {
  installationId: number;
  repositoryId: number;
  /** `owner/name`. */
  fullName: string;
  private: boolean;
  defaultBranch: string;
  /** The default branch's commit the models and unmanaged files were read at; null for an empty repository. */
  headSha: string | null;
  /** Whether `.github/modelgate.yml` exists at the default branch. */
  hasPolicy: boolean;
  /** Why the policy does not load (file:line message); null when it loads or there is none. */
  policyProblem: string | null;
  /** Manifests at the default branch that do not load: no model can be named from them. */
  manifestProblems: ManifestProblem[];
  /** When the repository's snapshot was last replaced (sweep or refresh). */
  sweptAt: string;
}

export interface ManifestProblem {
  path: string;
  message: string;
}

export type ModelStatus = "active" | "deprecated" | "decommissioned";

/** A model at the default branch: the manifest as the gates read it, with its current version's standing. */
export interface InventoryModel {
  repositoryId: number;
  fullName: string;
  name: string;
  version: string;
  /** The model digest (core/manifest/digest.ts), `sha256:…`. */
  digest: string;
  status: ModelStatus;
  manifestPath: string;
  standing: VersionStanding;
}

/** A check run's conclusion as the gate wrote it (`success`, `failure`, `action_required`, …). */
export type GateConclusion = "success" | "failure" | "action_required" | "neutral";

/** The PR gate's last decision on a pull request that brought this version. */
export interface PullRequestDecision {
  conclusion: GateConclusion;
  /** The check run's page. */
  url: string;
  headSha: string;
  /** The pull request's number, when known. */
  number: number | null;
  decidedAt: string;
}

/** A release that shipped this version, and its release gate's conclusion. */
export interface ReleaseDecision {
  tag: string;
  conclusion: GateConclusion;
  /** The release gate's check run (or the release page when no check run). */
  url: string;
  decidedAt: string;
}

/** The deployment gate's last answer for one environment. */
export interface DeploymentDecision {
  environment: string;
  answer: "approved" | "rejected" | "pending";
  /** The deployment check run's page. */
  url: string;
  /** The commit deployed. */
  sha: string;
  decidedAt: string;
}

/** A standing sign-off (replayed from the subject's sign-off issue, core/sign-off/replay.ts). */
export interface SignOffRecord {
  role: string;
  login: string;
  at: string;
}

/** The evaluation that counts for the version (core/evidence countingEvaluation). */
export interface EvaluationStanding {
  result: "pass" | "fail";
  /** As written in the manifest (`YYYY-MM-DD` or a timestamp). */
  date: string;
  /** `date` + the policy's `evaluation.max_age_days`, ISO; null when the date cannot be read. */
  expiresAt: string | null;
}

/** The end-of-life issue of a decommissioned version. */
export interface EndOfLifeProgress {
  url: string;
  state: "open" | "closed";
  /** Checklist items ticked, of `itemsTotal`. */
  itemsDone: number;
  itemsTotal: number;
}

/** Everything the inventory knows of one model version (model name + digest). */
export interface VersionStanding {
  model: string;
  version: string;
  digest: string;
  pullRequest: PullRequestDecision | null;
  releases: ReleaseDecision[];
  deployments: DeploymentDecision[];
  signOffs: SignOffRecord[];
  /** Roles the policy still asks of this version that no standing sign-off holds. */
  awaitingRoles: string[];
  /** null: no evaluation of this version and digest anywhere the inventory read. */
  evaluation: EvaluationStanding | null;
  endOfLife: EndOfLifeProgress | null;
  /** When this version was first and last seen at the default branch (null: only seen in a decision). */
  firstSeenAt: string | null;
  lastSeenAt: string | null;
}

/** How an unmanaged file was recognised. */
export type UnmanagedEvidence =
  | { kind: "artifact"; glob: string }
  | { kind: "lfs"; oid: string | null }
  | { kind: "dvc"; file: string }
  | { kind: "mlflow"; file: string }
  | { kind: "hf-card"; file: string };

/** A model file at the default branch that no manifest declares (shadow AI, core/discover). */
export interface UnmanagedFile {
  repositoryId: number;
  fullName: string;
  path: string;
  kind: UnmanagedSource;
  /** One sentence: why this is a model file. */
  reason: string;
  evidence: UnmanagedEvidence;
}

/** One repository's whole snapshot, as the sweep (or a refresh) builds it: replaced atomically. */
export interface RepositorySnapshot {
  repository: Omit<InventoryRepository, "sweptAt">;
  /** The models at the default branch, each with the standing the sweep could read. */
  models: Array<Omit<InventoryModel, "repositoryId" | "fullName" | "standing"> & { standing: SweptStanding }>;
  unmanaged: Array<Omit<UnmanagedFile, "repositoryId" | "fullName">>;
}

/**
 * The part of a version's standing the sweep reads from the default branch. Sign-offs and awaited roles are
 * the people facts of the last gate decision on the version (GateDecisionInput): the sweep reads no people.
 */
export interface SweptStanding {
  evaluation: EvaluationStanding | null;
  endOfLife: EndOfLifeProgress | null;
}

/**
 * A gate decision on one model version, recorded as the gate writes it to GitHub (one small call from the
 * gate's handler), with the sign-offs that stood and the roles it still waited for.
 */
export type GateDecisionInput = {
  repositoryId: number;
  model: string;
  digest: string;
  version: string;
  signOffs: SignOffRecord[];
  awaitingRoles: string[];
} & (
  | { gate: "pull_request"; decision: PullRequestDecision }
  | { gate: "release"; decision: ReleaseDecision }
  | { gate: "deployment"; decision: DeploymentDecision }
);

/** The list filters of the models view (docs/inventory.md). All given filters must hold. */
export interface ModelFilter {
  /** Only these repositories (the ones the signed-in user can read). Required: never "all". */
  repositoryIds: ReadonlyArray<number>;
  /** No evaluation of the current version and digest, or the one that counts failed. */
  notEvaluated?: boolean;
  /** The evaluation that counts expires within this many days of `now` (expired ones included). */
  evaluationExpiringWithinDays?: number;
  /** Some role is still awaited. */
  awaitingSignOff?: boolean;
  /** The last PR, release or deployment decision on the version failed (or the evaluation failed). */
  failing?: boolean;
  /** The version's last deployment answer to this environment (case-insensitive) is approved. */
  inProduction?: string;
  /** Decommissioned, and its end-of-life issue is missing, open, or has items left. */
  decommissionedDisposalOpen?: boolean;
  /** The clock of the expiry filter. */
  now?: Date;
}

/** One version of a model in its timeline, newest first, with the evidence for it. */
export type TimelineEntry = VersionStanding;

export interface ModelTimeline {
  repositoryId: number;
  fullName: string;
  model: string;
  /** The model at the default branch now; null when it is no longer there. */
  current: InventoryModel | null;
  versions: TimelineEntry[];
}
