/** One attempt of a webhook delivery, as GitHub lists the App's deliveries. */
export interface DeliveryAttempt {
  /** The attempt's id: what a redelivery is asked for. */
  id: number;
  /** The delivery's GUID, shared by all its attempts. */
  guid: string;
  deliveredAt: string;
  /** The HTTP status modelgate answered (0 when GitHub got no answer). */
  statusCode: number;
}

/** GitHub redelivers deliveries of the last 3 days; an hour less leaves room for a slow run. */
export const REDELIVERY_WINDOW_HOURS = 71;
/** A delivery failing again and again is asked for this many times in all, then left to the operator. */
export const MAX_ATTEMPTS_PER_DELIVERY = 6;

/**
 * The attempts to redeliver: for each GUID that never got a 2xx answer, its latest attempt,
 * when that is within the window and the GUID has not been tried too often. Oldest first.
 */
export function attemptsToRedeliver(
  attempts: ReadonlyArray<DeliveryAttempt>,
  now: Date,
  options: { windowHours?: number; maxAttempts?: number } = {},
): DeliveryAttempt[] {
  const windowStart = now.getTime() - (options.windowHours ?? REDELIVERY_WINDOW_HOURS) * 3_600_000;
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS_PER_DELIVERY;
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  const chosen: DeliveryAttempt[] = [];
  for (const tries of byGuid.values()) {
    if (tries.some((attempt) => attempt.statusCode >= 200 && attempt.statusCode < 300)) continue;
    if (tries.length >= maxAttempts) continue;
    const latest = tries.reduce((a, b) => (Date.parse(b.deliveredAt) > Date.parse(a.deliveredAt) ? b : a));
    if (Date.parse(latest.deliveredAt) < windowStart) continue;
    chosen.push(latest);
  }
  return chosen.sort((a, b) => Date.parse(a.deliveredAt) - Date.parse(b.deliveredAt));
}
