/**
 * What a restart recovers by itself (docs/operations.md, "What survives what"): deliveries a killed
 * process fetched but never ran, the recovery jobs of every start, and replicas starting together.
 */
import { randomBytes } from "node:crypto";
import nock from "nock";
import pg from "pg";
import type PgBoss from "pg-boss";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, inject, test } from "vitest";
import { DELIVERY_QUEUE, DeliveryWorker, defineDeliveryQueue, storeDelivery } from "../../src/queue/deliveries.js";
import { startBoss } from "../../src/queue/job-queue.js";
import { RECONCILE_JOB, REDELIVER_JOB } from "../../src/handlers/recovery.js";
import { startRuntime, type Runtime } from "../../src/server/runtime.js";
import { WorkerLease } from "../../src/store/worker-leases.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { APP_ID, testPrivateKey } from "../helpers/test-app.js";

const silent = pino({ level: "silent" });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function boss(url?: string): Promise<PgBoss> {
  const started = await startBoss(url ?? (await testDatabaseUrl()), silent);
  cleanups.push(() => started.stop({ graceful: false, close: true, wait: true }));
  return started;
}

function worker(pool: pg.Pool, queue: PgBoss, ran: string[]): DeliveryWorker {
  const started = new DeliveryWorker({
    pool,
    boss: queue,
    receive: async (delivery) => void ran.push(delivery.id),
    log: silent,
    concurrency: 4,
  });
  cleanups.push(() => started.stop(1_000));
  return started;
}

async function deliveryStates(): Promise<Array<[string, string]>> {
  const { rows } = await (
    await testDatabase()
  ).pool.query<{ guid: string; state: string }>("SELECT guid, state FROM modelgate.deliveries ORDER BY guid");
  return rows.map((r) => [r.guid, r.state]);
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const opened = { action: "opened", installation: { id: 1 } };

describe("after a process was killed", () => {
  test("attack: a delivery it fetched from the queue but never marked running (its job active) runs at the next start, not when the job expires", async () => {
    const database = await testDatabase();
    const killed = await boss();
    await defineDeliveryQueue(killed);
    await storeDelivery(database.pool, killed, { id: "fetched-then-killed", name: "pull_request", payload: opened });
    // what the killed process left: pg-boss marked the job active (it expires in 15 minutes), the row is still queued
    expect(await killed.fetch(DELIVERY_QUEUE)).toHaveLength(1);
    await killed.stop({ graceful: false, close: true, wait: true });
    const ran: string[] = [];

    worker(database.pool, await boss(), ran).start();

    await until(async () => ran.length > 0, "the delivery ran");
    await until(async () => (await deliveryStates())[0]?.[1] === "completed", "the delivery completed");
    expect(ran).toEqual(["fetched-then-killed"]);
  });

  test("a job a live replica fetched is not handed to another worker; once that replica is gone it is", async () => {
    const database = await testDatabase();
    const live = await WorkerLease.take(database.pool);
    cleanups.push(() => live.release());
    const other = await boss();
    await defineDeliveryQueue(other);
    await storeDelivery(database.pool, other, { id: "held-by-a-live-replica", name: "pull_request", payload: opened });
    // the live replica fetched it and is about to run it
    expect(await other.fetch(DELIVERY_QUEUE)).toHaveLength(1);
    const ran: string[] = [];
    const restarted = worker(database.pool, await boss(), ran);
    restarted.start();

    await expect(restarted.sweep()).resolves.toEqual([]);
    expect(ran).toEqual([]);

    await live.release();
    // this sweep, or the one of the worker's start still under way, hands it on
    await restarted.sweep();
    await until(async () => ran.length > 0, "the delivery ran");
    expect(ran).toEqual(["held-by-a-live-replica"]);
  });
});

/** A runtime on `url` as `npm start` runs it, GitHub mocked. */
async function runtime(url: string, env: Record<string, string> = {}): Promise<Runtime> {
  const started = await startRuntime({
    env: { DATABASE_URL: url, APP_ID: String(APP_ID), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "s", ...env },
    log: silent,
  });
  cleanups.push(() => started.stop(1_000));
  return started;
}

/** The recovery jobs stored since this test began (pg-boss's jobs outlive the test's emptied tables). */
async function recoveryJobs(): Promise<Array<{ name: string; state: string }>> {
  const { rows } = await (
    await testDatabase()
  ).pool.query<{ name: string; state: string }>(
    "SELECT name, state FROM pgboss.job WHERE name = ANY($1) AND created_on >= $2 ORDER BY created_on",
    [[REDELIVER_JOB, RECONCILE_JOB], testBegan],
  );
  return rows;
}
let testBegan = new Date(0);
beforeEach(async () => {
  testBegan = (await (await testDatabase()).pool.query<{ now: Date }>("SELECT now()")).rows[0]!.now;
});

describe("the recovery jobs of a start", () => {
  test("attack: a restart within 5 minutes of the previous start still redelivers and reconciles", async () => {
    // GitHub: no failed delivery (each start asks once)
    nock(GITHUB_API).get("/app/hook/deliveries").query(true).times(2).reply(200, []);
    const url = await testDatabaseUrl();
    const first = await runtime(url);
    await until(
      async () => (await recoveryJobs()).some((job) => job.name === REDELIVER_JOB && job.state === "completed"),
      "the first start's redelivery ran",
    );
    // reconciliation waits a minute after a start: the first start's is still waiting
    expect(await recoveryJobs()).toEqual([
      { name: REDELIVER_JOB, state: "completed" },
      { name: RECONCILE_JOB, state: "created" },
    ]);
    await first.stop(1_000);
    // the first start's reconciliation ran (its worker stopped with the process)
    await (
      await testDatabase()
    ).pool.query("UPDATE pgboss.job SET state = 'completed', completed_on = now() WHERE name = $1", [RECONCILE_JOB]);

    await runtime(url);

    await until(
      async () =>
        (await recoveryJobs()).filter((job) => job.name === REDELIVER_JOB && job.state === "completed").length === 2,
      "the second start's redelivery ran",
    );
    expect(await recoveryJobs()).toEqual([
      { name: REDELIVER_JOB, state: "completed" },
      { name: RECONCILE_JOB, state: "completed" },
      { name: REDELIVER_JOB, state: "completed" },
      { name: RECONCILE_JOB, state: "created" },
    ]);
  });
});

describe("replicas starting together", () => {
  test("attack: two runtimes started at once on a fresh database both start", async () => {
    const server = inject("postgresUrl");
    // the deadlock in pg-boss's createQueue did not happen every time: five fresh databases
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = `fresh_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
      const url = new URL(server);
      url.pathname = `/${name}`;
      const env = { MODELGATE_RECOVERY_ON_START: "false", MODELGATE_CONCURRENCY: "2" };
      const results = await Promise.allSettled([runtime(url.toString(), env), runtime(url.toString(), env)]);
      expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "started"))).toEqual([
        "started",
        "started",
      ]);
      for (const result of results) if (result.status === "fulfilled") await result.value.stop(1_000);
    }
  });
});
