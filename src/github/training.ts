import type { ProbotOctokit } from "probot";
import type { TrainingFacts } from "../core/governance/training.js";
import { loadTrainingRoster, TRAINING_ROSTER_PATH } from "../core/governance/training-schema.js";
import type { Policy } from "../core/policy/schema.js";
import { CouldNotEvaluate, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** A repository whose default branch is read: GitHub's contents and commits answer for it when no ref is named. */
interface RosterAt {
  owner: string;
  repo: string;
}

/**
 * The training roster that judges sign-offs (docs/governance.md "Training"): `governance/training.yaml` on the
 * repository's default branch; when it has none, the one on the default branch of the organisation's `.github`
 * repository (GitHub answers for the default branch when no ref is named). Nothing is read when `training.require` is false. A read GitHub fails is a CouldNotEvaluate.
 */
export async function readTrainingFacts(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  policy: Pick<Policy, "training">,
  now: Date,
): Promise<TrainingFacts | undefined> {
  if (policy.training.require === false) return undefined;
  const own = await readRepositoryRoster(octokit, { owner, repo }, now);
  if (own) return own;
  const organisation =
    repo === ".github" ? undefined : await readRepositoryRoster(octokit, { owner, repo: ".github" }, now);
  return organisation ?? { roster: undefined, source: TRAINING_ROSTER_PATH, now: now.toISOString() };
}

/** The roster of one repository (the daily run reminds where the roster lives); undefined when it has none. */
export async function readRepositoryRoster(
  octokit: ProbotOctokit,
  at: RosterAt,
  now: Date,
): Promise<TrainingFacts | undefined> {
  const { owner, repo } = at;
  const what = `the training roster ${TRAINING_ROSTER_PATH}`;
  let text: string;
  try {
    const response = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: TRAINING_ROSTER_PATH,
      mediaType: { format: "raw" },
    });
    if (typeof response.data !== "string")
      throw new CouldNotEvaluate(`${TRAINING_ROSTER_PATH} of ${owner}/${repo} is not a file`);
    text = response.data;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `${what} on the default branch` });
  }
  const source = `${TRAINING_ROSTER_PATH} of ${owner}/${repo}`;
  const loaded = loadTrainingRoster(TRAINING_ROSTER_PATH, text);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    return {
      roster: undefined,
      source,
      invalid: first ? `line ${first.line}: ${first.message}` : "unreadable",
      now: now.toISOString(),
    };
  }
  const committedAt = await lastCommitDate(octokit, at);
  return { roster: loaded.roster, source, ...(committedAt ? { committedAt } : {}), now: now.toISOString() };
}

/** When the roster last changed on the branch: a record dated after it was written before the training happened. */
async function lastCommitDate(octokit: ProbotOctokit, { owner, repo }: RosterAt): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.listCommits({
      owner,
      repo,
      path: TRAINING_ROSTER_PATH,
      per_page: 1,
    });
    return data[0]?.commit.committer?.date ?? undefined;
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the last commit of ${TRAINING_ROSTER_PATH}` });
  }
}
