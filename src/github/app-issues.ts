import type { ProbotOctokit } from "probot";
import { issueMarkerKey } from "../core/markers/signature.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { completeOpenedIssue, OPENING_ISSUE_BODY } from "./sign-off-issues.js";

/** An issue this App opened, with the reference its signed marker carries. */
export interface AppIssue<Ref> {
  number: number;
  state: "open" | "closed";
  body: string;
  htmlUrl: string;
  ref: Ref;
}

/** Reads the reference of a marker signed under `key`, or `undefined` when there is none or it does not verify. */
export type ParseMarker<Ref> = (body: string | null | undefined, key: string) => Ref | undefined;

/**
 * The issue as one this App opened, or `undefined`: only this App can open an issue "performed via" itself, so a
 * marker pasted into anyone else's issue never counts, and the marker must verify under the key bound to this issue.
 */
export function asAppIssue<Ref>(
  issue: IssueFields,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
  parse: ParseMarker<Ref>,
): AppIssue<Ref> | undefined {
  if (issue.pull_request) return undefined;
  if (issue.performed_via_github_app?.id !== appId) return undefined;
  // writers can edit this App's issues too: a marker copied from another of its issues does not verify here
  const ref = parse(issue.body, issueMarkerKey(markerKey, { ...location, issue: issue.number }));
  if (!ref) return undefined;
  return {
    number: issue.number,
    state: issue.state === "closed" ? "closed" : "open",
    body: issue.body ?? "",
    htmlUrl: issue.html_url ?? "",
    ref,
  };
}

/** Every issue (and pull request) with `label` in the repository, open or closed, whoever opened it. */
export async function listLabelledIssues(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  label: string,
): Promise<IssueFields[]> {
  try {
    return await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: label,
      per_page: 100,
    });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the issues labelled ${label}` });
  }
}

/** Every issue with `label` this App opened in the repository, open or closed, found by its signed marker. */
export async function listAppIssues<Ref>(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { label, appId, markerKey }: { label: string; appId: number; markerKey: string },
  parse: ParseMarker<Ref>,
): Promise<AppIssue<Ref>[]> {
  const issues = await listLabelledIssues(octokit, location, label);
  return issues.flatMap((issue) => asAppIssue(issue, location, { appId, markerKey }, parse) ?? []);
}

export interface IssueLabel {
  name: string;
  color: string;
  description: string;
}

/** Creates a label; one that already exists (GitHub answers 422, the usual case after the first issue) is kept. */
export async function createLabelIfMissing(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  { name, color, description }: IssueLabel,
): Promise<void> {
  // GitHub creates a missing label named in a new issue only for writers with push access: not relied on
  await octokit.rest.issues.createLabel({ owner, repo, name, color, description }).catch((error: unknown) => {
    if (httpStatus(error) !== 422) throw error;
  });
}

/**
 * Opens an issue whose markers are bound to its number, known once it exists: opened with a placeholder, then
 * signed (completeOpenedIssue). Returns the number, the signed body and the issue's address.
 */
export async function openSignedIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issue: { title: string; labels: string[]; body: (issueKey: string) => string; markerKey: string },
): Promise<{ number: number; body: string; htmlUrl: string }> {
  const { data } = await octokit.rest.issues.create({
    owner,
    repo,
    title: issue.title,
    body: OPENING_ISSUE_BODY,
    labels: issue.labels,
  });
  const body = issue.body(issueMarkerKey(issue.markerKey, { owner, repo, issue: data.number }));
  await completeOpenedIssue(octokit, { owner, repo }, data.number, body);
  return { number: data.number, body, htmlUrl: data.html_url };
}

/** Opens an issue with one label, creating the label first unless this run already did (`ensured`, shared by a run). */
export async function openLabelledIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { title: string; body: (issueKey: string) => string; markerKey: string },
  label: IssueLabel,
  ensured: { ensured: boolean },
): Promise<{ number: number; body: string; htmlUrl: string }> {
  if (!ensured.ensured) {
    await createLabelIfMissing(octokit, location, label);
    ensured.ensured = true;
  }
  return openSignedIssue(octokit, location, { ...issue, labels: [label.name] });
}
