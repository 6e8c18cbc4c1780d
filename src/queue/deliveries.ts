import type PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";
import { deliveriesProcessed, deliveriesReceived, deliveryDuration } from "../metrics.js";
import { SCHEMA } from "../store/database.js";
import { defineQueue } from "./job-queue.js";

/** The queue of stored webhook deliveries (one job per delivery to run). */
export const DELIVERY_QUEUE = "modelgate-delivery";

/** A verified webhook delivery: its GUID (X-GitHub-Delivery), event name and payload. */
export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
}

export type StoreOutcome = "stored" | "redelivered" | "duplicate";

/** A failed delivery is retried with backoff (30 s, 60 s, 120 s, ...) this many times before it is marked failed. */
export const DELIVERY_RETRY_LIMIT = 5;

/** Creates the delivery queue; an existing queue keeps the retry limit it was created with (pg-boss). */
export async function defineDeliveryQueue(boss: PgBoss, retryLimit = DELIVERY_RETRY_LIMIT): Promise<void> {
  await defineQueue(boss, DELIVERY_QUEUE, { retryLimit, retryDelaySeconds: 30, expireInSeconds: 15 * 60 });
}

/**
 * Stores a delivery and its job in one transaction; the webhook is answered only after this
 * returns. A GUID is stored once: the same delivery again (a second replica, a retried
 * request) is a duplicate and runs nothing more; only a delivery that failed for good is
 * stored again and runs again (GitHub's redelivery keeps the GUID).
 */
export async function storeDelivery(pool: pg.Pool, boss: PgBoss, delivery: Delivery): Promise<StoreOutcome> {
  const payload = delivery.payload as { action?: unknown; installation?: { id?: unknown } } | null;
  const action = typeof payload?.action === "string" ? payload.action : null;
  const installation = typeof payload?.installation?.id === "number" ? payload.installation.id : null;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ inserted: boolean }>(
      `INSERT INTO ${SCHEMA}.deliveries (guid, event, action, installation_id, payload, state) VALUES ($1, $2, $3, $4, $5, 'queued')
       ON CONFLICT (guid) DO UPDATE SET state = 'queued', payload = EXCLUDED.payload, attempts = 0, last_error = NULL, received_at = now(), started_at = NULL, finished_at = NULL
         WHERE ${SCHEMA}.deliveries.state = 'failed'
       RETURNING (xmax = 0) AS inserted`,
      [delivery.id, delivery.name, action, installation, JSON.stringify(delivery.payload)],
    );
    const row = rows[0];
    if (row) await boss.send(DELIVERY_QUEUE, { guid: delivery.id }, { db: { executeSql: (text, values) => client.query(text, values) } });
    await client.query("COMMIT");
    const outcome: StoreOutcome = row === undefined ? "duplicate" : row.inserted ? "stored" : "redelivered";
    deliveriesReceived.inc({ event: delivery.name, outcome });
    return outcome;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    deliveriesReceived.inc({ event: delivery.name, outcome: "failed" });
    throw error;
  } finally {
    client.release();
  }
}

export interface DeliveryWorkerOptions {
  pool: pg.Pool;
  boss: PgBoss;
  /** Runs a delivery's handlers (the worker's probot.receive); throws when one failed. */
  receive(delivery: Delivery): Promise<void>;
  log: Logger;
  /** Deliveries run at the same time by this process. */
  concurrency: number;
  /** Pause between looks at an empty queue (ms); a delivery stored by this process wakes the worker at once. */
  pollMs?: number;
  /** How often to look for deliveries whose worker died (ms). */
  sweepMs?: number;
}

/**
 * Runs stored deliveries from the queue, `concurrency` at a time. A delivery runs while its
 * worker holds the advisory lock `delivery:<guid>` in the database: a second job for the same
 * GUID finds it held and does nothing, and the sweep (on start and every `sweepMs`) hands a
 * delivery whose lock is free but which is still marked running — its process was killed —
 * to a new job, so it runs again at once instead of when its job expires.
 */
