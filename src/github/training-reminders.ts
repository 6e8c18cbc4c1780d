import type { ProbotOctokit } from "probot";
import { parseReminderMarker, sameReminder, type ReminderRef } from "../core/governance/training-reminder.js";
import { TRAINING_REMINDER_LABEL } from "../core/render/training.js";
import type { Coordination } from "../store/coordination.js";
import { listAppIssues, openLabelledIssue } from "./app-issues.js";
import type { RepositoryLocation } from "./end-of-life-issues.js";

export interface ReminderIssue {
  number: number;
  state: "open" | "closed";
  ref: ReminderRef;
}

/** Every "Training due" issue this app opened in the repository, open or closed, found by label and signed marker. */
export async function listReminderIssues(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  { appId, markerKey }: { appId: number; markerKey: string },
): Promise<ReminderIssue[]> {
  const repository = `${location.owner}/${location.repo}`;
  return listAppIssues(octokit, location, { label: TRAINING_REMINDER_LABEL, appId, markerKey }, (body, key) =>
    parseReminderMarker(body, key, repository),
  );
}

const REMINDER_ISSUE_LABEL = {
  name: TRAINING_REMINDER_LABEL,
  color: "d4c5f9",
  description: "modelgate: a training record that expires (EN 304 223 5.1.1-2)",
};

/**
 * Opens the reminder of one record once across runs and replicas: looked for first, else created under the claim of
 * its create-once key (Coordination.findOrCreateOnce). Opened with a placeholder, then signed for its number.
 */
export async function ensureReminderIssue(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  issue: { ref: ReminderRef; title: string; body: (issueKey: string) => string; appId: number; markerKey: string },
  coordination: Coordination,
  label: { ensured: boolean },
): Promise<boolean> {
  const { owner, repo } = location;
  let created = false;
  await coordination.findOrCreateOnce(
    `${owner}/${repo}:training-${issue.ref.login}-${issue.ref.course}-${issue.ref.expires}`,
    {
      find: async () =>
        (await listReminderIssues(octokit, location, issue)).find((found) => sameReminder(found.ref, issue.ref)),
      create: async () => {
        created = true;
        const { number } = await openLabelledIssue(octokit, location, issue, REMINDER_ISSUE_LABEL, label);
        return { number, state: "open" as const, ref: issue.ref };
      },
    },
  );
  return created;
}

/** Closes a reminder with the comment saying why. */
export async function closeReminderIssue(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  issueNumber: number,
  comment: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: comment });
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issueNumber,
    state: "closed",
    state_reason: "completed",
  });
}
