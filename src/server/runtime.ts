import { join } from "node:path";
import { Gauge } from "prom-client";
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import { createProbot, type Probot, type ProbotOctokit } from "probot";
import { ModelgateOctokit } from "../github/octokit.js";
import type { TrafficOptions } from "../github/traffic.js";
import { isHandled, recordingHandledEvents } from "../handled-events.js";
import type { Clock } from "../handlers/context.js";
import { modelgate } from "../index.js";
import { defaultMarkerKey } from "../marker-key.js";
import { metricsRegistry } from "../metrics.js";
import {
  DELIVERY_RETRY_LIMIT,
  DeliveryWorker,
  defineDeliveryQueue,
  deliveryBacklog,
  DeliveryStore,
  type Delivery,
  type StoreOutcome,
} from "../queue/deliveries.js";
import { JobQueue, startBoss } from "../queue/job-queue.js";
import { postgresCoordination } from "../store/coordination.js";
import { postgresReconciliationStore } from "../store/reconciliation-store.js";
import { postgresWritePacer } from "../store/write-pacing.js";
import { RECONCILE_JOB, REDELIVER_JOB } from "../handlers/recovery.js";
import { openDatabase, type Database } from "../store/database.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../store/embedded-postgres.js";

/** The reconciliation of a start waits this long, for the start's redeliveries to be stored first. */
const RECONCILE_AFTER_START_SECONDS = 60;

/** What the server needs from the environment (docs/operations.md, "Configuration"). */
export interface RuntimeEnv {
  DATABASE_URL?: string;
  MODELGATE_DATA_DIR?: string;
  MODELGATE_POSTGRES_PORT?: string;
  MODELGATE_CONCURRENCY?: string;
  MODELGATE_DELIVERY_RETRIES?: string;
  /** "false": do not redeliver and reconcile right after start (only on their schedule). */
  MODELGATE_RECOVERY_ON_START?: string;
  [name: string]: string | undefined;
}

export interface Runtime {
  /** Stores a verified delivery (the webhook is answered after this); events modelgate does not handle are not stored. */
  accept(delivery: Delivery): Promise<StoreOutcome | "ignored">;
  /** The database answers (/ready). */
  ready(): Promise<boolean>;
  /** Takes no more jobs, lets running ones finish within `timeoutMs`, closes the queue and the database. */
  stop(timeoutMs: number): Promise<{ unfinished: number }>;
  worker: Probot;
  jobs: JobQueue;
  database: Database;
  deliveries: DeliveryWorker;
  boss: PgBoss;
}

export interface RuntimeOptions {
  env: RuntimeEnv;
  log: Logger;
  /** The worker's Octokit class (tests and the bench pass one pointed at a fake GitHub). */
  Octokit?: typeof ProbotOctokit;
  /** The time of day (tests fix it). */
  clock?: Clock;
}

/**
 * The durable half of the server: the database (DATABASE_URL, or an embedded Postgres in
 * MODELGATE_DATA_DIR), pg-boss on it, the worker Probot that runs the handlers from the queue,
 * and modelgate's jobs (reconciliation, redelivery, and what other features define).
 */
export async function startRuntime({ env, log, Octokit, clock }: RuntimeOptions): Promise<Runtime> {
  const concurrency = positiveInteger(env.MODELGATE_CONCURRENCY, 16, "MODELGATE_CONCURRENCY");
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = env.DATABASE_URL?.trim();
  if (!connectionString) {
    const dataDir = env.MODELGATE_DATA_DIR?.trim() || join(process.cwd(), "data", "postgres");
    const port = positiveInteger(env.MODELGATE_POSTGRES_PORT, 54329, "MODELGATE_POSTGRES_PORT");
    log.info(
      { data_dir: dataDir, port },
      "modelgate starts its embedded Postgres (set DATABASE_URL to use a managed one)",
    );
    embedded = await startEmbeddedPostgres({ dataDir, port, onLog: (line) => log.debug({ postgres: line }) });
    connectionString = embedded.connectionString;
  }
  // each running delivery may hold three sessions: its own lock, its head's, and a create-once lock
  const database = await openDatabase(connectionString, { max: 3 * concurrency + 10 });
  // replicas starting together take turns creating pg-boss's schema and queues (its DDL deadlocks otherwise)
  const startTurn = await database.pool.connect();
  let healthy = true;
  try {
    await startTurn.query("SELECT pg_advisory_lock(hashtextextended('modelgate:start', 0))");
    return await startLocked({ env, log, Octokit, clock }, database, connectionString, concurrency, embedded);
  } finally {
    await startTurn
      .query("SELECT pg_advisory_unlock(hashtextextended('modelgate:start', 0))")
      .catch(() => (healthy = false));
    // a session whose unlock failed may still hold the turn: it is closed, not reused
    startTurn.release(!healthy);
  }
}