export class DeliveryWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.fetchLoop();
    const sweep = () =>
      void this.sweep().catch((error: unknown) => this.options.log.error({ reason: (error as Error).message }, "modelgate could not sweep the deliveries"));
    sweep();
    this.sweeper = setInterval(sweep, this.options.sweepMs ?? 15_000);
    this.sweeper.unref();
  }

  /** A delivery was stored: look at the queue now. */
  wake(): void {
    this.wakeUp?.();
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  /**
   * Takes no more jobs, and waits up to `timeoutMs` for the running ones. What is still running
   * then is left to the sweep of another replica or of the next start (its lock dies with the process).
   */
  async stop(timeoutMs: number): Promise<{ unfinished: number }> {
    this.running = false;
    clearInterval(this.sweeper);
    this.wake();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timedOut]);
    clearTimeout(timer);
    return { unfinished: this.inFlight.size };
  }

  private async fetchLoop(): Promise<void> {
    const { boss, concurrency, log } = this.options;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = await boss.fetch<{ guid: string }>(DELIVERY_QUEUE, { batchSize: free, includeMetadata: true });
          fetched = jobs.length;
          for (const job of jobs) {
            const run = this.runJob(job).finally(() => {
              this.inFlight.delete(run);
              this.wake();
            });
            this.inFlight.add(run);
          }
        } catch (error) {
          log.error({ reason: (error as Error).message }, "modelgate could not fetch deliveries from the queue");
        }
      }
      if (fetched === 0 || this.inFlight.size >= concurrency) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs ?? 500);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async runJob(job: PgBoss.JobWithMetadata<{ guid: string }>): Promise<void> {
    const { pool, boss, log } = this.options;
    const guid = job.data.guid;
    const client = await pool.connect();
    let healthy = true;
    const onError = () => void (healthy = false);
    client.on("error", onError);
    let locked = false;
    try {
      locked =
        (await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [`delivery:${guid}`])).rows[0]?.locked ===
        true;
      // another worker runs this delivery right now: this job has nothing to do
      if (!locked) return void (await boss.complete(DELIVERY_QUEUE, job.id));
      const { rows } = await client.query<{ event: string; payload: unknown; attempts: number }>(
        `UPDATE ${SCHEMA}.deliveries SET state = 'running', attempts = attempts + 1, started_at = now() WHERE guid = $1 AND state = 'queued' RETURNING event, payload, attempts`,
        [guid],
      );
      const delivery = rows[0];
      // completed already (or failed for good): a GUID runs once
      if (!delivery) return void (await boss.complete(DELIVERY_QUEUE, job.id));
      const stopTimer = deliveryDuration.startTimer({ event: delivery.event });
      try {
        await this.options.receive({ id: guid, name: delivery.event, payload: delivery.payload });
        await client.query(`UPDATE ${SCHEMA}.deliveries SET state = 'completed', finished_at = now(), last_error = NULL WHERE guid = $1`, [guid]);
        await boss.complete(DELIVERY_QUEUE, job.id);
        deliveriesProcessed.inc({ event: delivery.event, outcome: "completed" });
      } catch (error) {
        const final = job.retryCount >= job.retryLimit;
        const reason = describeError(error);
        await client.query(`UPDATE ${SCHEMA}.deliveries SET state = $2, finished_at = now(), last_error = $3 WHERE guid = $1`, [
          guid,
          final ? "failed" : "queued",
          reason,
        ]);
        await boss.fail(DELIVERY_QUEUE, job.id, { reason });
        deliveriesProcessed.inc({ event: delivery.event, outcome: final ? "failed" : "retry" });
        const facts = { delivery: guid, event: delivery.event, attempt: delivery.attempts, reason };
        if (final)
          log.error(facts, `modelgate gave up on a delivery after ${delivery.attempts} attempts: redeliver it from the App's settings once the cause is fixed`);
        else log.warn(facts, "modelgate will run a failed delivery again");
      } finally {
        stopTimer();
      }
    } catch (error) {
      // the database failed: the job stays active and is retried when it expires, or swept
      log.error({ delivery: guid, reason: describeError(error) }, "modelgate could not run a delivery from the queue");
    } finally {
      if (locked) await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`delivery:${guid}`]).catch(() => (healthy = false));
      client.off("error", onError);
      client.release(!healthy);
    }
  }

  /** Requeues deliveries marked running whose lock nobody holds (their process died), and forgets old completed ones. */
  async sweep(): Promise<string[]> {
    const { pool, boss } = this.options;
    const requeued: string[] = [];
    const { rows } = await pool.query<{ guid: string }>(`SELECT guid FROM ${SCHEMA}.deliveries WHERE state = 'running' ORDER BY received_at LIMIT 500`);
    if (rows.length > 0) {
      const client = await pool.connect();
      client.on("error", () => undefined);
      try {
        for (const { guid } of rows) {
          const key = `delivery:${guid}`;
          const free =
            (await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key])).rows[0]?.locked === true;
          if (!free) continue;
          try {
            await client.query("BEGIN");
            const updated = await client.query(`UPDATE ${SCHEMA}.deliveries SET state = 'queued' WHERE guid = $1 AND state = 'running'`, [guid]);
            if (updated.rowCount === 1) {
              await boss.send(DELIVERY_QUEUE, { guid }, { db: { executeSql: (text, values) => client.query(text, values) } });
              requeued.push(guid);
            }
            await client.query("COMMIT");
          } catch (error) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw error;
          } finally {
            await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);
          }
        }
      } finally {
        client.release();
      }
    }
    if (requeued.length > 0) {
      this.options.log.warn({ deliveries: requeued }, "modelgate runs again deliveries whose process stopped while running them");
      this.wake();
    }
    // GitHub redelivers within 3 days: a completed delivery older than a week is never asked for again
    await pool.query(`DELETE FROM ${SCHEMA}.deliveries WHERE state = 'completed' AND received_at < now() - interval '7 days'`);
    return requeued;
  }
}

/** Queue depth and the age of the oldest waiting delivery, for /metrics. */
export async function deliveryBacklog(pool: pg.Pool): Promise<{ queued: number; running: number; failed: number; oldestQueuedSeconds: number }> {
  const { rows } = await pool.query<{ queued: string; running: string; failed: string; oldest: number | null }>(
    `SELECT count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'running') AS running, count(*) FILTER (WHERE state = 'failed') AS failed,
            EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE state = 'queued'))::float8 AS oldest
     FROM ${SCHEMA}.deliveries WHERE state <> 'completed'`,
  );
  const row = rows[0];
  return { queued: Number(row?.queued ?? 0), running: Number(row?.running ?? 0), failed: Number(row?.failed ?? 0), oldestQueuedSeconds: row?.oldest ?? 0 };
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describeError).join("; ") || error.message;
  return error instanceof Error ? error.message : String(error);
}
