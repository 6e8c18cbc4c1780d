import { createHmac, randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { createNodeMiddleware, Probot } from "probot";
import { afterEach, describe, expect, test } from "vitest";
import { ModelgateOctokit } from "../../src/github/octokit.js";
import { modelgateServer, type ServerState } from "../../src/server/app.js";
import type { RuntimeOptions } from "../../src/server/runtime.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { freePort } from "../helpers/global-postgres.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import { BASE, HEAD, PR, world } from "../helpers/sign-off-world.js";
import { APP_ID, INSTALLATION_ID, testPrivateKey } from "../helpers/test-app.js";
import { GITHUB_API } from "../helpers/fake-repository.js";

allowRequestsToThisMachine();

const SECRET = "webhook-secret-of-the-test";

interface Replica {
  url: string;
  state: ServerState;
  logs: Array<Record<string, unknown>>;
  fatal: string[];
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A modelgate server as `npm start` runs it, on its own embedded Postgres (or on `env.DATABASE_URL`). */
async function startServer(
  env: Record<string, string>,
  options: Pick<RuntimeOptions, "embeddedRestarts" | "databaseProbeMs"> = {},
): Promise<Replica> {
  const logs: Array<Record<string, unknown>> = [];
  const fatal: string[] = [];
  const log = pino(
    { level: "debug" },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const probot = new Probot({ appId: APP_ID, privateKey: testPrivateKey(), secret: SECRET, log });
  const state: ServerState = { stopping: false };
  const middleware = await createNodeMiddleware(
    modelgateServer(state, {
      env: {
        APP_ID: String(APP_ID),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: SECRET,
        MODELGATE_RECOVERY_ON_START: "false",
        ...env,
      },
      Octokit: ModelgateOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        modelgateTraffic: { writeGapMs: 0 },
      })) as typeof ModelgateOctokit,
      onFatal: (reason) => void fatal.push(reason),
      databaseProbeMs: 200,
      ...options,
    }),
    { probot },
  );
  const server: Server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  let closed = false;
  const replica: Replica = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    logs,
    fatal,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise((resolve) => server.close(resolve));
      await state.runtime?.stop(5_000);
    },
  };
  cleanups.push(() => replica.close());
  return replica;
}

/** A fresh data directory and port for an embedded Postgres, removed after the test. */
async function embeddedEnv(): Promise<Record<string, string>> {
  const dataDir = join(tmpdir(), `modelgate-outage-${process.pid}-${randomBytes(4).toString("hex")}`);
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { MODELGATE_DATA_DIR: dataDir, MODELGATE_POSTGRES_PORT: String(await freePort()) };
}

