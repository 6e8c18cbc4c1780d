import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { inProcessCoordination, postgresCoordination, type Coordination } from "../../src/store/coordination.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";

/** A second replica: its own pool on the same database. */
const otherPools: pg.Pool[] = [];
async function replica(
  options: Parameters<typeof postgresCoordination>[1] = {},
): Promise<{ coordination: Coordination; pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: await testDatabaseUrl(), max: 5 });
  otherPools.push(pool);
  return { coordination: postgresCoordination(pool, options), pool };
}
afterAll(async () => {
  await Promise.all(otherPools.map((pool) => pool.end()));
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder() {
  const events: string[] = [];
  const work =
    (name: string, ms: number, fail = false) =>
    async () => {
      events.push(`${name} start`);
      await pause(ms);
      events.push(`${name} end`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
  return { events, work };
}

describe("exclusive on Postgres", () => {
  test("works of one key run one after the other across two replicas, other keys alongside, and a failing work frees the lock", async () => {
    const [a, b] = [await replica(), await replica()];
    const events: string[] = [];
    let otherKeyDone!: () => void;
    const otherKey = new Promise<void>((resolve) => (otherKeyDone = resolve));
    let aHolds!: () => void;
    const aHolding = new Promise<void>((resolve) => (aHolds = resolve));

    const first = a.coordination.exclusive("acme/models:pull-request-head:abc", async () => {
      events.push("a start");
      aHolds();
      // another key runs to its end while this one holds its lock
      await otherKey;
      await pause(50);
      events.push("a end");
      throw new Error("a failed");
    });
    await aHolding;
    const second = b.coordination.exclusive(
      "acme/models:pull-request-head:abc",
      async () => void events.push("b start"),
    );
    const third = b.coordination.exclusive("acme/models:pull-request-head:def", async () => {
      events.push("c ran");
      otherKeyDone();
    });

    const results = await Promise.allSettled([first, second, third]);

    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events).toEqual(["a start", "c ran", "a end", "b start"]);
  });

  test("the lock of a replica whose database session died (a killed process) is taken by the other", async () => {
    const [a, b] = [await replica(), await replica()];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = a.coordination.exclusive("acme/models:release-1", () => held).catch((error: unknown) => error);
    // what kill -9 does to the holder's connection: the server ends its session, and with it the lock
    let terminated = 0;
    for (let tries = 0; terminated === 0 && tries < 100; tries++) {
      await pause(20);
      ({ rowCount: terminated } = (await (
        await testDatabase()
      ).pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      )) as { rowCount: number });
    }
    expect(terminated).toBe(1);

    await expect(b.coordination.exclusive("acme/models:release-1", async () => "taken over")).resolves.toBe(
      "taken over",
    );
    release();
    await holding;
  });

  test("a lock held longer than the lock timeout fails the waiter, naming the lock", async () => {
    const [a, b] = [await replica(), await replica({ lockTimeoutMs: 100 })];
    let release!: () => void;
    let held!: () => void;
    const aHolds = new Promise<void>((resolve) => (held = resolve));
    const holding = a.coordination.exclusive(
      "acme/models:slow",
      () => new Promise<void>((resolve) => ((release = resolve), held())),
    );
    await aHolds;

    await expect(b.coordination.exclusive("acme/models:slow", async () => "never")).rejects.toThrow(
      /modelgate waited 100 ms for the lock acme\/models:slow held by another delivery/,
    );
    release();
    await holding;
  });
});

describe("findOrCreateOnce on Postgres", () => {
  test("callers on two replicas at once: exactly one creates, every other finds its object", async () => {
    const [a, b] = [await replica(), await replica()];
    const objects: string[] = [];
    const steps = {
      find: async () => objects[0],
      create: async () => (pause(20).then(() => void objects.push("issue #100")), await pause(20), "issue #100"),
    };

    const found = await Promise.all(
      [a, b, a, b].map((r) => r.coordination.findOrCreateOnce("acme/models:fraud:sign-off-abc", steps)),
    );

    expect(found).toEqual(["issue #100", "issue #100", "issue #100", "issue #100"]);
    expect(objects).toEqual(["issue #100"]);
  });

  test("a failed creation records nothing: the next caller creates at once", async () => {
    const { coordination } = await replica({ waitsMs: [60_000] });

    await expect(
      coordination.findOrCreateOnce("acme/models:eol", {
        find: async () => undefined,
        create: () => Promise.reject(new Error("issues are disabled")),
      }),
    ).rejects.toThrow("issues are disabled");
    await expect(
      coordination.findOrCreateOnce("acme/models:eol", { find: async () => undefined, create: async () => "created" }),
    ).resolves.toBe("created");
  });

  test("created before but not listed yet: looked for after each wait, then created again when it never shows", async () => {
    const slept: number[] = [];
    const { coordination } = await replica({ waitsMs: [250, 500], sleep: async (ms) => void slept.push(ms) });
    await coordination.findOrCreateOnce("acme/models:gone", {
      find: async () => undefined,
      create: async () => "first",
    });
    let looks = 0;

    await expect(
      coordination.findOrCreateOnce("acme/models:gone", {
        find: async () => void looks++,
        create: async () => "second",
      }),
    ).resolves.toBe("second");

    expect(looks).toBe(3);
    expect(slept).toEqual([250, 500]);
  });
});

describe("inProcessCoordination (the GitHub Action: one process)", () => {
  test("runs works of one key one after the other, other keys alongside, and survives a failing work", async () => {
    const coordination = inProcessCoordination();
    const { events, work } = recorder();

    const results = await Promise.allSettled([
      coordination.exclusive("k", work("a", 20, true)),
      coordination.exclusive("k", work("b", 1)),
      coordination.exclusive("other", work("c", 1)),
    ]);

    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("b start")).toBeGreaterThan(events.indexOf("a end"));
    expect(events.indexOf("c end")).toBeLessThan(events.indexOf("a end"));
  });

  test("creates once among concurrent callers", async () => {
    const coordination = inProcessCoordination();
    const objects: string[] = [];
    const steps = { find: async () => objects[0], create: async () => (objects.push("x"), "x") };

    await Promise.all([1, 2, 3].map(() => coordination.findOrCreateOnce("k", steps)));

    expect(objects).toEqual(["x"]);
  });
});
