import type PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";
import { deliveriesProcessed, deliveriesReceived, deliveryDuration } from "../metrics.js";
import { SCHEMA } from "../store/database.js";
import { oldestLiveWorkerStart, WorkerLease } from "../store/worker-leases.js";
import { BOSS_SCHEMA, defineQueue } from "./job-queue.js";

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
  try {
    const [outcome] = await storeDeliveries(pool, boss, [delivery]);
    return outcome!;
  } catch (error) {
    deliveriesReceived.inc({ event: delivery.name, outcome: "failed" });
    throw error;
  }
}

/**
 * Stores deliveries that arrive together in shared transactions (group commit): one waits for
 * the transaction in flight, then every delivery that arrived meanwhile is stored by the next,
 * up to `maxBatch`. A lone delivery is stored at once; under a burst, one commit answers many
 * (docs/performance.md, "Webhook answers"). A batch that fails is stored again one by one, so
 * one delivery the database refuses fails alone.
 */
export class DeliveryStore {
  private readonly waiting: Array<{ delivery: Delivery; settle: (outcome: StoreOutcome | Error) => void }> = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly maxBatch = 100,
  ) {}

  store(delivery: Delivery): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        delivery,
        settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
      });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const outcomes = await storeDeliveries(
            this.pool,
            this.boss,
            batch.map((entry) => entry.delivery),
          );
          batch.forEach((entry, i) => entry.settle(outcomes[i]!));
        } catch (error) {
          if (batch.length === 1) {
            deliveriesReceived.inc({ event: batch[0]!.delivery.name, outcome: "failed" });
            batch[0]!.settle(error instanceof Error ? error : new Error(String(error)));
          } else
            for (const entry of batch)
              await storeDelivery(this.pool, this.boss, entry.delivery).then(entry.settle, (failure: unknown) =>
                entry.settle(failure instanceof Error ? failure : new Error(String(failure))),
              );
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Stores deliveries and their jobs in one transaction; the outcome of each, in order (a GUID twice in one call: the second is a duplicate). */
async function storeDeliveries(
  pool: pg.Pool,
  boss: PgBoss,
  deliveries: ReadonlyArray<Delivery>,
): Promise<StoreOutcome[]> {
  const unique = [...new Map(deliveries.map((delivery) => [delivery.id, delivery])).values()];
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ guid: string; inserted: boolean; installation_id: string | null }>(
      `INSERT INTO ${SCHEMA}.deliveries (guid, event, action, installation_id, payload, state)
       SELECT guid, event, action, installation_id, payload::json, 'queued' FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
         AS given (guid, event, action, installation_id, payload)
       ON CONFLICT (guid) DO UPDATE SET state = 'queued', payload = EXCLUDED.payload, attempts = 0, last_error = NULL, received_at = now(), started_at = NULL, finished_at = NULL
         WHERE ${SCHEMA}.deliveries.state = 'failed'
       RETURNING guid, (xmax = 0) AS inserted, installation_id`,
      [
        unique.map((d) => d.id),
        unique.map((d) => d.name),
        unique.map((d) => actionOf(d.payload)),
        unique.map((d) => installationOf(d.payload)),
        unique.map((d) => JSON.stringify(d.payload)),
      ],
    );
    const places = await queuePlaces(client, rows);
    if (rows.length > 0)
      await boss.insert(
        rows.map((row) => ({ name: DELIVERY_QUEUE, data: { guid: row.guid }, priority: places.get(row.guid) ?? 0 })),
        { db: { executeSql: (text, values) => client.query(text, values) } },
      );
    await client.query("COMMIT");
    const stored = new Map(
      rows.map((row) => [row.guid, row.inserted ? ("stored" as const) : ("redelivered" as const)]),
    );
    const outcomes = deliveries.map((delivery) => {
      const outcome = stored.get(delivery.id) ?? "duplicate";
      // the same GUID twice in one batch: it is stored (and runs) once
      stored.delete(delivery.id);
      deliveriesReceived.inc({ event: delivery.name, outcome });
      return outcome;
    });
    return outcomes;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The priority of each stored delivery's job: minus its place in its installation's queue (the
 * installation's deliveries already waiting or running, then its order in this batch), so that
 * the worker takes every installation's first delivery before anyone's second (fetchDeliveryJobs).
 */
async function queuePlaces(
  client: pg.PoolClient,
  stored: ReadonlyArray<{ guid: string; installation_id: string | null }>,
): Promise<Map<string, number>> {
  const installations = [...new Set(stored.map((row) => row.installation_id).filter((id) => id !== null))];
  const { rows } = await client.query<{ installation_id: string; ahead: string }>(
    `SELECT installation_id, count(*) AS ahead FROM ${SCHEMA}.deliveries
     WHERE state IN ('queued', 'running') AND installation_id = ANY($1::bigint[]) AND NOT guid = ANY($2::text[])
     GROUP BY installation_id`,
    [installations, stored.map((row) => row.guid)],
  );
  const next = new Map(rows.map((row) => [row.installation_id, Number(row.ahead)]));
  const places = new Map<string, number>();
  for (const row of stored) {
    if (row.installation_id === null) continue;
    const place = next.get(row.installation_id) ?? 0;
    places.set(row.guid, -place);
    next.set(row.installation_id, place + 1);
  }
  return places;
}

function actionOf(payload: unknown): string | null {
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === "string" ? action : null;
}

function installationOf(payload: unknown): number | null {
  const id = (payload as { installation?: { id?: unknown } } | null)?.installation?.id;
  return typeof id === "number" ? id : null;
}

export interface DeliveryWorkerOptions {
  pool: pg.Pool;
  boss: PgBoss;
  /** Runs a delivery's handlers (the worker's probot.receive); throws when one failed. */
  receive(delivery: Delivery): Promise<void>;
  log: Logger;
  /** Deliveries run at the same time by this process. */
  concurrency: number;
  /**
   * Deliveries of one installation running at once, across every replica (default a quarter of
   * `concurrency`, at least 1): the other slots stay free for other installations' work.
   */
  perInstallation?: number;
  /** Pause between looks at an empty queue (ms); a delivery stored by this process wakes the worker at once. */
  pollMs?: number;
  /** How often to look for deliveries whose worker died (ms). */
  sweepMs?: number;
  /** Takes an error that says the database is down (true): an outage is logged once, not on every poll. */
  databaseFailed?(error: unknown): boolean;
}

/** A delivery's job as the worker takes it from pg-boss's table. */
interface DeliveryJob {
  id: string;
  data: { guid: string };
  retryCount: number;
  retryLimit: number;
}

/**
 * Takes up to `count` delivery jobs, fairly across installations (docs/operations.md, "Fair
 * scheduling"): an installation's next delivery waits its turn behind every other installation
 * with fewer deliveries taken (running, or taken by a worker a moment ago and not marked yet, in
 * any replica), and none is taken while `perInstallation` of its own are. Among equal turns, an
 * installation whose write turn is free now (write_pacing) goes first, then the job's priority
 * (its place in its installation's queue when stored, so installations take turns), then age.
 * The jobs are pg-boss's own, marked active as pg-boss 10's fetch marks them (started_on,
 * retry_count): completion, failure, retries with backoff and expiry stay pg-boss's. Replicas
 * take their turns one at a time (a transaction lock), so each sees what the others took.
 */
export async function fetchDeliveryJobs(pool: pg.Pool, count: number, perInstallation: number): Promise<DeliveryJob[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`fetch:${DELIVERY_QUEUE}`]);
    const { rows } = await client.query<DeliveryJob>(
      `WITH taken_deliveries AS (
         SELECT guid, installation_id FROM ${SCHEMA}.deliveries WHERE state = 'running'
         UNION
         SELECT delivery.guid, delivery.installation_id FROM ${BOSS_SCHEMA}.job job
           JOIN ${SCHEMA}.deliveries delivery ON delivery.guid = job.data->>'guid'
           WHERE job.name = $1 AND job.state = 'active' AND job.started_on > now() - interval '30 seconds'
       ), taken AS (
         SELECT installation_id, count(*) AS jobs FROM taken_deliveries GROUP BY installation_id
       ), waiting AS (
         SELECT job.id, job.priority, job.created_on,
           coalesce(taken.jobs, 0) + row_number() OVER (PARTITION BY delivery.installation_id ORDER BY job.priority DESC, job.created_on, job.id) AS turn,
           coalesce(pacing.next_at > clock_timestamp(), false) AS paced
         FROM ${BOSS_SCHEMA}.job job
         LEFT JOIN ${SCHEMA}.deliveries delivery ON delivery.guid = job.data->>'guid'
         LEFT JOIN taken ON taken.installation_id IS NOT DISTINCT FROM delivery.installation_id
         LEFT JOIN ${SCHEMA}.write_pacing pacing ON pacing.installation = delivery.installation_id::text
         WHERE job.name = $1 AND job.state < 'active' AND job.start_after < now()
       ), chosen AS (
         SELECT job.id FROM ${BOSS_SCHEMA}.job job
           JOIN (SELECT id FROM waiting WHERE turn <= $3 ORDER BY turn, paced, priority DESC, created_on, id LIMIT $2) next ON next.id = job.id
         WHERE job.name = $1 AND job.state < 'active'
         FOR UPDATE OF job SKIP LOCKED
       )
       UPDATE ${BOSS_SCHEMA}.job job SET state = 'active', started_on = now(),
         retry_count = CASE WHEN job.started_on IS NOT NULL THEN job.retry_count + 1 ELSE job.retry_count END
       FROM chosen WHERE job.name = $1 AND job.id = chosen.id
       RETURNING job.id, job.data, job.retry_count AS "retryCount", job.retry_limit AS "retryLimit"`,
      [DELIVERY_QUEUE, count, perInstallation],
    );
    await client.query("COMMIT");
    return rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs stored deliveries from the queue, `concurrency` at a time, fairly across installations
 * (fetchDeliveryJobs): one installation's backlog never takes every slot. A delivery runs while its
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
  private lease: WorkerLease | undefined;
  private leasing: Promise<void> | undefined;

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    this.running = true;
    const sweep = () =>
      void this.sweep().catch((error: unknown) => {
        if (this.options.databaseFailed?.(error)) return;
        this.options.log.error({ reason: (error as Error).message }, "modelgate could not sweep the deliveries");
      });
    // registered before it fetches: every job this worker fetches is then younger than its lease (see sweep)
    const leased = this.renewLease();
    this.loop = leased.then(() => this.fetchLoop());
    void leased.then(sweep);
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
    // what still runs keeps its delivery lock until the process exits: only its fetched jobs were the lease's
    await this.leasing;
    await this.lease?.release();
    return { unfinished: this.inFlight.size };
  }

  private async fetchLoop(): Promise<void> {
    const { pool, concurrency, log } = this.options;
    const perInstallation = this.options.perInstallation ?? Math.max(1, Math.ceil(concurrency / 4));
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = await fetchDeliveryJobs(pool, free, perInstallation);
          fetched = jobs.length;
          for (const job of jobs) {
            const run = this.runJob(job).finally(() => {
              this.inFlight.delete(run);
              this.wake();
            });
            this.inFlight.add(run);
          }
        } catch (error) {
          if (!this.options.databaseFailed?.(error))
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

  private async runJob(job: DeliveryJob): Promise<void> {
    const { pool, boss, log } = this.options;
    const guid = job.data.guid;
    const client = await pool.connect();
    let healthy = true;
    const onError = () => void (healthy = false);
    client.on("error", onError);
    let locked = false;
    try {
      locked =
        (
          await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [
            `delivery:${guid}`,
          ])
        ).rows[0]?.locked === true;
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
        await client.query(
          `UPDATE ${SCHEMA}.deliveries SET state = 'completed', finished_at = now(), last_error = NULL WHERE guid = $1`,
          [guid],
        );
        await boss.complete(DELIVERY_QUEUE, job.id);
        deliveriesProcessed.inc({ event: delivery.event, outcome: "completed" });
      } catch (error) {
        const final = job.retryCount >= job.retryLimit;
        const reason = describeError(error);
        await client.query(
          `UPDATE ${SCHEMA}.deliveries SET state = $2, finished_at = now(), last_error = $3 WHERE guid = $1`,
          [guid, final ? "failed" : "queued", reason],
        );
        await boss.fail(DELIVERY_QUEUE, job.id, { reason });
        deliveriesProcessed.inc({ event: delivery.event, outcome: final ? "failed" : "retry" });
        const facts = { delivery: guid, event: delivery.event, attempt: delivery.attempts, reason };
        if (final)
          log.error(
            facts,
            `modelgate gave up on a delivery after ${delivery.attempts} attempts: redeliver it from the App's settings once the cause is fixed`,
          );
        else log.warn(facts, "modelgate will run a failed delivery again");
      } finally {
        stopTimer();
      }
    } catch (error) {
      // the database failed: the job stays active and is retried when it expires, or swept
      if (!this.options.databaseFailed?.(error))
        log.error(
          { delivery: guid, reason: describeError(error) },
          "modelgate could not run a delivery from the queue",
        );
    } finally {
      if (locked)
        await client
          .query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`delivery:${guid}`])
          .catch(() => (healthy = false));
      client.off("error", onError);
      client.release(!healthy);
    }
  }

  /**
   * Requeues the deliveries a dead process left: marked running with their lock free, or queued with no job that
   * will run them (their job was fetched by a process that is gone: pg-boss would only retry it when it expires,
   * 15 minutes on). Forgets old completed ones.
   */
  async sweep(): Promise<string[]> {
    const { pool } = this.options;
    if (!this.lease?.held) await this.renewLease();
    const running = await pool.query<{ guid: string }>(
      `SELECT guid FROM ${SCHEMA}.deliveries WHERE state = 'running' ORDER BY received_at LIMIT 500`,
    );
    const requeued = await this.requeue(
      running.rows.map((row) => row.guid),
      `UPDATE ${SCHEMA}.deliveries SET state = 'queued' WHERE guid = $1 AND state = 'running'`,
      [],
      // running with its lock free: whatever job ran it belongs to a process that is gone
      LATEST_DATE,
    );
    // a job fetched before every live worker started was fetched by a process that is gone; a live replica's is
    // left to it. Without a lease of its own this worker cannot tell, and waits for its next sweep.
    const oldestLive = this.lease?.held ? await oldestLiveWorkerStart(pool) : undefined;
    if (oldestLive) {
      const orphans = await pool.query<{ guid: string }>(
        `SELECT guid FROM ${SCHEMA}.deliveries d WHERE state = 'queued' AND ${noJobWillRun("$1")} ORDER BY received_at LIMIT 500`,
        [oldestLive],
      );
      requeued.push(
        ...(await this.requeue(
          orphans.rows.map((row) => row.guid),
          `UPDATE ${SCHEMA}.deliveries d SET state = 'queued' WHERE guid = $1 AND state = 'queued' AND ${noJobWillRun("$2")}`,
          [oldestLive],
          oldestLive,
        )),
      );
    }
    if (requeued.length > 0) {
      this.options.log.warn(
        { deliveries: requeued },
        "modelgate runs again deliveries whose process stopped before it finished them",
      );
      this.wake();
    }
    // GitHub redelivers within 3 days: a completed delivery older than a week is never asked for again
    await pool.query(
      `DELETE FROM ${SCHEMA}.deliveries WHERE state = 'completed' AND received_at < now() - interval '7 days'`,
    );
    return requeued;
  }

  /**
   * Gives each delivery whose lock is free a new job, when `update` (parameters: the GUID, then `values`) still
   * finds it orphaned under that lock: a worker running it holds the lock, and a second sweep sees the first's job.
   */
  private async requeue(
    guids: string[],
    update: string,
    values: unknown[],
    /** Active jobs of these deliveries fetched before it were fetched by a process that is gone. */
    orphanedBefore: Date,
  ): Promise<string[]> {
    const { pool, boss } = this.options;
    const requeued: string[] = [];
    if (guids.length === 0) return requeued;
    const client = await pool.connect();
    client.on("error", () => undefined);
    try {
      for (const guid of guids) {
        const key = `delivery:${guid}`;
        const free =
          (
            await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [
              key,
            ])
          ).rows[0]?.locked === true;
        if (!free) continue;
        try {
          await client.query("BEGIN");
          const updated = await client.query(update, [guid, ...values]);
          if (updated.rowCount === 1) {
            // the job a dead process fetched ends here: fair scheduling counts active jobs as running (fetchDeliveryJobs),
            // so it must not hold its installation's turn until pg-boss expires it
            await client.query(
              `UPDATE ${BOSS_SCHEMA}.job SET state = 'cancelled', completed_on = now()
               WHERE name = $1 AND data->>'guid' = $2 AND state = 'active' AND started_on < $3`,
              [DELIVERY_QUEUE, guid, orphanedBefore],
            );
            await boss.send(
              DELIVERY_QUEUE,
              { guid },
              { db: { executeSql: (text, params) => client.query(text, params) } },
            );
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
    return requeued;
  }

  /** Registers this worker as alive (worker-leases.ts); without a lease it still runs deliveries, and tries again at the next sweep. */
  private renewLease(): Promise<void> {
    // one renewal at a time: a lease taken twice would leak its session
    this.leasing ??= (async () => {
      await this.lease?.release();
      this.lease = undefined;
      if (!this.running) return;
      this.lease = await WorkerLease.take(this.options.pool).catch((error: unknown) => {
        this.options.log.error(
          { reason: (error as Error).message },
          "modelgate could not register its delivery worker",
        );
        return undefined;
      });
    })().finally(() => (this.leasing = undefined));
    return this.leasing;
  }
}

/**
 * SQL: the queued delivery `d` has no job that will run it — none waiting (created, or waiting for its retry), none
 * active since `oldestLive` (a parameter: the start of the oldest live worker; one fetched before was fetched by a
 * process that is gone).
 */
/** The latest time a Date holds: every job was fetched before it. */
const LATEST_DATE = new Date(8.64e15);

function noJobWillRun(oldestLive: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job j WHERE j.name = '${DELIVERY_QUEUE}' AND j.data->>'guid' = d.guid
    AND (j.state IN ('created', 'retry') OR (j.state = 'active' AND j.started_on >= ${oldestLive})))`;
}

/** Queue depth and the age of the oldest waiting delivery, for /metrics. */
export async function deliveryBacklog(
  pool: pg.Pool,
): Promise<{ queued: number; running: number; failed: number; oldestQueuedSeconds: number }> {
  const { rows } = await pool.query<{ queued: string; running: string; failed: string; oldest: number | null }>(
    `SELECT count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'running') AS running, count(*) FILTER (WHERE state = 'failed') AS failed,
            EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE state = 'queued'))::float8 AS oldest
     FROM ${SCHEMA}.deliveries WHERE state <> 'completed'`,
  );
  const row = rows[0];
  return {
    queued: Number(row?.queued ?? 0),
    running: Number(row?.running ?? 0),
    failed: Number(row?.failed ?? 0),
    oldestQueuedSeconds: row?.oldest ?? 0,
  };
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describeError).join("; ") || error.message;
  return error instanceof Error ? error.message : String(error);
}
