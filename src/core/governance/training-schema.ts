import { z } from "zod";
import { loadYaml, DEFAULT_YAML_LIMITS, type FileError, type YamlLimits } from "../yaml/load-yaml.js";
import { zodIssuesToFileErrors } from "../yaml/zod-errors.js";

/** Where the training roster lives, in the repository or in the organisation's `.github` repository (docs/governance.md). */
export const TRAINING_ROSTER_PATH = "governance/training.yaml";

const courseId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a course id is lower case letters, digits, ., _ or -");
const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "a role name is lower case letters, digits, _ or -");
// ASCII only: a look-alike (Cyrillic а, a zero-width joiner) is not a GitHub login and never names one
const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "not a GitHub login");
// a calendar date, checked for existence below: 2026-02-30 is refused, not rolled over
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date is written YYYY-MM-DD")
  .refine(isCalendarDate, "not a calendar date");

/** 2026-02-30 is no date: it must come back from the calendar as written (and a malformed text must not throw). */
function isCalendarDate(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === text;
}

const course = z.strictObject({
  id: courseId,
  title: z.string().min(1).max(200).optional(),
  roles: z.array(roleName).min(1),
  validity_days: z.number().int().positive().max(3650),
});

/** One completion; exported for the importer, which checks each row before it writes anything. */
export const trainingRecordSchema = z.strictObject({
  login,
  course: courseId,
  completed: isoDate,
  evidence: z
    .string()
    .regex(/^[a-f0-9]{64}$/, "evidence is the SHA-256 of the certificate: 64 lower-case hex digits")
    .optional(),
});

export const trainingRosterSchema = z
  .strictObject({
    courses: z.array(course).min(1),
    records: z.array(trainingRecordSchema).default([]),
  })
  .superRefine((roster, ctx) => {
    const seen = new Set<string>();
    for (const [index, { id }] of roster.courses.entries()) {
      if (seen.has(id))
        ctx.addIssue({ code: "custom", path: ["courses", index, "id"], message: `course "${id}" is listed twice` });
      seen.add(id);
    }
    // a record of a course no one declared would train nobody, silently: refuse it
    for (const [index, entry] of roster.records.entries()) {
      if (!seen.has(entry.course))
        ctx.addIssue({
          code: "custom",
          path: ["records", index, "course"],
          message: `course "${entry.course}" is not listed under courses`,
        });
    }
  });

export type TrainingRoster = z.output<typeof trainingRosterSchema>;
export type TrainingRecord = TrainingRoster["records"][number];

export type RosterResult = { ok: true; roster: TrainingRoster } | { ok: false; errors: FileError[] };

/** Reads an untrusted roster: the YAML limits of every file, then the schema; errors name file and line. */
export function loadTrainingRoster(path: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): RosterResult {
  const parsed = loadYaml(path, text, limits);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const result = trainingRosterSchema.safeParse(parsed.yaml.value);
  if (!result.success)
    return { ok: false, errors: zodIssuesToFileErrors(result.error.issues, path, parsed.yaml.lineOf) };
  return { ok: true, roster: result.data };
}
