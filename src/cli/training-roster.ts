import { trainingFactsFromText } from "../core/governance/training-evidence.js";
import type { TrainingFacts } from "../core/governance/training.js";
import { TRAINING_ROSTER_PATH } from "../core/governance/training-schema.js";
import { CliError } from "./cli-error.js";
import { runGit } from "./git.js";
import { readTextFile, type GitSnapshot } from "./git-snapshot.js";

/**
 * The training roster of the audited commit as the gates read it from the default branch (docs/governance.md
 * "Training"): its text and the date of the last commit that changed it, judged at `now`. The audit replays sign-offs
 * with it and the matrix reads its evidence (trainingProvisionEvidence).
 */
export async function readTrainingRoster(repo: string, head: GitSnapshot, now: Date): Promise<TrainingFacts> {
  const text = await readTextFile(repo, head, TRAINING_ROSTER_PATH);
  let committedAt: string | undefined;
  if (text !== undefined) {
    const log = await runGit(repo, ["log", "-1", "--format=%cI", head.commit, "--", TRAINING_ROSTER_PATH]);
    // without the date a forward-dated record could count: no answer is no roster
    if (log.code !== 0) throw new CliError(`cannot read the history of ${TRAINING_ROSTER_PATH}: ${log.stderr.trim()}`);
    committedAt = log.stdout.toString("utf8").trim() || undefined;
  }
  return trainingFactsFromText(text, TRAINING_ROSTER_PATH, committedAt, now);
}
