import type { Policy } from "../core/policy/schema.js";
import { reminderPlan, reminderRef } from "../core/governance/training-reminder.js";
import { reminderIssueTitle, renderReminderClosedComment, renderReminderIssueBody } from "../core/render/training.js";
import { ownAppId } from "../github/app-identity.js";
import { closeReminderIssue, ensureReminderIssue, listReminderIssues } from "../github/training-reminders.js";
import { readRepositoryRoster } from "../github/training.js";
import type { SweepContext, SweptRepository } from "./re-evaluation.js";

/** Reminder issues written in one repository per run; the rest waits for the next day (nothing due is lost). */
const MAX_REMINDER_WRITES_PER_RUN = 20;

/**
 * The daily run's training reminders (docs/governance.md "Training"): in the repository that holds the roster, when its
 * policy turns training on, one "Training due" issue mentioning the person per record that expires within
 * `training.notice_days`; closed when the record is renewed. One write that fails does not stop the others: they are
 * thrown together at the end, so the run is retried.
 */
export async function remindTraining(ctx: SweepContext, repository: SweptRepository, policy: Policy): Promise<void> {
  if (policy.training.require === false) return;
  const { owner, repo } = repository;
  const location = { owner, repo };
  const training = await readRepositoryRoster(ctx.octokit, location, ctx.now);
  if (!training?.roster) {
    if (training?.invalid !== undefined)
      ctx.log.warn(
        { repo: `${owner}/${repo}`, reason: training.invalid },
        "modelgate could not read the training roster",
      );
    return;
  }
  const appId = await ownAppId(ctx.octokit);
  const issues = await listReminderIssues(ctx.octokit, location, { appId, markerKey: ctx.markerKey });
  const plan = reminderPlan(training.roster, policy, ctx.now, issues);
  const failures: unknown[] = [];
  let writes = 0;
  const step = async (work: () => Promise<void>) => {
    if (writes >= MAX_REMINDER_WRITES_PER_RUN) return;
    writes += 1;
    await work().catch((error: unknown) => void failures.push(error));
  };
  const label = { ensured: false };
  for (const due of plan.open) {
    const ref = reminderRef(`${owner}/${repo}`, due);
    await step(async () => {
      const created = await ensureReminderIssue(
        ctx.octokit,
        location,
        {
          ref,
          title: reminderIssueTitle(due),
          body: (issueKey) => renderReminderIssueBody(due, ref, ctx.now, issueKey),
          appId,
          markerKey: ctx.markerKey,
        },
        ctx.coordination,
        label,
      );
      if (created)
        ctx.log.info(
          { repo: `${owner}/${repo}`, login: due.login, course: due.course, expires: due.expires },
          "modelgate training reminder opened",
        );
    });
  }
  for (const { ref, closing } of plan.close) {
    const issue = issues.find((found) => found.ref === ref);
    if (!issue) continue;
    await step(() => closeReminderIssue(ctx.octokit, location, issue.number, renderReminderClosedComment(closing)));
  }
  if (failures.length > 0)
    throw new AggregateError(
      failures,
      `${failures.length} training reminder(s) of ${owner}/${repo} could not be written`,
    );
}
