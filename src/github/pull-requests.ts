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
  /** The base branch is the repository's default branch (where re-evaluations land). */
  baseIsDefaultBranch?: boolean;
}

interface PullRequestFields {
  number: number;
  state: string;
  user: { login: string } | null;
  base: { ref: string; sha: string; repo?: { default_branch?: string } | null };
  head: { sha: string };
}

/** Reads the fields of a pull request payload modelgate uses. */
export function pullRequestUnderEvaluation(pr: PullRequestFields): PullRequestUnderEvaluation {
  return {
    number: pr.number,
    author: pr.user?.login ?? "",
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
    headSha: pr.head.sha,
    ...(pr.base.repo?.default_branch === pr.base.ref ? { baseIsDefaultBranch: true } : {}),
  };
}

/**
 * The open pull requests named by an event (check_run and check_suite payloads carry numbers,
 * no author), read fresh; closed ones are left out.
 */
export async function openPullRequestsByNumber(
  octokit: ProbotOctokit,
  { owner, repo, numbers }: { owner: string; repo: string; numbers: ReadonlyArray<number> },
): Promise<PullRequestUnderEvaluation[]> {
  const found: PullRequestFields[] = [];
  for (const number of new Set(numbers)) {
    try {
      found.push((await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data);
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: `pull request #${number}` });
    }
  }
  return found.filter((pr) => pr.state === "open").map(pullRequestUnderEvaluation);
}

/**
 * EVERY open pull request whose head is `headSha` (docs/security.md, "One check run per head"):
 * the open pull requests of the repository, all pages, filtered by head SHA. This is the exact
 * list: `GET /commits/{sha}/pulls` answers only the merged pull request once the commit is on the
 * default branch, and `pulls.list` with `head` filters by branch name, so another branch at the
 * same commit would be missed. `known` are pull requests the event named (read fresh): they
 * count even while GitHub's listing lags behind the event. A listing that cannot be read throws
 * CouldNotEvaluate: the head's run then fails closed.
 */
export async function openPullRequestsOfHead(
  octokit: ProbotOctokit,
  {
    owner,
    repo,
    headSha,
    known,
  }: { owner: string; repo: string; headSha: string; known: ReadonlyArray<PullRequestUnderEvaluation> },
): Promise<PullRequestUnderEvaluation[]> {
  let listed: PullRequestFields[];
  try {
    listed = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: "open", per_page: 100 });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the open pull requests", ref: headSha });
  }
  const byNumber = new Map<number, PullRequestUnderEvaluation>();
  for (const pr of listed)
    if (pr.state === "open" && pr.head.sha === headSha) byNumber.set(pr.number, pullRequestUnderEvaluation(pr));
  for (const pr of known) if (pr.headSha === headSha && !byNumber.has(pr.number)) byNumber.set(pr.number, pr);
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}
