import type { ProbotOctokit } from "probot";
import { REVIEW_LABEL } from "../core/render/re-evaluation-issue.js";
import { parseReviewMarker, type ReviewRef } from "../core/review/marker.js";
import type { Coordination } from "../store/coordination.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

export interface ReviewIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  htmlUrl: string;
  ref: ReviewRef;
}

/** A review issue this app opened (performed via itself, signed marker for this repository), or `undefined`. */
function asReviewIssue(issue: IssueFields, location: RepositoryLocation, appId: number, markerKey: string): ReviewIssue | undefined {
  if (issue.pull_request) return undefined;
  if (issue.performed_via_github_app?.id !== appId) return undefined;
  const ref = parseReviewMarker(issue.body, markerKey, `${location.owner}/${location.repo}`);
  if (!ref) return undefined;
  return { number: issue.number, state: issue.state === "closed" ? "closed" : "open", body: issue.body ?? "", htmlUrl: issue.html_url ?? "", ref };
}

/** Every "Re-evaluation due" issue of the repository, open or closed, found by label and signed marker. */
export async function listReviewIssues(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<ReviewIssue[]> {
  const { owner, repo } = location;
  let issues: IssueFields[];
  try {
    issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: "all", labels: REVIEW_LABEL, per_page: 100 });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the issues labelled ${REVIEW_LABEL}` });
  }
  return issues.flatMap((issue) => asReviewIssue(issue, location, appId, markerKey) ?? []);
}

/** Whether an issue is about this evaluation of this model digest. */
export function isReviewOf(issue: ReviewIssue, ref: Pick<ReviewRef, "model" | "digest" | "evaluated">): boolean {
  return issue.ref.model === ref.model && issue.ref.digest === ref.digest && issue.ref.evaluated === ref.evaluated;
}

/** The claim key of one evaluation's review issue (a git ref name part). */
export function reviewClaimKey(ref: Pick<ReviewRef, "digest" | "evaluated">): string {
  return `review-${ref.digest.replace(/^sha256:/, "")}-${ref.evaluated.replace(/[^0-9]/g, "")}`;
}

const LABEL_COLOR = "fbca04";
const LABEL_DESCRIPTION = "modelgate: a model evaluation that expires (EN 304 223 5.2.3-3)";

/**
 * Opens the review issue of one evaluation once across runs, redeliveries and replicas: looked
 * for first (open or closed: a closed one is never opened again), else created under the claim
 * its create-once key `<repo>:<model>:review-<digest hex>-<date>` (Coordination.findOrCreateOnce,
 * a lock in the database shared by every replica).
 */
export async function ensureReviewIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { ref: ReviewRef; title: string; body: string; sha: string; appId: number; markerKey: string },
  coordination: Coordination,
  /** Shared by one run's calls: the label is created once per run, not once per issue. */
  label: { ensured: boolean } = { ensured: false },
): Promise<{ issue: ReviewIssue; created: boolean }> {
  const find = async () => (await listReviewIssues(octokit, location, issue)).find((found) => isReviewOf(found, issue.ref));
  let created = false;
  try {
    const existing = await find();
    if (existing) return { issue: existing, created: false };
    const found = await coordination.findOrCreateOnce(`${location.owner}/${location.repo}:${issue.ref.model}:${reviewClaimKey(issue.ref)}`, {
      find,
      create: async () => {
        created = true;
        return createReviewIssue(octokit, location, issue, label);
      },
    });
    return { issue: found, created };
  } catch (error) {
    if (error instanceof CouldNotEvaluate) throw error;
    throw new Error(`could not open the review issue of ${issue.ref.model} in ${location.owner}/${location.repo}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function createReviewIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issue: { ref: ReviewRef; title: string; body: string },
  label: { ensured: boolean },
): Promise<ReviewIssue> {
  // GitHub creates a missing label named in a new issue only for writers with push access: not relied on
  if (!label.ensured) {
    await octokit.rest.issues.createLabel({ owner, repo, name: REVIEW_LABEL, color: LABEL_COLOR, description: LABEL_DESCRIPTION }).catch((error: unknown) => {
      if (httpStatus(error) !== 422) throw error;
    });
    label.ensured = true;
  }
  const { data } = await octokit.rest.issues.create({ owner, repo, title: issue.title, body: issue.body, labels: [REVIEW_LABEL] });
  return { number: data.number, state: "open", body: data.body ?? issue.body, htmlUrl: data.html_url, ref: issue.ref };
}
