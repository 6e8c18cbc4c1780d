import type { ProbotOctokit } from "probot";
import { DRIFT_LABEL } from "../core/render/drift-issue.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import { parseDriftMarker, type DriftRef } from "../core/monitoring/marker.js";
import type { Coordination } from "../store/coordination.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { completeOpenedIssue, OPENING_ISSUE_BODY } from "./sign-off-issues.js";

export interface DriftIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  ref: DriftRef;
}

/** Every "Drift detected" issue this app opened in the repository, open or closed, by label and signed marker. */
export async function listDriftIssues(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<DriftIssue[]> {
  const { owner, repo } = location;
  let issues: IssueFields[];
  try {
    issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: DRIFT_LABEL,
      per_page: 100,
    });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the issues labelled ${DRIFT_LABEL}` });
  }
  return issues.flatMap((issue) => {
    if (issue.pull_request || issue.performed_via_github_app?.id !== appId) return [];
    // a marker copied from another of this app's issues does not verify here
    const key = issueMarkerKey(markerKey, { ...location, issue: issue.number });
    const ref = parseDriftMarker(issue.body, key, `${owner}/${repo}`);
    if (!ref) return [];
    return [{ number: issue.number, state: issue.state === "closed" ? "closed" : "open", body: issue.body ?? "", ref }];
  });
}

/** Whether an issue is about this model version (name, version and digest). */
export function isDriftOf(issue: DriftIssue, version: { name: string; version: string; digest: string }): boolean {
  return (
    issue.ref.model === version.name && issue.ref.version === version.version && issue.ref.digest === version.digest
  );
}

const LABEL_COLOR = "d93f0b";
const LABEL_DESCRIPTION = "modelgate: production monitoring crossed a threshold (EN 304 223 5.4.2-2, 5.4.2-4)";

/**
 * Opens the drift issue of one model version once across runs and replicas: created under the claim
 * `<repo>:<model>:drift-<digest hex>-<version>` (Coordination.findOrCreateOnce), found by its signed marker.
 */
export async function ensureDriftIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { ref: DriftRef; title: string; body: (issueKey: string) => string; appId: number; markerKey: string },
  coordination: Coordination,
  label: { ensured: boolean },
): Promise<{ issue: DriftIssue; created: boolean }> {
  const { owner, repo } = location;
  const of = { name: issue.ref.model, version: issue.ref.version, digest: issue.ref.digest };
  const find = async () => (await listDriftIssues(octokit, location, issue)).find((found) => isDriftOf(found, of));
  let created = false;
  try {
    const found = await coordination.findOrCreateOnce(
      `${owner}/${repo}:${issue.ref.model}:drift-${issue.ref.digest.replace(/^sha256:/, "")}-${issue.ref.version.replace(/[^0-9A-Za-z.-]/g, "")}`,
      {
        find,
        create: async () => {
          created = true;
          if (!label.ensured) {
            await octokit.rest.issues
              .createLabel({ owner, repo, name: DRIFT_LABEL, color: LABEL_COLOR, description: LABEL_DESCRIPTION })
              .catch((error: unknown) => {
                if (httpStatus(error) !== 422) throw error;
              });
            label.ensured = true;
          }
          // the marker is bound to the issue's number: opened with a placeholder, then signed
          const { data } = await octokit.rest.issues.create({
            owner,
            repo,
            title: issue.title,
            body: OPENING_ISSUE_BODY,
            labels: [DRIFT_LABEL],
          });
          const body = issue.body(issueMarkerKey(issue.markerKey, { owner, repo, issue: data.number }));
          await completeOpenedIssue(octokit, { owner, repo }, data.number, body);
          return { number: data.number, state: "open" as const, body, ref: issue.ref };
        },
      },
    );
    return { issue: found, created };
  } catch (error) {
    if (error instanceof CouldNotEvaluate) throw error;
    throw new Error(
      `could not open the drift issue of ${issue.ref.model} in ${owner}/${repo}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