function killPostmaster(replica: Replica): void {
  const pid = replica.state.runtime?.embeddedPid?.();
  if (pid === undefined) throw new Error("the replica runs no embedded Postgres");
  process.kill(pid, "SIGKILL");
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const README_CHANGE = {
  commits: [
    { sha: BASE, files: { "README.md": "# Models\n" } },
    { sha: HEAD, files: { "README.md": "# Models and more\n" } },
  ],
};

/** Waits until every stored delivery ran to completion. */
async function allCompleted(replica: Replica): Promise<void> {
  await until(async () => {
    const { rows } = await replica.state.runtime!.database.pool.query<{ state: string }>(
      "SELECT state FROM modelgate.deliveries",
    );
    return rows.length > 0 && rows.every((row) => row.state === "completed");
  }, "the deliveries completed");
}

const status = async (replica: Replica, path: string) => (await fetch(`${replica.url}${path}`)).status;
const errorLines = (replica: Replica) => {
  const lines = replica.logs.filter((line) => Number(line.level) >= 50);
  if (process.env.DEBUG_OUTAGE)
    console.log(
      JSON.stringify(
        replica.logs.filter((l) => Number(l.level) >= 40),
        null,
        1,
      ),
    );
  return lines;
};

async function deliver(replica: Replica, id: string): Promise<Response> {
  const { name, payload } = pullRequestEvent("opened", PR, INSTALLATION_ID);
  const body = JSON.stringify(payload);
  return fetch(`${replica.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": name,
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  });
}

describe("the embedded Postgres dies", () => {
  test("attack: its postmaster is killed: the server restarts it and is ready again; the outage is one error line, its end one info line", async () => {
    const replica = await startServer(await embeddedEnv());
    expect(await status(replica, "/ready")).toBe(200);

    // once usable again the server asks GitHub for the deliveries it answered 500 (runtime.ts, whenRecovered): its
    // queued job may run before the test ends, as the number of the server's queues and the machine's load decide
    nock(GITHUB_API).get("/app/hook/deliveries").query(true).optionally().reply(200, []);
    killPostmaster(replica);
    await until(async () => (await status(replica, "/ready")) === 503, "/ready says 503");
    await until(async () => (await status(replica, "/ready")) === 200, "/ready says 200 again");
    expect(await status(replica, "/health")).toBe(200);
    world(README_CHANGE);
    expect((await deliver(replica, "after-restart")).status).toBe(200);
    await allCompleted(replica);
    expect(replica.fatal).toEqual([]);
    expect(errorLines(replica).map((line) => line.msg)).toEqual([
      expect.stringMatching(/^modelgate cannot use its database/),
    ]);
    expect(replica.logs.some((line) => line.msg === "modelgate's database is usable again")).toBe(true);
  }, 60_000);

  test("attack: when it cannot be restarted, the server gives up (exit 1) and /health fails once the outage outlasts the bound; the 500 answer names the delivery, not an address", async () => {
    const replica = await startServer(
      { ...(await embeddedEnv()), MODELGATE_DATABASE_OUTAGE_SECONDS: "1" },
      {
        embeddedRestarts: 0,
      },
    );
    expect(await status(replica, "/health")).toBe(200);

    killPostmaster(replica);
    await until(async () => replica.fatal.length === 1, "the server gave up");
    expect(replica.fatal[0]).toMatch(/the embedded Postgres exited \(SIGKILL\) after 0 restarts/);
    expect(await status(replica, "/ready")).toBe(503);

    const answer = await deliver(replica, "during-the-outage");
    const body = await answer.text();
    expect(answer.status).toBe(500);
    expect(body).toContain("during-the-outage");
    expect(body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|\d+\.\d+\.\d+\.\d+:\d+/);

    await until(async () => (await status(replica, "/health")) === 503, "/health says 503", 10_000);
    // seconds of polling by the delivery worker, pg-boss and the probes: one line for the whole outage (Probot adds
    // its own lines for each delivery it answered 500, which name the delivery)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const unrelatedToTheDelivery = errorLines(replica).filter(
      (line) => !JSON.stringify(line).includes("during-the-outage"),
    );
    expect(unrelatedToTheDelivery.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^modelgate cannot use its database/),
    ]);
    expect(JSON.stringify(replica.logs)).not.toContain("terminating connection due to administrator command");
  }, 60_000);

  test("a clean stop logs no error line", async () => {
    const replica = await startServer(await embeddedEnv());
    world(README_CHANGE);
    expect((await deliver(replica, "before-stop")).status).toBe(200);
    await allCompleted(replica);
    replica.state.stopping = true;
    await replica.close();
    expect(errorLines(replica)).toEqual([]);
  }, 60_000);
});

describe("stopping", () => {
  test("attack: a stop whose signal also reached the embedded Postgres (Ctrl-C, systemd's SIGTERM to the group) logs no error line and does not restart it", async () => {
    const replica = await startServer(await embeddedEnv());
    world(README_CHANGE);
    expect((await deliver(replica, "before-the-signal")).status).toBe(200);
    await allCompleted(replica);
    const runtime = replica.state.runtime!;
    const pid = runtime.embeddedPid?.();
    // what main.ts does on the signal, while the same signal makes Postgres terminate its connections
    replica.state.stopping = true;
    runtime.beginStop?.();
    process.kill(pid!, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await replica.close();
    expect(errorLines(replica)).toEqual([]);
    expect(replica.logs.filter((line) => /restarts its embedded Postgres/.test(String(line.msg)))).toEqual([]);
  }, 60_000);
});

describe("readiness is a write", () => {
  test("attack: a database that answers reads but refuses writes (a full disk) is not ready; /health stays up within the bound", async () => {
    const database = await testDatabase();
    const replica = await startServer({ DATABASE_URL: await testDatabaseUrl() });
    expect(await status(replica, "/ready")).toBe(200);
    await database.pool.query(`
      CREATE FUNCTION modelgate.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $$;
      CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON modelgate.readiness FOR EACH ROW EXECUTE FUNCTION modelgate.disk_full();
    `);
    cleanups.push(async () => {
      await database.pool.query(
        "DROP TRIGGER IF EXISTS disk_full ON modelgate.readiness; DROP FUNCTION IF EXISTS modelgate.disk_full()",
      );
    });
    expect(await database.pool.query("SELECT 1")).toBeTruthy();

    expect(await status(replica, "/ready")).toBe(503);
    expect(await status(replica, "/health")).toBe(200);
    expect(errorLines(replica).map((line) => [line.msg, line.reason])).toEqual([
      [expect.stringMatching(/^modelgate cannot use its database/), "could not extend file: No space left on device"],
    ]);

    await database.pool.query("DROP TRIGGER disk_full ON modelgate.readiness");
    expect(await status(replica, "/ready")).toBe(200);
  });
});
