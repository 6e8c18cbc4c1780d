import type { ProbotOctokit } from "probot";
import { REVIEW_LABEL } from "../core/render/re-evaluation-issue.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import { parseReviewMarker, type ReviewRef } from "../core/review/marker.js";
import type { Coordination } from "../store/coordination.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { completeOpenedIssue, OPENING_ISSUE_BODY } from "./sign-off-issues.js";

export interface ReviewIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  htmlUrl: string;
  ref: ReviewRef;
}

/** A review issue this app opened (performed via itself, marker signed for this issue of this repository), or `undefined`. */
function asReviewIssue(
  issue: IssueFields,
  location: RepositoryLocation,
  appId: number,
  markerKey: string,
): ReviewIssue | undefined {
  if (issue.pull_request) return undefined;
  if (issue.performed_via_github_app?.id !== appId) return undefined;
  // writers can edit this app's issues too: a marker copied from another of its issues does not verify here
  const key = issueMarkerKey(markerKey, { ...location, issue: issue.number });
  const ref = parseReviewMarker(issue.body, key, `${location.owner}/${location.repo}`);
  if (!ref) return undefined;
  return {
    number: issue.number,
    state: issue.state === "closed" ? "closed" : "open",
    body: issue.body ?? "",
    htmlUrl: issue.html_url ?? "",
    ref,
  };
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
    issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: REVIEW_LABEL,
      per_page: 100,
    });
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
  { owner, repo }: RepositoryLocation,
  issue: { ref: ReviewRef; title: string; body: (issueKey: string) => string; markerKey: string },
  label: { ensured: boolean },
): Promise<ReviewIssue> {
  // GitHub creates a missing label named in a new issue only for writers with push access: not relied on
  if (!label.ensured) {
    await octokit.rest.issues
      .createLabel({ owner, repo, name: REVIEW_LABEL, color: LABEL_COLOR, description: LABEL_DESCRIPTION })
      .catch((error: unknown) => {
        if (httpStatus(error) !== 422) throw error;
      });
    label.ensured = true;
  }
  // the marker is bound to the issue's number, known once it exists: opened with a placeholder, then signed
  const { data } = await octokit.rest.issues.create({
    owner,
    repo,
    title: issue.title,
    body: OPENING_ISSUE_BODY,
    labels: [REVIEW_LABEL],
  });
  const body = issue.body(issueMarkerKey(issue.markerKey, { owner, repo, issue: data.number }));
  await completeOpenedIssue(octokit, { owner, repo }, data.number, body);
  return { number: data.number, state: "open", body, htmlUrl: data.html_url, ref: issue.ref };
}
