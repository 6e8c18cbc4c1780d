import type { Decision } from "../evaluate/types.js";
import { TRAINING_ROSTER_PATH } from "../governance/training-schema.js";
import { code, inlineText } from "./markdown.js";
import { STATUS_ICON } from "./requirement-kinds.js";
import type { TrainingDue } from "../governance/training.js";
import { reminderMarker, type ReminderClosing, type ReminderRef } from "../governance/training-reminder.js";

/** The check run's words for a pull request that changes the training roster (docs/governance.md "Training"). */
export function rosterSection(decision: Decision): string {
  const roster = decision.roster ?? [];
  if (roster.length === 0) return "";
  const rows = roster.map(
    (r) =>
      `| ${code(r.id, true)} | ${STATUS_ICON[r.status]} ${r.status} | ${inlineText(r.message)} | ${inlineText(r.provision, 100)} |\n`,
  );
  return [
    "",
    "### Training roster",
    "",
    `This pull request changes ${code(TRAINING_ROSTER_PATH)}, which decides whose sign-offs count. It takes effect on the default branch once a holder of ${code("training.admins")} who is not its author approves it.`,
    "",
    "| Requirement | Status | Evidence or fix | Provision |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The title's part for a roster change that still waits for its admins. */
export function rosterTitlePart(decision: Decision): string {
  const roster = decision.roster ?? [];
  if (roster.some((r) => r.status === "failed")) return "invalid training roster";
  return roster.some((r) => r.status === "pending") ? "training roster change awaits its admins" : "";
}

/** The label of "Training due" issues (docs/governance.md "Training"). */
export const TRAINING_REMINDER_LABEL = "training-due";

export function reminderIssueTitle(due: Pick<TrainingDue, "login" | "course">): string {
  return `Training due: ${due.login} — ${due.course}`;
}

/**
 * The body of a "Training due" issue: the signed marker, the person mentioned (a login the roster schema checked), the
 * day the record stops counting, the roles it qualifies for, and how to renew.
 */
export function renderReminderIssueBody(due: TrainingDue, ref: ReminderRef, now: Date, markerKey: string): string {
  const today = now.toISOString().slice(0, 10);
  const when = due.expires <= today ? `expired on **${due.expires}**` : `expires on **${due.expires}**`;
  return [
    reminderMarker(ref, markerKey),
    "",
    `@${due.login}, your ${code(due.course)} training ${when}. It qualifies you for ${due.roles.map((role) => code(role)).join(", ")}.`,
    "",
    `From that day, while the policy's ${code("training.require")} is ${code("true")}, your sign-offs and reviews for these roles do not count.`,
    "",
    "**To renew:** complete the course again, then add the new record to " +
      `${code(TRAINING_ROSTER_PATH)} in a pull request (${code("modelgate training import <export.csv>")} turns your learning system's export into one); a holder of ${code("training.admins")} who is not its author approves it. ` +
      "modelgate closes this issue when the renewed record reaches the default branch.",
    "",
  ].join("\n");
}

export function renderReminderClosedComment(closing: ReminderClosing): string {
  if (closing.kind === "renewed") return `✅ Renewed: the record now counts until ${closing.expires}. Closing.`;
  return `The roster no longer holds this record, so there is nothing left to remind of. Closing.`;
}
