import type { FileError } from "../yaml/load-yaml.js";
import type { ChangeKind } from "../policy/schema.js";
import type { UnmanagedModel } from "../detect/types.js";
import type { RegressionComparison } from "./regression-requirements.js";
import type { TrainingFacts } from "../governance/training.js";

export type Verdict = "success" | "action_required" | "failure";
export type RequirementStatus = "met" | "pending" | "failed";

/** One requirement of a model's gate, with its evidence or its fix. */
export interface Requirement {
  /** Stable id, e.g. `evaluation.current`, `hash:weights/model.safetensors`, `approval:developer`. */
  id: string;
  status: RequirementStatus;
  /** Evidence when met; what to do when pending or failed. */
  message: string;
  /** EN 304 223 provision(s) it evidences, e.g. "5.2.5-1". */
  provision: string;
  /** Where to annotate (defaults to the model's manifest). */
  path?: string;
  line?: number;
}

export interface Override {
  by: string;
  reason: string;
  at: string;
}

export interface ModelVerdict {
  name: string;
  manifestPath: string;
  kinds: ChangeKind[];
  from?: string;
  to?: string;
  digest: string;
  requirements: Requirement[];
  verdict: Verdict;
  /** Set when a break-glass override turned a failing gate into success. */
  override?: Override;
  /** The roles this model version needs (union of its change kinds' gates). */
  requiredRoles?: string[];
  /** Standing sign-offs per role, replayed from the sign-off issue of this digest and intent (absent offline). */
  signOffs?: Record<string, RoleSignOff>;
  /** The regression gate's comparison (docs/regression.md), when the policy compares metrics. */
  regression?: RegressionComparison;
}

/** The standing sign-off of one role for one model digest, replayed from the sign-off issue's comments. */
export interface RoleSignOff {
  state: "approved" | "rejected";
  by: string;
  at: string;
  reason?: string;
  commentId: number;
}

export interface UnmanagedFinding extends UnmanagedModel {
  level: "failure" | "warning";
}

/** The whole answer to "may this change move forward?" — rendered into check runs, logged, printed by the CLI. */
export interface Decision {
  verdict: Verdict;
  models: ModelVerdict[];
  unmanaged: UnmanagedFinding[];
  /** Files that could not be read as valid manifests or policy. */
  errors: FileError[];
  /** A pull request that changes the training roster: the sign-off of training.admins it needs (docs/governance.md). */
  roster?: Requirement[];
  /** A pull request that adds or changes governance/reviews.yaml records: each document's owner-role approval. */
  reviewRecords?: Requirement[];
  /** Set when facts could not be gathered: the verdict is then failure ("could not evaluate"). */
  couldNotEvaluate?: string;
  /**
   * Set with couldNotEvaluate when GitHub caused it (no answer, 5xx, a rate limit): that passes by itself, so it is
   * no answer and modelgate tries again (docs/operations.md). `next` is the try scheduled, absent when none is.
   */
  transient?: { next?: ScheduledTry };
}

/** A later try of an evaluation GitHub kept from being made. */
export interface ScheduledTry {
  inMinutes: number;
  /** 1 for the first retry. */
  attempt: number;
  of: number;
}

/** A pull-request review as GitHub reports it. */
export interface Review {
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
}

/** A comment on a sign-off issue; only never-edited comments can carry a command. */
export interface SignOffComment {
  id: number;
  login: string;
  body: string;
  createdAt: string;
  /** true when updated_at differs from created_at: an edited comment never counts. */
  edited: boolean;
  /**
   * true when modelgate refused this command when it was posted (a bot reply marks it): it stays
   * refused even if its author later joins the role's team — a command counts only if it was
   * accepted when made.
   */
  refusedEarlier?: boolean;
}

/** Facts about people, read live from GitHub (or absent offline). */
export interface ApprovalFacts {
  /** false offline (CLI): approval requirements are reported pending, never met. */
  available: boolean;
  /** Logins whose own approval does not count (PR author); compared case-insensitively. */
  authors: string[];
  /** The commit a review must approve when `invalidate_on_push`. */
  headSha: string;
  reviews: Review[];
  /**
   * Sign-off issue comment history per sign-off subject, oldest first, keyed by signOffKey
   * (core/sign-off/subject.ts): the digest for shipping, `<digest>#decommission` for a retirement.
   */
  signOffs: Record<string, SignOffComment[]>;
  /** Sign-off issue URL per signOffKey, for links. */
  signOffIssues: Record<string, string>;
  /**
   * Per signOffKey, the authors of the other pull requests that carried it (tracked by its sign-off
   * issue): authors of that model version too, so their sign-off commands never count for it.
   */
  signOffAuthors?: Record<string, string[]>;
  /** Team membership per login (lower case) per team slug, read live. A missing entry means "not a member". */
  teamMembership: Record<string, Record<string, boolean>>;
  /** The organisation that owns the role teams, to name them as @org/team in messages. */
  org?: string;
  /** The training roster of the default branch, when `training.require` is not false (docs/governance.md). */
  training?: TrainingFacts;
}
