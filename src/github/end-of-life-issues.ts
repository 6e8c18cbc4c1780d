import type { ProbotOctokit } from "probot";
import { parseEndOfLifeMarker, type EndOfLifeRef } from "../core/end-of-life/marker.js";
import type { Coordination } from "../store/coordination.js";
import { asAppIssue, createLabelIfMissing, listAppIssues, openSignedIssue } from "./app-issues.js";
import { CouldNotEvaluate, rethrowAsCouldNotEvaluate } from "./errors.js";

export interface RepositoryLocation {
  owner: string;
  repo: string;
}

/** An issue as modelgate reads it (webhook payload or REST answer). */
export interface IssueFields {
  number: number;
  state?: string;
  title?: string;
  body?: string | null;
  html_url?: string;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number | null } | null;
  pull_request?: unknown;
}

export interface EndOfLifeIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  htmlUrl: string;
  ref: EndOfLifeRef;
}

/**
 * The end-of-life issue an issue is, or `undefined` when it is not one this app opened: only
 * this app can open an issue "performed via" itself, so a marker pasted into anyone else's
 * issue never counts, and its marker must be signed under `markerKey`, so an edited marker
 * (pointing at another model or digest) never counts either.
 */
export function asEndOfLifeIssue(
  issue: IssueFields,
  appId: number,
  markerKey: string,
  repository: RepositoryLocation,
): EndOfLifeIssue | undefined {
  return asAppIssue(issue, repository, { appId, markerKey }, parseEndOfLifeMarker);
}

/** The issue as it is now (a webhook payload can be stale by the time a redelivery arrives). */
export async function readEndOfLifeIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issueNumber: number,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<EndOfLifeIssue | undefined> {
  try {
    const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: issueNumber });
    return asEndOfLifeIssue(data, appId, markerKey, { owner, repo });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `issue #${issueNumber}` });
  }
}

/**
 * The end-of-life issue of a model's last digest, open or closed, found by its label (the
 * first of `end_of_life.labels`) and its marker; issues of other apps or people never count.
 */
export async function findEndOfLifeIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  { ref, label, appId, markerKey }: { ref: EndOfLifeRef; label: string; appId: number; markerKey: string },
): Promise<EndOfLifeIssue | undefined> {
  const issues = await listAppIssues(octokit, { owner, repo }, { label, appId, markerKey }, parseEndOfLifeMarker);
  return issues.find((found) => found.ref.model === ref.model && found.ref.digest === ref.digest);
}

export interface NewEndOfLifeIssue {
  ref: EndOfLifeRef;
  title: string;
  /** The body, rendered with the markers bound to the new issue (its issueMarkerKey). */
  body: (issueKey: string) => string;
  labels: string[];
  appId: number;
  /** Verifies the markers of the issues found (the body carries the marker signed with it). */
  markerKey: string;
}

/** The claim key of a model digest's end-of-life issue (a git ref name part). */
export function endOfLifeClaimKey(digest: string): string {
  return `eol-${digest.replace(/^sha256:/, "")}`;
}

/**
 * Opens the end-of-life issue of a model once, whatever the number of deliveries: found by
 * label and marker first; else created under the lock of its create-once key (repository,
 * model name and digest: Coordination.findOrCreateOnce), so every other delivery finds the one issue.
 */
export async function ensureEndOfLifeIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: NewEndOfLifeIssue,
  coordination: Coordination,
): Promise<{ issue: EndOfLifeIssue; created: boolean }> {
  const label = issue.labels[0] ?? "model-eol";
  const find = () =>
    findEndOfLifeIssue(octokit, location, { ref: issue.ref, label, appId: issue.appId, markerKey: issue.markerKey });
  const existing = await find();
  if (existing) return { issue: existing, created: false };
  let created = false;
  try {
    const found = await coordination.findOrCreateOnce(
      `${location.owner}/${location.repo}:${issue.ref.model}:${endOfLifeClaimKey(issue.ref.digest)}`,
      {
        find,
        create: async () => {
          created = true;
          return createIssue(octokit, location, issue);
        },
      },
    );
    return { issue: found, created };
  } catch (error) {
    if (error instanceof CouldNotEvaluate) throw error;
    throw new Error(
      `could not open the end-of-life issue of ${issue.ref.model} in ${location.owner}/${location.repo}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

const LABEL_COLOR = "b60205";
const LABEL_DESCRIPTION = "modelgate: disposal of a decommissioned model (EN 304 223 5.5.1)";

async function createIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: NewEndOfLifeIssue,
): Promise<EndOfLifeIssue> {
  for (const name of issue.labels) {
    await createLabelIfMissing(octokit, location, { name, color: LABEL_COLOR, description: LABEL_DESCRIPTION });
  }
  const { number, body, htmlUrl } = await openSignedIssue(octokit, location, issue);
  return { number, state: "open", body, htmlUrl, ref: issue.ref };
}

export async function updateIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issueNumber: number,
  update: { body?: string; state?: "open" | "closed"; state_reason?: "completed" | "reopened" },
): Promise<void> {
  await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, ...update });
}

export async function commentOnIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issueNumber: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
}
