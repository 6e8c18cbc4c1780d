import type { PolicyDifference } from "../policy/compare-policies.js";
import type { Policy } from "../policy/schema.js";
import type { TrainingPolicy } from "../policy/training-schema.js";
import { compareCodeUnits } from "../compare-code-units.js";
import { TRAINING_ROSTER_PATH, type TrainingRecord, type TrainingRoster } from "./training-schema.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The provisions a current roster evidences (docs/governance.md "Training"). */
export const TRAINING_PROVISIONS = "5.1.1-1, 5.1.1-1.1, 5.1.1-2, 5.1.1-2.2";

/**
 * The training roster as the edge read it, always from the default branch (of the repository, else of the
 * organisation's `.github` repository): never from a pull request's head, so no one trains themselves in their own PR.
 */
export interface TrainingFacts {
  /** The roster; undefined when neither place has one. */
  roster: TrainingRoster | undefined;
  /** Where it was read, for messages: "governance/training.yaml of acme/.github". */
  source: string;
  /** Why the file could not be used ("line 4: course \"x\" is not listed under courses"): then nobody is trained. */
  invalid?: string;
  /** Date (ISO) of the last commit that changed the roster: a completion dated after it was written before it happened. */
  committedAt?: string;
  /** The judgement time (ISO): training must be current when the gate judges, not only when someone signed. */
  now: string;
}

/** Whether one person's training for one role is current, and if not, why (one sentence fragment). */
export type TrainingStanding = { current: true; course: string; expires: string } | { current: false; reason: string };

/** What training does to one sign-off or review under the policy: counts, counts with a warning (`warn`), or not. */
export type TrainingJudgement = { counts: true; warning?: string } | { counts: false; reason: string };

/** `completed` + `days`, as a YYYY-MM-DD date: the first day the record no longer counts. */
export function expiryDate(completed: string, days: number): string {
  return new Date(Date.parse(`${completed}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Is `login`'s training for `role` current at the judgement time (docs/governance.md "Training")? A record counts from
 * its `completed` date for its course's `validity_days` — a record added late, claiming an old date, counts only for
 * what is left of that window, and it reached the default branch only through a roster change the admins signed off.
 * A record dated after the roster's last commit or after the judgement time counts for nothing. Logins compare as
 * GitHub compares them: case-insensitively.
 */
export function trainingStanding(training: TrainingFacts | undefined, login: string, role: string): TrainingStanding {
  if (!training) return { current: false, reason: "the training roster could not be read" };
  if (training.invalid !== undefined)
    return { current: false, reason: `the training roster (${training.source}) is invalid: ${training.invalid}` };
  const roster = training.roster;
  if (!roster) return { current: false, reason: `no training roster (${TRAINING_ROSTER_PATH}) was found` };
  const courses = roster.courses.filter((course) => course.roles.includes(role));
  if (courses.length === 0) return { current: false, reason: `no course in the training roster qualifies for ${role}` };
  const who = login.toLowerCase();
  const today = training.now.slice(0, 10);
  const recordedBy = training.committedAt?.slice(0, 10);
  let best: { course: string; expires: string } | undefined;
  let forward: TrainingRecord | undefined;
  for (const record of roster.records) {
    if (record.login.toLowerCase() !== who) continue;
    const course = courses.find((c) => c.id === record.course);
    if (!course) continue;
    if (record.completed > today || (recordedBy !== undefined && record.completed > recordedBy)) {
      forward = record;
      continue;
    }
    const expires = expiryDate(record.completed, course.validity_days);
    if (!best || expires > best.expires) best = { course: course.id, expires };
  }
  if (best && best.expires > today) return { current: true, ...best };
  if (best) return { current: false, reason: `${role} training expired ${best.expires}` };
  if (forward) {
    const after =
      recordedBy !== undefined && forward.completed <= today
        ? `the roster was last changed (${recordedBy})`
        : `today (${today})`;
    return {
      current: false,
      reason: `the ${role} training record is dated ${forward.completed}, after ${after}: a completion is recorded after it happens`,
    };
  }
  return { current: false, reason: `no training record for ${role}` };
}

/**
 * The one answer to "does training let this sign-off or review count?" (docs/governance.md "Training"): the sign-off
 * replay, the reply to a command and the approval requirements all ask it. `require: false` never looks; `warn`
 * counts and says what would not; `true` counts only current training.
 */
export function trainingJudgement(
  policy: Pick<Policy, "training">,
  training: TrainingFacts | undefined,
  login: string,
  role: string,
): TrainingJudgement {
  const mode = policy.training.require;
  if (mode === false) return { counts: true };
  const standing = trainingStanding(training, login, role);
  if (standing.current) return { counts: true };
  if (mode === "warn")
    return { counts: true, warning: `would not count with training.require: true: ${standing.reason}` };
  return { counts: false, reason: `not counted: ${standing.reason}` };
}

/** A record that expires within the notice window and has no later renewal: its holder is reminded. */
export interface TrainingDue {
  login: string;
  course: string;
  expires: string;
  roles: string[];
}

/**
 * The reminders the daily run keeps open (docs/governance.md "Training"): for each person and course, the record that
 * lasts longest, when it expires within `notice_days` of the judgement time (or has expired). A renewal moves the
 * expiry out of the window, and the reminder closes.
 */
export function trainingDue(roster: TrainingRoster, policy: Pick<Policy, "training">, now: Date): TrainingDue[] {
  const today = now.toISOString().slice(0, 10);
  const horizon = new Date(now.getTime() + policy.training.notice_days * DAY_MS).toISOString().slice(0, 10);
  const latest = new Map<string, TrainingDue>();
  for (const record of roster.records) {
    const course = roster.courses.find((c) => c.id === record.course);
    if (!course || record.completed > today) continue;
    const key = `${record.login.toLowerCase()}\n${course.id}`;
    const expires = expiryDate(record.completed, course.validity_days);
    const known = latest.get(key);
    if (!known || expires > known.expires)
      latest.set(key, { login: record.login, course: course.id, expires, roles: [...course.roles] });
  }
  return [...latest.values()]
    .filter((due) => due.expires <= horizon)
    .sort(
      (a, b) => compareCodeUnits(a.login.toLowerCase(), b.login.toLowerCase()) || compareCodeUnits(a.course, b.course),
    );
}

const REQUIRE_STRICTNESS = { false: 0, warn: 1, true: 2 } as const;

/** What a proposed policy changes in `training` (the policy check lists it with the other settings). */
export function trainingDifferences(current: TrainingPolicy, proposed: TrainingPolicy): PolicyDifference[] {
  const differences: PolicyDifference[] = [];
  if (current.require !== proposed.require) {
    const stricter = REQUIRE_STRICTNESS[`${proposed.require}`] > REQUIRE_STRICTNESS[`${current.require}`];
    differences.push({
      setting: "training.require",
      from: String(current.require),
      to: String(proposed.require),
      effect: stricter ? "strengthens" : "weakens",
    });
  }
  if (current.admins !== proposed.admins)
    differences.push({ setting: "training.admins", from: current.admins, to: proposed.admins, effect: "changes" });
  if (current.notice_days !== proposed.notice_days)
    differences.push({
      setting: "training.notice_days",
      from: String(current.notice_days),
      to: String(proposed.notice_days),
      effect: "changes",
    });
  return differences;
}
