import { z } from "zod";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";
import type { Policy } from "../policy/schema.js";
import { expiryDate, trainingDue, type TrainingDue } from "./training.js";
import type { TrainingRoster } from "./training-schema.js";

const REMINDER_KIND = "training-reminder";

/**
 * What a "Training due" issue is about: one person's record of one course, expiring on one day. A renewal moves the
 * day: that record's issue closes, and the next expiry, months later, is a new issue.
 */
export interface ReminderRef {
  repo: string;
  /** Lower case: GitHub logins compare case-insensitively. */
  login: string;
  course: string;
  expires: string;
}

const reminderMarkerSchema = z.strictObject({
  repo: z.string().regex(/^[a-z0-9_.-]{1,100}\/[a-z0-9_.-]{1,100}$/),
  login: z.string().regex(/^[a-z0-9][a-z0-9-]{0,38}$/),
  course: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sig: z.string().max(128),
});

export function reminderRef(repo: string, due: Pick<TrainingDue, "login" | "course" | "expires">): ReminderRef {
  return { repo: repo.toLowerCase(), login: due.login.toLowerCase(), course: due.course, expires: due.expires };
}

/** The signed hidden marker of a reminder issue: an edited or copied marker never counts. */
export function reminderMarker(ref: ReminderRef, markerKey: string): string {
  const payload = reminderRef(ref.repo, ref);
  return renderMarker(REMINDER_KIND, { ...payload, sig: markerSignature(markerKey, REMINDER_KIND, payload) });
}

/** The reminder an issue body is for; undefined when its marker is missing, edited, unsigned or of another repository. */
export function parseReminderMarker(
  body: string | null | undefined,
  markerKey: string,
  repo: string,
): ReminderRef | undefined {
  const parsed = parseMarker(REMINDER_KIND, body, reminderMarkerSchema);
  if (!parsed) return undefined;
  const { sig, ...payload } = parsed;
  if (payload.repo !== repo.toLowerCase()) return undefined;
  return verifyMarkerSignature(markerKey, REMINDER_KIND, payload, sig) ? payload : undefined;
}

export function sameReminder(a: Omit<ReminderRef, "repo">, b: Omit<ReminderRef, "repo">): boolean {
  return a.login === b.login.toLowerCase() && a.course === b.course && a.expires === b.expires;
}

/** Why an open reminder closes: the record was renewed (to a new expiry), or no record of it is left. */
export type ReminderClosing = { kind: "renewed"; expires: string } | { kind: "gone" };

export interface ReminderPlan {
  /** Records due that have no issue yet (open or closed: a closed one was decided by whoever closed it). */
  open: TrainingDue[];
  close: Array<{ ref: ReminderRef; closing: ReminderClosing }>;
}

/**
 * The daily run's plan for the reminders of one roster (docs/governance.md "Training"): an issue per person and course
 * whose record expires within `training.notice_days`, opened once; an open one closed when the person's record of that
 * course now runs to a later day, or is gone.
 */
export function reminderPlan(
  roster: TrainingRoster,
  policy: Pick<Policy, "training">,
  now: Date,
  issues: ReadonlyArray<{ ref: ReminderRef; state: "open" | "closed" }>,
): ReminderPlan {
  const due = trainingDue(roster, policy, now);
  const open = due.filter((d) => !issues.some((issue) => sameReminder(issue.ref, d)));
  const close: ReminderPlan["close"] = [];
  for (const issue of issues) {
    if (issue.state !== "open" || due.some((d) => sameReminder(issue.ref, d))) continue;
    const latest = latestExpiry(roster, issue.ref);
    if (latest === undefined) close.push({ ref: issue.ref, closing: { kind: "gone" } });
    else if (latest > issue.ref.expires) close.push({ ref: issue.ref, closing: { kind: "renewed", expires: latest } });
  }
  return { open, close };
}

function latestExpiry(roster: TrainingRoster, ref: ReminderRef): string | undefined {
  const course = roster.courses.find((c) => c.id === ref.course);
  if (!course) return undefined;
  let latest: string | undefined;
  for (const record of roster.records) {
    if (record.login.toLowerCase() !== ref.login || record.course !== ref.course) continue;
    const expires = expiryDate(record.completed, course.validity_days);
    if (latest === undefined || expires > latest) latest = expires;
  }
  return latest;
}
