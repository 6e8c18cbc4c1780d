import type { Review } from "./types.js";
import { compareCodeUnits } from "../compare-code-units.js";

/** Review states that change a reviewer's standing; a later COMMENTED review keeps an approval (as on GitHub). */
const DECISIVE: ReadonlySet<Review["state"]> = new Set(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

/** Each reviewer's latest decisive review, in login order. */
export function latestReviews(reviews: ReadonlyArray<Review>): Review[] {
  const latest = new Map<string, Review>();
  const ordered = [...reviews]
    .filter((r) => DECISIVE.has(r.state))
    .sort((a, b) => compareCodeUnits(a.submittedAt, b.submittedAt));
  for (const review of ordered) latest.set(review.login.toLowerCase(), review);
  return [...latest.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([, review]) => review);
}