async function startLocked(
  { env, log, Octokit, clock }: RuntimeOptions,
  database: Database,
  connectionString: string,
  concurrency: number,
  embedded: EmbeddedPostgres | undefined,
): Promise<Runtime> {
  const boss = await startBoss(connectionString, log);
  await defineDeliveryQueue(
    boss,
    nonNegativeInteger(env.MODELGATE_DELIVERY_RETRIES, DELIVERY_RETRY_LIMIT, "MODELGATE_DELIVERY_RETRIES"),
  );
  const jobs = new JobQueue(boss);
  const coordination = postgresCoordination(database.pool);

  const handled = new Set<string>();
  // the worker reads APP_ID, the private key, WEBHOOK_SECRET and GHE_HOST as Probot does
  // writes keep GitHub's gap per installation across every replica of this database (an injected Octokit paces itself)
  const traffic: TrafficOptions = { pacer: postgresWritePacer(database.pool) };
  const worker = createProbot({
    env,
    overrides: {
      log,
      Octokit: Octokit ?? (ModelgateOctokit.defaults({ modelgateTraffic: traffic }) as typeof ModelgateOctokit),
    },
  });
  const reconciliationStore = postgresReconciliationStore(database.pool);
  await worker.load(
    recordingHandledEvents(
      modelgate({
        coordination,
        jobs,
        reconciliationStore,
        markerKey: defaultMarkerKey(env),
        ...(clock ? { clock } : {}),
      }),
      handled,
    ),
  );
  await jobs.start({ probot: worker, log });
  if (env.MODELGATE_RECOVERY_ON_START !== "false") {
    // on every start as well as on their schedule (a restart soon after the last start included); replicas
    // starting together store one run of each. Reconciliation a minute later: what GitHub redelivers at the start
    // is stored by then, and left to its delivery instead of being evaluated twice.
    await jobs.enqueueUnlessWaiting(REDELIVER_JOB, {}, database.pool);
    await jobs.enqueueUnlessWaiting(RECONCILE_JOB, {}, database.pool, {
      startAfterSeconds: RECONCILE_AFTER_START_SECONDS,
    });
  }

  const store = new DeliveryStore(database.pool, boss);
  const deliveries = new DeliveryWorker({
    pool: database.pool,
    boss,
    receive: (delivery) => worker.receive(delivery as Parameters<Probot["receive"]>[0]),
    log,
    concurrency,
  });
  deliveries.start();
  registerBacklogMetrics(database);

  return {
    accept: async (delivery) => {
      if (!isHandled(handled, delivery.name, (delivery.payload as { action?: unknown } | null)?.action))
        return "ignored";
      const outcome = await store.store(delivery);
      if (outcome !== "duplicate") deliveries.wake();
      return outcome;
    },
    ready: () => database.ping(),
    stop: async (timeoutMs) => {
      const result = await deliveries.stop(timeoutMs);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
      await database.close().catch(() => undefined);
      await embedded?.stop();
      return result;
    },
    worker,
    jobs,
    database,
    deliveries,
    boss,
  };
}

let backlogSource: Database | undefined;
function registerBacklogMetrics(database: Database): void {
  backlogSource = database;
  if (metricsRegistry.getSingleMetric("modelgate_queue_depth")) return;
  const depth = new Gauge({
    name: "modelgate_queue_depth",
    help: "Stored deliveries by state (queued, running, failed: retries exhausted)",
    labelNames: ["state"] as const,
    registers: [metricsRegistry],
  });
  new Gauge({
    name: "modelgate_queue_oldest_age_seconds",
    help: "Age of the oldest delivery waiting to run",
    registers: [metricsRegistry],
    async collect() {
      const source = backlogSource;
      if (!source) return;
      const backlog = await deliveryBacklog(source.pool).catch(() => undefined);
      if (!backlog) return;
      this.set(backlog.oldestQueuedSeconds);
      depth.set({ state: "queued" }, backlog.queued);
      depth.set({ state: "running" }, backlog.running);
      depth.set({ state: "failed" }, backlog.failed);
    },
  });
}

function nonNegativeInteger(text: string | undefined, fallback: number, name: string): number {
  return text !== undefined && text.trim() === "0" ? 0 : positiveInteger(text, fallback, name);
}

function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, not "${text}"`);
  return value;
}
