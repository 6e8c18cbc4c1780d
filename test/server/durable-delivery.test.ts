import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { pino } from "pino";
import { createNodeMiddleware, Probot } from "probot";
import { afterEach, describe, expect, test } from "vitest";
import { ModelgateOctokit } from "../../src/github/octokit.js";
import { modelgateServer, type ServerState } from "../../src/server/app.js";
import {
  DELIVERY_QUEUE,
  DeliveryStore,
  DeliveryWorker,
  defineDeliveryQueue,
  storeDelivery,
} from "../../src/queue/deliveries.js";
import { startBoss } from "../../src/queue/job-queue.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { createRecorder } from "../helpers/request-recorder.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import { BASE, HEAD, PR, world } from "../helpers/sign-off-world.js";
import { APP_ID, INSTALLATION_ID, testPrivateKey } from "../helpers/test-app.js";
import { TEST_NOW } from "../fixtures/clock.js";

allowRequestsToThisMachine();

const SECRET = "webhook-secret-of-the-test";

interface Replica {
  url: string;
  state: ServerState;
  requests: ReturnType<typeof createRecorder>["requests"];
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const replicas: Replica[] = [];

/** A modelgate server as `npm start` runs it (Probot's webhook middleware + the durable runtime) on 127.0.0.1, on this file's database. */
async function startReplica(env: Record<string, string> = {}): Promise<Replica> {
  const { fetch: recordingFetch, requests } = createRecorder();
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: "info" },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const probot = new Probot({ appId: APP_ID, privateKey: testPrivateKey(), secret: SECRET, log });
  const state: ServerState = { stopping: false };
  const Octokit = ModelgateOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    modelgateTraffic: TRAFFIC,
    request: { ...(options.request as object | undefined), fetch: recordingFetch },
  }));
  const middleware = await createNodeMiddleware(
    modelgateServer(state, {
      env: {
        DATABASE_URL: await testDatabaseUrl(),
        APP_ID: String(APP_ID),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: SECRET,
        MODELGATE_RECOVERY_ON_START: "false",
        ...env,
      },
      Octokit: Octokit as typeof ModelgateOctokit,
      clock: () => TEST_NOW,
    }),
    { probot },
  );
  const server: Server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const replica: Replica = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    requests,
    logs,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await state.runtime?.stop(5_000);
    },
  };
  replicas.push(replica);
  return replica;
}
const TRAFFIC = { writeGapMs: 0 };

afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.close()));
});

