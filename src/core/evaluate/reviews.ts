import type { Review } from "./types.js";

/** Review states that change a reviewer's standing; a later COMMENTED review keeps an approval (as on GitHub). */
const DECISIVE: ReadonlySet<Review["state"]> = new Set(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

/** Each reviewer's latest decisive review, in login order. */
export function latestReviews(reviews: ReadonlyArray<Review>): Review[] {
  const latest = new Map<string, Review>();
  const ordered = [...reviews]
    .filter((r) => DECISIVE.has(r.state))
    .sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
  for (const review of ordered) latest.set(review.login.toLowerCase(), review);
  return [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, review]) => review);
}
