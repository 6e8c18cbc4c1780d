/** One rate limit as GitHub's last answer of a resource stated it (x-ratelimit-* headers). */
export interface RateLimitReading {
  /** `core`, `graphql`, … */
  resource: string;
  limit: number;
  remaining: number;
  /** When the window resets, epoch seconds. */
  resetAt: number;
}

/**
 * The share of each rate limit the sweep leaves to the gates: it stops when less than this share is left, so
 * a pull request, release or deployment is never kept waiting by the inventory (docs/inventory.md, "Pacing").
 */
export const SWEEP_RESERVED_SHARE = 0.5;

/**
 * May the sweep read the next repository? No, while any resource it uses has less than the reserved share of
 * its limit left; it then resumes one second after that window resets (at least a minute from now, at most an hour).
 */
export function sweepPause(
  readings: ReadonlyArray<RateLimitReading>,
  now: Date,
): { resumeInSeconds: number } | undefined {
  let resumeAt: number | undefined;
  for (const reading of readings) {
    if (reading.limit <= 0 || reading.remaining >= reading.limit * SWEEP_RESERVED_SHARE) continue;
    resumeAt = Math.max(resumeAt ?? 0, reading.resetAt);
  }
  if (resumeAt === undefined) return undefined;
  const seconds = Math.ceil(resumeAt - now.getTime() / 1000) + 1;
  return { resumeInSeconds: Math.min(3600, Math.max(60, seconds)) };
}
