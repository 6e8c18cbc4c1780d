import type { ProbotOctokit } from "probot";
import { issueMarkerKey } from "../core/markers/signature.js";
import { parseReminderMarker, sameReminder, type ReminderRef } from "../core/governance/training-reminder.js";
import { TRAINING_REMINDER_LABEL } from "../core/render/training.js";
import type { Coordination } from "../store/coordination.js";
import type { IssueFields, RepositoryLocation } from "./end-of-life-issues.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { completeOpenedIssue, OPENING_ISSUE_BODY } from "./sign-off-issues.js";

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
  const { owner, repo } = location;
  let issues: IssueFields[];
  try {
    issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: TRAINING_REMINDER_LABEL,
      per_page: 100,
    });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the issues labelled ${TRAINING_REMINDER_LABEL}` });
  }
  return issues.flatMap((issue): ReminderIssue[] => {
    if (issue.pull_request || issue.performed_via_github_app?.id !== appId) return [];
    // a marker copied from another of this app's issues does not verify here: it is bound to the issue
    const key = issueMarkerKey(markerKey, { ...location, issue: issue.number });
    const ref = parseReminderMarker(issue.body, key, `${owner}/${repo}`);
    return ref ? [{ number: issue.number, state: issue.state === "closed" ? "closed" : "open", ref }] : [];
  });
}

const LABEL_COLOR = "d4c5f9";
const LABEL_DESCRIPTION = "modelgate: a training record that expires (EN 304 223 5.1.1-2)";

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
        if (!label.ensured) {
          await octokit.rest.issues
            .createLabel({
              owner,
              repo,
              name: TRAINING_REMINDER_LABEL,
              color: LABEL_COLOR,
              description: LABEL_DESCRIPTION,
            })
            .catch((error: unknown) => {
              if (httpStatus(error) !== 422) throw error;
            });
          label.ensured = true;
        }
        const { data } = await octokit.rest.issues.create({
          owner,
          repo,
          title: issue.title,
          body: OPENING_ISSUE_BODY,
          labels: [TRAINING_REMINDER_LABEL],
        });
        await completeOpenedIssue(
          octokit,
          location,
          data.number,
          issue.body(issueMarkerKey(issue.markerKey, { owner, repo, issue: data.number })),
        );
        return { number: data.number, state: "open" as const, ref: issue.ref };
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
