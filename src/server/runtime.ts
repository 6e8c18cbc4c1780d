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
import { postgresInventoryStore } from "../store/inventory-store.js";
import { postgresWritePacer } from "../store/write-pacing.js";
import { RECONCILE_JOB, REDELIVER_JOB } from "../handlers/recovery.js";
import { openDatabase, type Database } from "../store/database.js";
import { DatabaseHealth, isDatabaseUnavailable } from "../store/database-health.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../store/embedded-postgres.js";
import { DEFAULT_POSTGRES_PORT, embeddedDataDir } from "./settings.js";

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
  /** The database commits a write (/ready). */
  ready(): Promise<boolean>;
  /** False once the database has been unusable for longer than MODELGATE_DATABASE_OUTAGE_SECONDS (/health). */
  alive(): boolean;
  /** Takes an error that says the database is down (true): logged once per outage (store/database-health.ts). */
  databaseFailed(error: unknown): boolean;
  /** The embedded Postgres's process id, when modelgate runs one. */
  embeddedPid(): number | undefined;
  /** A shutdown began (SIGTERM): the database going away from now on is expected, and the embedded one stays down. */
  beginStop(): void;
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
  /** The embedded Postgres died and could not be restarted (default: log it and exit 1, for the supervisor to restart). */
  onFatal?: (reason: string) => void;
  /** How often the embedded Postgres is restarted after it died before the server gives up (default 3). */
  embeddedRestarts?: number;
  /** How often the database is probed in the background (ms; tests shorten it). */
  databaseProbeMs?: number;
}

const EMBEDDED_RESTARTS = 3;

/** What watches the database for the runtime: its health, the errors that say it is down, the start of a stop. */
interface DatabaseWatch {
  health: DatabaseHealth;
  databaseFailed: (error: unknown) => boolean;
  beginStop: () => void;
}

