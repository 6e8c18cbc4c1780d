import type { ProbotOctokit } from "probot";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

/** What an evaluation needs to know about a pull request. */
export interface PullRequestUnderEvaluation {
  number: number;
  /** Login of the PR author: their own approval never counts (unless the policy allows it). */
  author: string;
  /** The branch the PR targets: its policy judges the PR. */
  baseRef: string;
  baseSha: string;
  headSha: string;
}

interface PullRequestFields {
  number: number;
  state: string;
  user: { login: string } | null;
  base: { ref: string; sha: string };
  head: { sha: string };
}

/** Reads the fields of a pull request payload modelgate uses. */
export function pullRequestUnderEvaluation(pr: PullRequestFields): PullRequestUnderEvaluation {
  return { number: pr.number, author: pr.user?.login ?? "", baseRef: pr.base.ref, baseSha: pr.base.sha, headSha: pr.head.sha };
}

/**
 * The open pull requests whose head is `headSha`, read fresh (check_run and check_suite
 * payloads carry no author). The payload's PR numbers are used when given; a PR from a
 * fork is not listed there, so then GitHub's "pull requests of a commit" answers.
 */
export async function openPullRequestsForCommit(
  octokit: ProbotOctokit,
  { owner, repo, headSha, numbers }: { owner: string; repo: string; headSha: string; numbers: ReadonlyArray<number> },
): Promise<PullRequestUnderEvaluation[]> {
  const found: PullRequestFields[] = [];
  if (numbers.length > 0) {
    for (const number of new Set(numbers)) {
      try {
        found.push((await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data);
      } catch (error) {
        rethrowAsCouldNotEvaluate(error, { owner, repo, what: `pull request #${number}` });
      }
    }
  } else {
    try {
      const listed = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, { owner, repo, commit_sha: headSha, per_page: 100 });
      found.push(...listed.filter((pr) => pr.head.sha === headSha));
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the pull requests of the commit", ref: headSha });
    }
  }
  return found.filter((pr) => pr.state === "open").map(pullRequestUnderEvaluation);
}