function signature(body: string, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

async function deliver(
  replica: Replica,
  event: { name: string; payload: unknown },
  id: string,
  options: { secret?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(event.payload);
  return fetch(`${replica.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event.name,
      "x-github-delivery": id,
      "x-hub-signature-256": signature(body, options.secret),
    },
    body,
  });
}

async function deliveryRows(): Promise<Array<{ guid: string; state: string; attempts: number }>> {
  const { rows } = await (
    await testDatabase()
  ).pool.query<{ guid: string; state: string; attempts: number }>(
    "SELECT guid, state, attempts FROM modelgate.deliveries ORDER BY guid",
  );
  return rows;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const allCompleted = (count: number) => async () => {
  const rows = await deliveryRows();
  return rows.length === count && rows.every((r) => r.state === "completed");
};

const README_CHANGE = {
  commits: [
    { sha: BASE, files: { "README.md": "# Models\n" } },
    { sha: HEAD, files: { "README.md": "# Models and more\n" } },
  ],
};

describe("a webhook delivery", () => {
  test("is answered once it is stored, then runs from the queue and writes the check run", async () => {
    const replica = await startReplica();
    const { checks } = world(README_CHANGE);

    const response = await deliver(replica, pullRequestEvent("opened", PR, INSTALLATION_ID), "guid-1");

    expect(response.status).toBe(200);
    expect((await deliveryRows()).map((r) => r.guid)).toEqual(["guid-1"]);
    await until(allCompleted(1), "the delivery completed");
    expect(checks.runs.map((run) => run.conclusion)).toEqual(["success"]);
    expect(await deliveryRows()).toEqual([{ guid: "guid-1", state: "completed", attempts: 1 }]);
  });

  test("with a forged signature is refused and nothing is stored or run", async () => {
    const replica = await startReplica();

    const response = await deliver(replica, pullRequestEvent("opened", PR, INSTALLATION_ID), "guid-forged", {
      secret: "not-the-secret",
    });

    expect(response.status).toBe(400);
    expect(await deliveryRows()).toEqual([]);
    expect(replica.requests).toEqual([]);
  });

  test("of an event modelgate does not handle is answered and not stored", async () => {
    const replica = await startReplica();

    const response = await deliver(
      replica,
      { name: "star", payload: { action: "created", installation: { id: INSTALLATION_ID } } },
      "guid-star",
    );

    expect(response.status).toBe(200);
    expect(await deliveryRows()).toEqual([]);
  });

  test("sent to two replicas (one database) runs once: one check run, written once", async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    const { checks } = world(README_CHANGE);
    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);

    const answers = await Promise.all([
      deliver(a, event, "guid-twice"),
      deliver(b, event, "guid-twice"),
      deliver(a, event, "guid-twice"),
    ]);

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await until(allCompleted(1), "the delivery completed");
    // give a duplicate job time to run, if there were one
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checks.history).toHaveLength(1);
    expect(await deliveryRows()).toEqual([{ guid: "guid-twice", state: "completed", attempts: 1 }]);
  });

  test("that failed for good runs again when GitHub redelivers it (same GUID); one that completed does not", async () => {
    // no retry after the first failure: the delivery is marked failed at once
    const replica = await startReplica({ MODELGATE_DELIVERY_RETRIES: "0" });
    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);
    // GitHub is down: not even the installation token can be created
    const outage = nock("https://api.github.com")
      .persist()
      .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
      .reply(503, { message: "Service Unavailable" });

    await deliver(replica, event, "guid-redelivered");
    await until(async () => (await deliveryRows())[0]?.state === "failed", "the delivery failed");
    // the operator is told, with the delivery and what to do
    await until(
      async () =>
        replica.logs.some(
          (l) =>
            l.delivery === "guid-redelivered" &&
            String(l.msg).startsWith("modelgate gave up on a delivery after 1 attempts: redeliver it"),
        ),
      "the give-up was logged",
    );

    outage.persist(false);
    for (const interceptor of (outage as unknown as { interceptors: nock.Interceptor[] }).interceptors)
      nock.removeInterceptor(interceptor);
    const { checks } = world(README_CHANGE);
    await deliver(replica, event, "guid-redelivered");
    await until(allCompleted(1), "the redelivery completed");
    expect(checks.runs.map((run) => run.conclusion)).toEqual(["success"]);

    await deliver(replica, event, "guid-redelivered");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checks.history).toHaveLength(1);
    expect(await deliveryRows()).toEqual([{ guid: "guid-redelivered", state: "completed", attempts: 1 }]);
  });

  test("left running by a killed process is run again by the sweep of a live one", async () => {
    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);
    // what a process killed mid-delivery leaves: the row marked running, nobody holding its lock
    await (
      await testDatabase()
    ).pool.query(
      "INSERT INTO modelgate.deliveries (guid, event, action, installation_id, payload, state, attempts) VALUES ($1, $2, $3, $4, $5, 'running', 1)",
      ["guid-orphan", event.name, "opened", INSTALLATION_ID, JSON.stringify(event.payload)],
    );
    const { checks } = world(README_CHANGE);

    await startReplica();

    await until(allCompleted(1), "the orphaned delivery completed");
    expect(checks.runs.map((run) => run.conclusion)).toEqual(["success"]);
    expect(await deliveryRows()).toEqual([{ guid: "guid-orphan", state: "completed", attempts: 2 }]);
  });
});

describe("storing deliveries that arrive together", () => {
  test("a burst is stored in shared transactions: each delivery gets its own answer, a GUID sent twice is stored and queued once", async () => {
    const database = await testDatabase();
    const boss = await startBoss(await testDatabaseUrl(), pino({ level: "silent" }));
    await defineDeliveryQueue(boss);
    const store = new DeliveryStore(database.pool, boss);
    try {
      const commitsBefore = await commits(database.pool);
      const guids = [...Array.from({ length: 30 }, (_, i) => `burst-${String(i).padStart(2, "0")}`), "burst-00"];
      const outcomes = await Promise.all(
        guids.map((id) =>
          store.store({ id, name: "pull_request", payload: { action: "opened", installation: { id: 1 } } }),
        ),
      );
      const commitsMade = (await commits(database.pool)) - commitsBefore;

      expect(outcomes.filter((o) => o === "stored")).toHaveLength(30);
      expect(outcomes.at(-1)).toBe("duplicate");
      expect((await deliveryRows()).map((r) => [r.guid, r.state])).toEqual(
        guids.slice(0, 30).map((guid) => [guid, "queued"]),
      );
      const { rows: jobs } = await database.pool.query<{ guid: string }>(
        "SELECT data->>'guid' AS guid FROM pgboss.job WHERE name = $1 AND data->>'guid' LIKE 'burst-%' ORDER BY 1",
        [DELIVERY_QUEUE],
      );
      expect(jobs.map((j) => j.guid)).toEqual(guids.slice(0, 30));
      // one transaction per delivery would be 30 commits (plus the counting queries')
      expect(commitsMade).toBeLessThan(15);
    } finally {
      await boss.stop({ graceful: false, close: true, wait: true });
    }
  });

  test("a delivery the database refuses fails alone: the others of its batch are stored", async () => {
    const database = await testDatabase();
    const boss = await startBoss(await testDatabaseUrl(), pino({ level: "silent" }));
    await defineDeliveryQueue(boss);
    const store = new DeliveryStore(database.pool, boss);
    try {
      const answers = await Promise.allSettled([
        store.store({ id: "good-1", name: "pull_request", payload: { action: "opened" } }),
        // no event name: the row violates NOT NULL
        store.store({ id: "refused", name: undefined as unknown as string, payload: { action: "opened" } }),
        store.store({ id: "good-2", name: "pull_request", payload: { action: "opened" } }),
      ]);

      expect(answers.map((a) => a.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((await deliveryRows()).map((r) => r.guid)).toEqual(["good-1", "good-2"]);
    } finally {
      await boss.stop({ graceful: false, close: true, wait: true });
    }
  });

  test("attack: a payload with a \\u0000 escape (user text in a title) is stored and judged, not refused forever", async () => {
    const replica = await startReplica();
    const { checks } = world(README_CHANGE);
    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);
    (event.payload.pull_request as { title: string }).title = "retrain \u0000 fraud-detector";

    const response = await deliver(replica, event, "guid-nul");

    expect(response.status).toBe(200);
    await until(allCompleted(1), "the delivery completed");
    expect(checks.runs.map((run) => run.conclusion)).toEqual(["success"]);
  });
});

/** Transactions committed in this database so far (Postgres's own count). */
async function commits(pool: import("pg").Pool): Promise<number> {
  await pool.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await pool.query<{ commits: string }>(
    "SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()",
  );
  return Number(rows[0]!.commits);
}

describe("operations endpoints", () => {
  test("/health is alive, /ready answers while the database does, /metrics counts deliveries", async () => {
    const replica = await startReplica();
    world(README_CHANGE);
    const before = await (await fetch(`${replica.url}/metrics`)).text();
    await deliver(replica, pullRequestEvent("opened", PR, INSTALLATION_ID), "guid-metrics");
    await until(allCompleted(1), "the delivery completed");

    expect(await (await fetch(`${replica.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${replica.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    const after = await (await fetch(`${replica.url}/metrics`)).text();
    const added = (series: string) => metricValue(after, series) - metricValue(before, series);
    expect(added('modelgate_webhook_deliveries_total{event="pull_request",outcome="stored"}')).toBe(1);
    expect(added('modelgate_deliveries_processed_total{event="pull_request",outcome="completed"}')).toBe(1);
    expect(added('modelgate_evaluations_total{kind="pull_request",verdict="success"}')).toBe(1);
    // the check run's creation: the one write of this evaluation
    expect(added('modelgate_github_requests_total{kind="write",status="201"}')).toBe(1);
    expect(metricValue(after, 'modelgate_queue_depth{state="queued"}')).toBe(0);
    expect(after).toContain("modelgate_queue_oldest_age_seconds 0");

    replica.state.stopping = true;
    const stopping = await fetch(`${replica.url}/ready`);
    expect([stopping.status, await stopping.json()]).toEqual([503, { status: "stopping" }]);
  });
});

/** The value of one series in Prometheus text (0 when absent). */
function metricValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("stopping (what SIGTERM does)", () => {
  test("takes no more deliveries, lets the running one finish within the bound; one past the bound is left for the sweep", async () => {
    const database = await testDatabase();
    const boss = await startBoss(await testDatabaseUrl(), pino({ level: "silent" }));
    await defineDeliveryQueue(boss);
    const started: string[] = [];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const worker = new DeliveryWorker({
      pool: database.pool,
      boss,
      receive: async (delivery) => {
        started.push(delivery.id);
        await gate;
      },
      log: pino({ level: "silent" }),
      concurrency: 1,
    });
    try {
      for (const id of ["first", "second"])
        await storeDelivery(database.pool, boss, { id, name: "pull_request", payload: { action: "opened" } });
      worker.start();
      await until(async () => started.length === 1, "the first delivery started");

      const stopping = worker.stop(5_000);
      setTimeout(finish, 200);
      await expect(stopping).resolves.toEqual({ unfinished: 0 });

      expect(started).toEqual(["first"]);
      expect((await deliveryRows()).map((r) => [r.guid, r.state])).toEqual([
        ["first", "completed"],
        ["second", "queued"],
      ]);
    } finally {
      await boss.stop({ graceful: false, close: true, wait: true });
    }
  });

  test("a delivery still running when the bound is over is reported unfinished", async () => {
    const database = await testDatabase();
    const boss = await startBoss(await testDatabaseUrl(), pino({ level: "silent" }));
    await defineDeliveryQueue(boss);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const worker = new DeliveryWorker({
      pool: database.pool,
      boss,
      receive: () => stuck,
      log: pino({ level: "silent" }),
      concurrency: 1,
    });
    try {
      await storeDelivery(database.pool, boss, { id: "stuck", name: "pull_request", payload: { action: "opened" } });
      worker.start();
      await until(async () => (await deliveryRows())[0]?.state === "running", "the delivery started");

      await expect(worker.stop(100)).resolves.toEqual({ unfinished: 1 });
    } finally {
      // in a real shutdown the process exits here; the test lets the delivery end so its database session closes
      release();
      await until(async () => (await deliveryRows())[0]?.state === "completed", "the delivery ended");
      await boss.stop({ graceful: false, close: true, wait: true });
    }
  });
});