/**
 * The durable half of the server: the database (DATABASE_URL, or an embedded Postgres in
 * MODELGATE_DATA_DIR), pg-boss on it, the worker Probot that runs the handlers from the queue,
 * and modelgate's jobs (reconciliation, redelivery, and what other features define).
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, log } = options;
  const concurrency = positiveInteger(env.MODELGATE_CONCURRENCY, 16, "MODELGATE_CONCURRENCY");
  const outageSeconds = positiveInteger(env.MODELGATE_DATABASE_OUTAGE_SECONDS, 60, "MODELGATE_DATABASE_OUTAGE_SECONDS");
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = env.DATABASE_URL?.trim();
  if (!connectionString) {
    const dataDir = embeddedDataDir(env, process.cwd());
    const port = positiveInteger(env.MODELGATE_POSTGRES_PORT, DEFAULT_POSTGRES_PORT, "MODELGATE_POSTGRES_PORT");
    log.info(
      { data_dir: dataDir, port },
      "modelgate starts its embedded Postgres (set DATABASE_URL to use a managed one)",
    );
    embedded = await startEmbeddedPostgres({ dataDir, port, onLog: (line) => log.debug({ postgres: line }) });
    connectionString = embedded.connectionString;
  }
  // each running delivery may hold three sessions: its own lock, its head's, and a create-once lock
  const database = await openDatabase(connectionString, { max: 3 * concurrency + 10 });
  const health = new DatabaseHealth({
    probe: () => database.probe(),
    log,
    unusableAfterMs: outageSeconds * 1000,
    ...(options.databaseProbeMs !== undefined ? { probeMs: options.databaseProbeMs } : {}),
  });
  const databaseFailed = (error: unknown) => {
    if (!isDatabaseUnavailable(error)) return false;
    health.reported();
    return true;
  };
  health.start();
  let stopping = false;
  const beginStop = () => {
    stopping = true;
    health.stopping();
  };
  if (embedded) superviseEmbedded(embedded, health, options, () => stopping);
  // replicas starting together take turns creating pg-boss's schema and queues (its DDL deadlocks otherwise)
  const startTurn = await database.pool.connect();
  let healthy = true;
  try {
    await startTurn.query("SELECT pg_advisory_lock(hashtextextended('modelgate:start', 0))");
    const watch = { health, databaseFailed, beginStop };
    return await startLocked(options, database, connectionString, concurrency, embedded, watch);
  } catch (error) {
    health.stop();
    throw error;
  } finally {
    await startTurn
      .query("SELECT pg_advisory_unlock(hashtextextended('modelgate:start', 0))")
      .catch(() => (healthy = false));
    // a session whose unlock failed may still hold the turn: it is closed, not reused
    startTurn.release(!healthy);
  }
}

async function startLocked(
  options: RuntimeOptions,
  database: Database,
  connectionString: string,
  concurrency: number,
  embedded: EmbeddedPostgres | undefined,
  { health, databaseFailed, beginStop }: DatabaseWatch,
): Promise<Runtime> {
  const { env, log, Octokit, clock } = options;
  const boss = await startBoss(connectionString, log, databaseFailed);
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
        inventory: postgresInventoryStore(database.pool),
        markerKey: defaultMarkerKey(env),
        ...(clock ? { clock } : {}),
      }),
      handled,
    ),
  );
  await jobs.start({ probot: worker, log });
  // the deliveries answered 500 while the database was down are GitHub's failed deliveries: ask for them at once,
  // not at the redelivery job's next turn (up to 10 minutes)
  health.whenRecovered(() => {
    jobs.enqueueUnlessWaiting(REDELIVER_JOB, {}, database.pool).catch((error: unknown) => {
      if (!databaseFailed(error))
        log.warn({ reason: (error as Error).message }, "modelgate could not ask for redelivery");
    });
  });
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
    databaseFailed,
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
    ready: () => health.check(),
    alive: () => health.alive(),
    databaseFailed,
    embeddedPid: () => embedded?.pid(),
    beginStop,
    stop: async (timeoutMs) => {
      beginStop();
      health.stop();
      // every step ends by the deadline whatever GitHub does: a delivery or job still waiting on it stays in the
      // queue and runs again after the restart; the last part of the bound is kept for closing the database
      const deadline = Date.now() + timeoutMs;
      const reserve = Math.min(1000, timeoutMs / 4);
      const left = (keep = 0) => Math.max(0, deadline - keep - Date.now());
      const result = await deliveries.stop(left(reserve));
      await settleWithin(boss.stop({ graceful: false, close: true, wait: true }), left(reserve));
      await settleWithin(database.close(), left(reserve / 2));
      // fast shutdown: Postgres ends the sessions still open (a delivery waiting on GitHub) itself
      if (embedded) await settleWithin(embedded.stop(), left());
      return result;
    },
    worker,
    jobs,
    database,
    deliveries,
    boss,
  };
}

/**
 * A Postgres that died (killed, crashed) is started again, at most `embeddedRestarts` times in the life of the
 * process; past that, or when it does not start, the server exits non-zero so its supervisor starts it afresh.
 */
function superviseEmbedded(
  embedded: EmbeddedPostgres,
  health: DatabaseHealth,
  options: RuntimeOptions,
  stopping: () => boolean,
): void {
  const { log } = options;
  const limit = options.embeddedRestarts ?? EMBEDDED_RESTARTS;
  const fatal =
    options.onFatal ??
    ((reason: string) => {
      log.fatal(
        { reason },
        "modelgate exits: its embedded Postgres cannot be run (the supervisor restarts the server)",
      );
      process.exit(1);
    });
  let restarts = 0;
  embedded.onUnexpectedExit(({ code, signal }) => {
    // a signal to the whole process group (Ctrl-C, systemd) stops Postgres with the server: nothing to restart
    if (stopping()) return;
    health.failed(new Error(`the embedded Postgres exited (${signal ?? `code ${code}`})`));
    if (restarts >= limit) {
      fatal(`the embedded Postgres exited (${signal ?? `code ${code}`}) after ${restarts} restarts`);
      return;
    }
    restarts += 1;
    log.warn({ code, signal, restart: restarts, of: limit }, "modelgate restarts its embedded Postgres, which exited");
    void restartEmbedded(embedded).then(
      () => void health.check(),
      (error: unknown) => fatal(`the embedded Postgres did not start again: ${(error as Error).message}`),
    );
  });
}

// backends of a killed postmaster hold its shared memory for a moment: a few tries, a second apart
async function restartEmbedded(embedded: EmbeddedPostgres): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await embedded.restart();
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
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

/** Waits for `work` at most `ms`; never rejects (a stop goes on whatever one part does). */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
