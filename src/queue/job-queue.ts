import PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";
import type { Probot } from "probot";

/**
 * Background jobs on pg-boss (Postgres): cron jobs that run once per slot across every replica,
 * and jobs enqueued for later (retries of work that must not be lost). docs/operations.md,
 * "Jobs", shows how to add one.
 *
 *   jobs.defineCron({ name: "modelgate-daily-sweep", cron: "0 3 * * *", run: async (_data, { probot, log }) => { ... } });
 *   jobs.defineJob<{ runId: number }>({ name: "modelgate-deployment-retry", retryLimit: 5, run: async (data, { probot }) => { ... } });
 *   await jobs.enqueue("modelgate-deployment-retry", { runId: 7 }, { startAfterSeconds: 60, singletonKey: "acme/models#7" });
 *
 * A job that throws is retried with exponential backoff up to its retryLimit, then moved to its
 * dead-letter queue (`<name>-dead`), where it stays for an operator to see.
 */
export interface Jobs {
  defineJob<T extends object>(definition: JobDefinition<T>): void;
  defineCron(definition: CronDefinition): void;
  /** Stores a job of a defined queue; with singletonKey, a job already waiting under that key is not stored twice (null). */
  enqueue<T extends object>(name: string, data: T, options?: EnqueueOptions): Promise<string | null>;
}

export interface JobContext {
  /** The worker's Probot: `await probot.auth(installationId)` gives an installation's client. */
  probot: Probot;
  log: Logger;
  jobId: string;
  /** 0 on the first run, then 1, 2, ... on retries. */
  retryCount: number;
}

export interface JobDefinition<T extends object> {
  /** The queue's name: letters, digits, dashes (pg-boss's rule); prefix it with `modelgate-`. */
  name: string;
  run(data: T, context: JobContext): Promise<void>;
  /** Runs after the first that may follow a failure (default 5). */
  retryLimit?: number;
  /** Seconds before the first retry, doubled each time (default 30). */
  retryDelaySeconds?: number;
  /** A run that takes longer is taken as dead and retried (default 15 minutes). */
  expireInSeconds?: number;
}

export interface CronDefinition extends JobDefinition<Record<string, unknown>> {
  /** Five-field cron expression, UTC. */
  cron: string;
}

export interface EnqueueOptions {
  startAfterSeconds?: number;
  singletonKey?: string;
  /** With singletonKey: at most one job per key in each slot of this many seconds (later ones are dropped: null). */
  singletonSeconds?: number;
}

/** Jobs on a pg-boss instance; definitions made before start() are registered by it, later ones at once. */
export class JobQueue implements Jobs {
  private readonly definitions: Array<JobDefinition<object> & { cron?: string }> = [];
  private worker: { probot: Probot; log: Logger } | undefined;

  constructor(readonly boss: PgBoss) {}

  defineJob<T extends object>(definition: JobDefinition<T>): void {
    this.add(definition as unknown as JobDefinition<object>);
  }

  defineCron(definition: CronDefinition): void {
    this.add(definition as unknown as JobDefinition<object> & { cron: string });
  }

  async enqueue<T extends object>(name: string, data: T, options: EnqueueOptions = {}): Promise<string | null> {
    if (!this.definitions.some((d) => d.name === name)) throw new Error(`no job queue named ${name} is defined`);
    return this.boss.send(name, data, {
      ...(options.startAfterSeconds !== undefined ? { startAfter: options.startAfterSeconds } : {}),
      ...(options.singletonKey !== undefined ? { singletonKey: options.singletonKey } : {}),
      ...(options.singletonSeconds !== undefined ? { singletonSeconds: options.singletonSeconds } : {}),
    });
  }

