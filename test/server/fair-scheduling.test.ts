import pg from "pg";
import type PgBoss from "pg-boss";
import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { DeliveryWorker, defineDeliveryQueue, storeDelivery, type Delivery } from "../../src/queue/deliveries.js";
import { startBoss } from "../../src/queue/job-queue.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";

const silent = pino({ level: "silent" });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function queue(): Promise<PgBoss> {
  const boss = await startBoss(await testDatabaseUrl(), silent);
  cleanups.push(() => boss.stop({ graceful: false, close: true, wait: true }));
  await defineDeliveryQueue(boss);
  return boss;
}

/** Stores deliveries one after another, in this order (each a pull_request of its installation). */
async function store(boss: PgBoss, deliveries: Array<[id: string, installation: number]>): Promise<void> {
  const { pool } = await testDatabase();
  for (const [id, installation] of deliveries)
    await storeDelivery(pool, boss, {
      id,
      name: "pull_request",
      payload: { action: "opened", installation: { id: installation } },
    });
}

function worker(options: {
  pool: pg.Pool;
  boss: PgBoss;
  receive(delivery: Delivery): Promise<void>;
  concurrency: number;
  perInstallation?: number;
}): DeliveryWorker {
  const started = new DeliveryWorker({ ...options, log: silent, pollMs: 50 });
  started.start();
  cleanups.push(async () => void (await started.stop(5_000)));
  return started;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const installationOf = (delivery: Delivery) => (delivery.payload as { installation: { id: number } }).installation.id;
const many = (prefix: string, installation: number, count: number): Array<[string, number]> =>
  Array.from({ length: count }, (_, i) => [`${prefix}${i + 1}`, installation]);

describe("deliveries of several installations", () => {
  test("attack: installation A's backlog, stored first and waiting on A's write pacing, does not keep B's one delivery waiting", async () => {
    const boss = await queue();
    await store(boss, [...many("a", 1, 12), ["b1", 2]]);
    const finished: string[] = [];
    let bFinished!: () => void;
    const bDone = new Promise<void>((resolve) => (bFinished = resolve));
    // A's deliveries wait on A's pacing until B is done (at most 3 s: the old scheduler must fail, not hang)
    const aPacing = Promise.race([bDone, new Promise((resolve) => setTimeout(resolve, 3_000))]);

    worker({
      pool: (await testDatabase()).pool,
      boss,
      concurrency: 4,
      receive: async (delivery) => {
        if (installationOf(delivery) === 1) await aPacing;
        finished.push(delivery.id);
        if (delivery.id === "b1") bFinished();
      },
    });

    await until(() => finished.length === 13, "every delivery finished");
    expect(finished[0]).toBe("b1");
    expect(finished.toSorted()).toEqual([...many("a", 1, 12).map(([id]) => id), "b1"].toSorted());
  });

  test("attack: deliveries stored installation by installation run in turns: each installation's first, then each one's second", async () => {
    const boss = await queue();
    await store(boss, [...many("a", 1, 3), ...many("b", 2, 3), ...many("c", 3, 2)]);
    const order: string[] = [];

    worker({
      pool: (await testDatabase()).pool,
      boss,
      concurrency: 1,
      receive: async (delivery) => void order.push(delivery.id),
    });

    await until(() => order.length === 8, "every delivery ran");
    expect(order).toEqual(["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3"]);
  });

  test("an installation whose write turn is taken waits behind one that may write now, at the same turn", async () => {
    const boss = await queue();
    const { pool } = await testDatabase();
    await store(boss, [
      ["a1", 1],
      ["b1", 2],
    ]);
    // installation 1 wrote a moment ago: its next write may go only in a second
    await pool.query(
      "INSERT INTO modelgate.write_pacing (installation, next_at) VALUES ('1', clock_timestamp() + interval '1 second')",
    );
    const order: string[] = [];

    worker({ pool, boss, concurrency: 1, receive: async (delivery) => void order.push(delivery.id) });

    await until(() => order.length === 2, "both deliveries ran");
    expect(order).toEqual(["b1", "a1"]);
  });

  test("two replicas together run at most `perInstallation` deliveries of one installation, each delivery once, and keep slots for another", async () => {
    const boss = await queue();
    await store(boss, [...many("a", 1, 8), ...many("b", 2, 2)]);
    const other = new pg.Pool({ connectionString: await testDatabaseUrl(), max: 10 });
    cleanups.push(() => other.end());
    const running = new Map<number, number>();
    let mostOfA = 0;
    const ran: string[] = [];
    const receive = async (delivery: Delivery) => {
      const installation = installationOf(delivery);
      running.set(installation, (running.get(installation) ?? 0) + 1);
      mostOfA = Math.max(mostOfA, running.get(1) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running.set(installation, (running.get(installation) ?? 0) - 1);
      ran.push(delivery.id);
    };

    worker({ pool: (await testDatabase()).pool, boss, concurrency: 4, perInstallation: 2, receive });
    worker({ pool: other, boss, concurrency: 4, perInstallation: 2, receive });

    await until(() => ran.length === 10, "every delivery ran");
    expect(mostOfA).toBe(2);
    expect(ran.toSorted()).toEqual([...many("a", 1, 8), ...many("b", 2, 2)].map(([id]) => id).toSorted());
    // B's two ran while A still had most of its backlog
    expect(ran.indexOf("b2")).toBeLessThan(ran.indexOf("a5"));
  });
});
