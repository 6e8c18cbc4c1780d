import type { ProbotOctokit } from "probot";
import {
  DOCUMENT_REVIEW_LABEL,
  parseDocumentReviewMarker,
  type DocumentReviewRef,
} from "../core/governance/document-issue.js";
import type { Coordination } from "../store/coordination.js";
import { listAppIssues, openLabelledIssue } from "./app-issues.js";
import type { RepositoryLocation } from "./end-of-life-issues.js";

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
  const repository = `${location.owner}/${location.repo}`;
  return listAppIssues(octokit, location, { label: DOCUMENT_REVIEW_LABEL, appId, markerKey }, (body, key) =>
    parseDocumentReviewMarker(body, key, repository),
  );
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

const DOCUMENT_ISSUE_LABEL = {
  name: DOCUMENT_REVIEW_LABEL,
  color: "fbca04",
  description: "modelgate: a governance document whose review is due (docs/governance.md)",
};

async function createDocumentIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { ref: DocumentReviewRef; title: string; body: (issueKey: string) => string; markerKey: string },
  label: { ensured: boolean },
): Promise<DocumentIssue> {
  const { number, body } = await openLabelledIssue(octokit, location, issue, DOCUMENT_ISSUE_LABEL, label);
  return { number, state: "open", body, ref: issue.ref };
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
