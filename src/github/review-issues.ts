import type { ProbotOctokit } from "probot";
import { REVIEW_LABEL } from "../core/render/re-evaluation-issue.js";
import { parseReviewMarker, type ReviewRef } from "../core/review/marker.js";
import type { Coordination } from "../store/coordination.js";
import { listAppIssues, openLabelledIssue } from "./app-issues.js";
import type { RepositoryLocation } from "./end-of-life-issues.js";
import { CouldNotEvaluate } from "./errors.js";

export interface ReviewIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  htmlUrl: string;
  ref: ReviewRef;
}

/** Every "Re-evaluation due" issue of the repository, open or closed, found by label and signed marker. */
export async function listReviewIssues(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<ReviewIssue[]> {
  const repository = `${location.owner}/${location.repo}`;
  return listAppIssues(octokit, location, { label: REVIEW_LABEL, appId, markerKey }, (body, key) =>
    parseReviewMarker(body, key, repository),
  );
}

/** Whether an issue is about this evaluation of this model digest. */
export function isReviewOf(issue: ReviewIssue, ref: Pick<ReviewRef, "model" | "digest" | "evaluated">): boolean {
  return issue.ref.model === ref.model && issue.ref.digest === ref.digest && issue.ref.evaluated === ref.evaluated;
}

/** The claim key of one evaluation's review issue (a git ref name part). */
export function reviewClaimKey(ref: Pick<ReviewRef, "digest" | "evaluated">): string {
  return `review-${ref.digest.replace(/^sha256:/, "")}-${ref.evaluated.replace(/[^0-9]/g, "")}`;
}

const REVIEW_ISSUE_LABEL = {
  name: REVIEW_LABEL,
  color: "fbca04",
  description: "modelgate: a model evaluation that expires (EN 304 223 5.2.3-3)",
};

/**
 * Opens the review issue of one evaluation once across runs, redeliveries and replicas: looked
 * for first (open or closed: a closed one is never opened again), else created under the claim
 * its create-once key `<repo>:<model>:review-<digest hex>-<date>` (Coordination.findOrCreateOnce,
 * a lock in the database shared by every replica).
 */
export async function ensureReviewIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  /** The body, rendered with the markers bound to the issue (renderReviewIssueBody with its issueMarkerKey). */
  issue: {
    ref: ReviewRef;
    title: string;
    body: (issueKey: string) => string;
    sha: string;
    appId: number;
    markerKey: string;
  },
  coordination: Coordination,
  /** Shared by one run's calls: the label is created once per run, not once per issue. */
  label: { ensured: boolean } = { ensured: false },
  /** The issues the caller listed just before (the daily run lists once for all its models): not listed again. */
  listed?: ReadonlyArray<ReviewIssue>,
): Promise<{ issue: ReviewIssue; created: boolean }> {
  const find = async () =>
    (await listReviewIssues(octokit, location, issue)).find((found) => isReviewOf(found, issue.ref));
  let created = false;
  try {
    const existing = listed ? listed.find((found) => isReviewOf(found, issue.ref)) : await find();
    if (existing) return { issue: existing, created: false };
    const found = await coordination.findOrCreateOnce(
      `${location.owner}/${location.repo}:${issue.ref.model}:${reviewClaimKey(issue.ref)}`,
      {
        find,
        create: async () => {
          created = true;
          return createReviewIssue(octokit, location, issue, label);
        },
      },
    );
    return { issue: found, created };
  } catch (error) {
    if (error instanceof CouldNotEvaluate) throw error;
    throw new Error(
      `could not open the review issue of ${issue.ref.model} in ${location.owner}/${location.repo}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function createReviewIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { ref: ReviewRef; title: string; body: (issueKey: string) => string; markerKey: string },
  label: { ensured: boolean },
): Promise<ReviewIssue> {
  const { number, body, htmlUrl } = await openLabelledIssue(octokit, location, issue, REVIEW_ISSUE_LABEL, label);
  return { number, state: "open", body, htmlUrl, ref: issue.ref };
}
