import type { ProbotOctokit } from "probot";
import type { Review } from "../core/evaluate/types.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

const REVIEW_STATES = new Set<Review["state"]>(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]);

/** Every review of a pull request, oldest first (all pages: GitHub lists 30 by default). */
export async function listReviews(
  octokit: ProbotOctokit,
  { owner, repo, pullNumber }: { owner: string; repo: string; pullNumber: number },
): Promise<Review[]> {
  let raw: Awaited<ReturnType<ProbotOctokit["rest"]["pulls"]["listReviews"]>>["data"];
  try {
    raw = await octokit.paginate(octokit.rest.pulls.listReviews, {
      owner,
      repo,
      pull_number: pullNumber,
      per_page: 100,
    });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the reviews of pull request #${pullNumber}` });
  }
  const reviews: Review[] = [];
  for (const review of raw) {
    const state = review.state.toUpperCase() as Review["state"];
    // a deleted account ("ghost") has no login and cannot hold a role
    if (!review.user?.login || !REVIEW_STATES.has(state)) continue;
    reviews.push({
      login: review.user.login,
      state,
      commitId: review.commit_id ?? "",
      submittedAt: review.submitted_at ?? "",
    });
  }
  return reviews;
}