  /**
   * Stores a job unless one of this queue is still waiting to run (created, or waiting for its retry): every
   * call after the last one started gets its run. Unlike `singletonSeconds`, a job that ran (or one a killed
   * process left active, until it expires) does not hold the slot. Callers at once store one.
   */
  async enqueueUnlessWaiting<T extends object>(
    name: string,
    data: T,
    pool: pg.Pool,
    options: { startAfterSeconds?: number } = {},
  ): Promise<string | null> {
    if (!this.definitions.some((d) => d.name === name)) throw new Error(`no job queue named ${name} is defined`);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      // callers at once wait for each other here, so the second sees the first's job
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`enqueue:${name}`]);
      const { rowCount } = await client.query(
        `SELECT 1 FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry') LIMIT 1`,
        [name],
      );
      const id =
        rowCount === 0
          ? await this.boss.send(name, data, {
              ...(options.startAfterSeconds !== undefined ? { startAfter: options.startAfterSeconds } : {}),
              db: { executeSql: (text, values) => client.query(text, values) },
            })
          : null;
      await client.query("COMMIT");
      return id;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Creates the queues, schedules the crons and starts a worker per queue. */
  async start(worker: { probot: Probot; log: Logger }): Promise<void> {
    this.worker = worker;
    for (const definition of this.definitions) await this.register(definition);
  }

  names(): string[] {
    return this.definitions.map((d) => d.name);
  }

  private add(definition: JobDefinition<object> & { cron?: string }): void {
    if (this.definitions.some((d) => d.name === definition.name))
      throw new Error(`the job queue ${definition.name} is defined twice`);
    this.definitions.push(definition);
    if (this.worker)
      void this.register(definition).catch((error: unknown) =>
        this.worker?.log.error(
          { queue: definition.name, reason: (error as Error).message },
          "modelgate could not start a job queue",
        ),
      );
  }

  private async register(definition: JobDefinition<object> & { cron?: string }): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await defineQueue(this.boss, definition.name, definition);
    if (definition.cron !== undefined) await this.boss.schedule(definition.name, definition.cron, {}, { tz: "UTC" });
    await this.boss.work<object>(
      definition.name,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 2 },
      async ([job]) => {
        if (!job) return;
        const log = worker.log.child({ queue: definition.name, job: job.id });
        await definition.run(job.data, { probot: worker.probot, log, jobId: job.id, retryCount: job.retryCount });
      },
    );
  }
}

/** Creates a queue (and its dead-letter queue) with its retry policy, or gives an existing one that policy. */
export async function defineQueue(
  boss: PgBoss,
  name: string,
  policy: { retryLimit?: number; retryDelaySeconds?: number; expireInSeconds?: number },
): Promise<void> {
  const deadLetter = `${name}-dead`;
  const options = {
    name,
    retryLimit: policy.retryLimit ?? 5,
    retryDelay: policy.retryDelaySeconds ?? 30,
    retryBackoff: true,
    expireInSeconds: policy.expireInSeconds ?? 15 * 60,
    deadLetter,
  };
  await retryOnDeadlock(async () => {
    await boss.createQueue(deadLetter, { name: deadLetter, retentionMinutes: 14 * 24 * 60 });
    await boss.createQueue(name, options);
    // an existing queue takes the policy of the version starting now (its jobs keep theirs)
    await boss.updateQueue(name, options);
  });
}

/**
 * pg-boss creates a queue's table with DDL that deadlocks against another process creating queues at the same
 * time: replicas take turns at start (server/runtime.ts), and a queue created later by a feature tries again.
 */
async function retryOnDeadlock(work: () => Promise<void>, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: unknown }).code !== "40P01" || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

/** The database schema of pg-boss's tables (the delivery worker takes its jobs from them: src/queue/deliveries.ts). */
export const BOSS_SCHEMA = "pgboss";

/** A started pg-boss on its own schema of the database. */
export async function startBoss(
  connectionString: string,
  log: Logger,
  /** Takes an error that says the database is down (true): an outage is logged once, not on every poll. */
  databaseFailed?: (error: unknown) => boolean,
): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString, schema: BOSS_SCHEMA, max: 10, application_name: "modelgate-queue" });
  boss.on("error", (error) => {
    if (databaseFailed?.(error)) return;
    log.error({ reason: error.message }, "modelgate's job queue reported an error");
  });
  await boss.start();
  return boss;
}
