import type { ProbotOctokit } from "probot";
import type { DeliveryAttempt } from "../core/recovery/redeliveries.js";

/**
 * The App's webhook deliveries since `since`, newest first as GitHub lists them (App JWT,
 * cursor pagination: 100 per page, stops at the first page reaching past `since`).
 */
export async function listDeliveryAttempts(appOctokit: ProbotOctokit, since: Date): Promise<DeliveryAttempt[]> {
  const attempts: DeliveryAttempt[] = [];
  for await (const page of appOctokit.paginate.iterator("GET /app/hook/deliveries", { per_page: 100 })) {
    const rows = page.data as Array<{ id: number; guid: string; delivered_at: string; status_code: number }>;
    for (const row of rows)
      attempts.push({ id: row.id, guid: row.guid, deliveredAt: row.delivered_at, statusCode: row.status_code });
    if (rows.length === 0 || rows.some((row) => Date.parse(row.delivered_at) < since.getTime())) break;
  }
  return attempts.filter((attempt) => Date.parse(attempt.deliveredAt) >= since.getTime());
}

/** Asks GitHub to deliver an attempt again (it keeps the GUID). */
export async function redeliver(appOctokit: ProbotOctokit, attemptId: number): Promise<void> {
  await appOctokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: attemptId });
}
