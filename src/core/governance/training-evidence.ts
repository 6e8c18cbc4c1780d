import type { Policy } from "../policy/schema.js";
import { TRAINING_ROSTER_PATH, loadTrainingRoster } from "./training-schema.js";
import { trainingDue, trainingStanding, type TrainingFacts } from "./training.js";
import { CHANGE_KINDS } from "../policy/schema.js";

export type TrainingEvidenceStatus = "evidenced" | "partly" | "missing";

/** What the roster evidences for one provision of 5.1.1 (the audit's matrix names it). */
export interface TrainingProvisionEvidence {
  provision: "5.1.1-1" | "5.1.1-1.1" | "5.1.1-2" | "5.1.1-2.2";
  status: TrainingEvidenceStatus;
  /** One sentence: the evidence, or what is missing. */
  evidence: string;
}

/** The roster as the CLI reads it from git (the file at the audited ref and its last commit's date). */
export function trainingFactsFromText(
  text: string | undefined,
  source: string,
  committedAt: string | undefined,
  now: Date,
): TrainingFacts {
  const base = { source, now: now.toISOString(), ...(committedAt ? { committedAt } : {}) };
  if (text === undefined) return { roster: undefined, ...base };
  const loaded = loadTrainingRoster(TRAINING_ROSTER_PATH, text);
  if (loaded.ok) return { roster: loaded.roster, ...base };
  const first = loaded.errors[0];
  return { roster: undefined, invalid: `line ${first?.line ?? 1}: ${first?.message ?? "unreadable"}`, ...base };
}

/**
 * What the training roster evidences of EN 304 223 5.1.1 (docs/governance.md "Training"), for the audit's matrix. A
 * provision is evidenced only when its evidence is present and current at `training.now`:
 * - 5.1.1-1: a valid roster with at least one course and one current record;
 * - 5.1.1-1.1: every role a gate asks for has a course that qualifies for it, and a person whose training for it is current;
 * - 5.1.1-2: training expires (each course's `validity_days`), sign-offs need it (`training.require: true`), and no
 *   record on the roster has lapsed without renewal;
 * - 5.1.1-2.2: the developer role has a course and a current holder, with `training.require: true`.
 */
export function trainingProvisionEvidence(
  policy: Policy,
  training: TrainingFacts | undefined,
): TrainingProvisionEvidence[] {
  const roster = training?.roster;
  if (!training || !roster) {
    const why =
      training?.invalid !== undefined
        ? `the training roster (${training.source}) is invalid: ${training.invalid}`
        : `no training roster (${TRAINING_ROSTER_PATH})`;
    return (["5.1.1-1", "5.1.1-1.1", "5.1.1-2", "5.1.1-2.2"] as const).map((provision) => ({
      provision,
      status: "missing",
      evidence: why,
    }));
  }
  const now = new Date(training.now);
  const people = [...new Set(roster.records.map((r) => r.login.toLowerCase()))];
  const currentFor = (role: string) => people.filter((login) => trainingStanding(training, login, role).current);
  const gatedRoles = [...new Set(CHANGE_KINDS.flatMap((kind) => policy.gates[kind].approvals))];
  const anyCurrent = roster.courses.some((course) => course.roles.some((role) => currentFor(role).length > 0));
  const required = policy.training.require === true;

  const programme: TrainingProvisionEvidence = anyCurrent
    ? {
        provision: "5.1.1-1",
        status: "evidenced",
        evidence: `${TRAINING_ROSTER_PATH}: ${roster.courses.length} course(s), ${people.length} person(s) on record, current training held`,
      }
    : {
        provision: "5.1.1-1",
        status: "partly",
        evidence: `${TRAINING_ROSTER_PATH} lists courses, but nobody's training is current`,
      };

  const uncovered = gatedRoles.filter((role) => currentFor(role).length === 0);
  const perRole: TrainingProvisionEvidence =
    uncovered.length === 0
      ? {
          provision: "5.1.1-1.1",
          status: "evidenced",
          evidence: `a course and a currently trained person for each role the gates ask for: ${gatedRoles.map((role) => `${role} (${currentFor(role).length})`).join(", ")}`,
        }
      : {
          provision: "5.1.1-1.1",
          status: roster.courses.length > 0 ? "partly" : "missing",
          evidence: `no current training for ${uncovered.join(", ")}`,
        };

  const lapsed = trainingDue(roster, { training: { ...policy.training, notice_days: 0 } }, now);
  let refresh: TrainingProvisionEvidence;
  if (required && lapsed.length === 0)
    refresh = {
      provision: "5.1.1-2",
      status: "evidenced",
      evidence: `every course expires (${roster.courses.map((c) => `${c.id}: ${c.validity_days} days`).join(", ")}), sign-offs count only with current training (training.require: true), and no record has lapsed`,
    };
  else
    refresh = {
      provision: "5.1.1-2",
      status: "partly",
      evidence: required
        ? `lapsed without renewal: ${lapsed.map((d) => `${d.login} (${d.course}, ${d.expires})`).join(", ")}`
        : `training.require is ${String(policy.training.require)}: sign-offs do not depend on current training`,
    };

  const developers = currentFor("developer");
  const developer: TrainingProvisionEvidence =
    developers.length > 0 && required
      ? {
          provision: "5.1.1-2.2",
          status: "evidenced",
          evidence: `${developers.length} developer(s) with current training; a developer's sign-off counts only with it`,
        }
      : {
          provision: "5.1.1-2.2",
          status: developers.length > 0 ? "partly" : "missing",
          evidence:
            developers.length > 0
              ? `developers are trained, but training.require is ${String(policy.training.require)}`
              : "no developer has current training",
        };
  return [programme, perRole, refresh, developer];
}

/**
 * The roster's evidence as the audit's matrix takes it (one kind, `training`, for the four provisions): current only
 * when every one of the four is evidenced, so no provision moves on the strength of another's evidence.
 */
export function trainingAuditEvidence(rows: ReadonlyArray<TrainingProvisionEvidence>): {
  current: boolean;
  text: string;
  findings: string[];
} {
  const missing = rows.filter((row) => row.status !== "evidenced");
  const evidenced = rows.find((row) => row.provision === "5.1.1-1" && row.status === "evidenced");
  return {
    current: rows.length > 0 && missing.length === 0,
    text: evidenced?.evidence ?? rows[0]?.evidence ?? `no training roster (${TRAINING_ROSTER_PATH})`,
    findings: missing.map((row) => `${row.provision}: ${row.evidence}`),
  };
}
