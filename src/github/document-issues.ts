import type { ProbotOctokit } from "probot";
import {
  DOCUMENT_REVIEW_LABEL,
  parseDocumentReviewMarker,
  type DocumentReviewRef,
} from "../core/governance/document-issue.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import type { Coordination } from "../store/coordination.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { completeOpenedIssue, OPENING_ISSUE_BODY } from "./sign-off-issues.js";

export interface DocumentIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  ref: DocumentReviewRef;
}

/** Every "Document review due" issue this App opened (label, App and signed marker), open or closed. */
export async function listDocumentIssues(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<DocumentIssue[]> {
  const { owner, repo } = location;
  let issues: IssueFields[];
  try {
    issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: DOCUMENT_REVIEW_LABEL,
      per_page: 100,
    });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the issues labelled ${DOCUMENT_REVIEW_LABEL}` });
  }
  return issues.flatMap((issue) => {
    if (issue.pull_request || issue.performed_via_github_app?.id !== appId) return [];
    // a marker copied from another issue does not verify for this one
    const key = issueMarkerKey(markerKey, { ...location, issue: issue.number });
    const ref = parseDocumentReviewMarker(issue.body, key, `${owner}/${repo}`);
    if (!ref) return [];
    return [{ number: issue.number, state: issue.state === "closed" ? "closed" : "open", body: issue.body ?? "", ref }];
  });
}

export function isDocumentIssueOf(issue: DocumentIssue, ref: Pick<DocumentReviewRef, "path" | "due">): boolean {
  return issue.ref.path === ref.path && issue.ref.due === ref.due;
}

/**
 * Opens the issue of one lapsed review once across runs and replicas: looked for first (a closed one is never opened
 * again), else created under the create-once claim `<repo>:document:<path>:<due>`.
 */
export async function ensureDocumentIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: {
    ref: DocumentReviewRef;
    title: string;
    body: (issueKey: string) => string;
    appId: number;
    markerKey: string;
  },
  coordination: Coordination,
  listed: ReadonlyArray<DocumentIssue>,
  label: { ensured: boolean },
): Promise<{ issue: DocumentIssue; created: boolean }> {
  const existing = listed.find((found) => isDocumentIssueOf(found, issue.ref));
  if (existing) return { issue: existing, created: false };
  let created = false;
  const find = async () =>
    (await listDocumentIssues(octokit, location, issue)).find((found) => isDocumentIssueOf(found, issue.ref));
  const found = await coordination.findOrCreateOnce(
    `${location.owner}/${location.repo}:document:${issue.ref.path}:${issue.ref.due}`,
    {
      find,
      create: async () => {
        created = true;
        return createDocumentIssue(octokit, location, issue, label);
      },
    },
  );
  return { issue: found, created };
}

async function createDocumentIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issue: { ref: DocumentReviewRef; title: string; body: (issueKey: string) => string; markerKey: string },
  label: { ensured: boolean },
): Promise<DocumentIssue> {
  if (!label.ensured) {
    await octokit.rest.issues
      .createLabel({
        owner,
        repo,
        name: DOCUMENT_REVIEW_LABEL,
        color: "fbca04",
        description: "modelgate: a governance document whose review is due (docs/governance.md)",
      })
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
    labels: [DOCUMENT_REVIEW_LABEL],
  });
  const body = issue.body(issueMarkerKey(issue.markerKey, { owner, repo, issue: data.number }));
  await completeOpenedIssue(octokit, { owner, repo }, data.number, body);
  return { number: data.number, state: "open", body, ref: issue.ref };
}

/** Closes an issue with a comment saying why (the comment first: a closed issue explains itself). */
export async function closeDocumentIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issue: DocumentIssue,
  comment: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: comment });
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    state: "closed",
    state_reason: "completed",
  });
}
