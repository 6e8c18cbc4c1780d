import type { ProbotOctokit } from "probot";
import { DRIFT_LABEL } from "../core/render/drift-issue.js";
import { parseDriftMarker, type DriftRef } from "../core/monitoring/marker.js";
import type { Coordination } from "../store/coordination.js";
import { listAppIssues, openLabelledIssue } from "./app-issues.js";
import type { RepositoryLocation } from "./end-of-life-issues.js";
import { CouldNotEvaluate } from "./errors.js";

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
  const repository = `${location.owner}/${location.repo}`;
  return listAppIssues(octokit, location, { label: DRIFT_LABEL, appId, markerKey }, (body, key) =>
    parseDriftMarker(body, key, repository),
  );
}

/** Whether an issue is about this model version (name, version and digest). */
export function isDriftOf(issue: DriftIssue, version: { name: string; version: string; digest: string }): boolean {
  return (
    issue.ref.model === version.name && issue.ref.version === version.version && issue.ref.digest === version.digest
  );
}

const DRIFT_ISSUE_LABEL = {
  name: DRIFT_LABEL,
  color: "d93f0b",
  description: "modelgate: production monitoring crossed a threshold (EN 304 223 5.4.2-2, 5.4.2-4)",
};

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
          const { number, body } = await openLabelledIssue(octokit, location, issue, DRIFT_ISSUE_LABEL, label);
          return { number, state: "open" as const, body, ref: issue.ref };
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
