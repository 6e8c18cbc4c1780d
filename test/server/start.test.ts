import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SettingsError, startServer } from "../../src/server/start.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { freePort } from "../helpers/global-postgres.js";
import { PR } from "../helpers/sign-off-world.js";
import { APP_ID, INSTALLATION_ID, testPrivateKey } from "../helpers/test-app.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";

// the tests start `npm start`'s program and talk to it on 127.0.0.1; GitHub stays mocked (or a local server)
allowRequestsToThisMachine();

const repository = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(repository, "src/server/main.ts");
const TSX = pathToFileURL(join(repository, "node_modules/tsx/dist/loader.mjs")).href;
const ENV_EXAMPLE = readFileSync(join(repository, ".env.example"), "utf8");
const SECRET = "start-test-secret";

interface Started {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stderr: string[];
}

let cwd: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  // a fresh clone: the working directory of `npm start`
  cwd = mkdtempSync(join(tmpdir(), "modelgate-start-"));
  // as root, the embedded Postgres runs as another user, who must be able to enter it
  chmodSync(cwd, 0o755);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  rmSync(cwd, { recursive: true, force: true });
});

/** `npm start` (src/server/main.ts) in `cwd` with exactly `env` (and PATH). */
function startMain(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  return { child, logs, stderr };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** The exit, or "still running" after `ms`. */
async function exitWithin(child: ChildProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still running">((resolve) => (timer = setTimeout(() => resolve("still running"), ms)));
  const outcome = await Promise.race([exited(child), late]);
  clearTimeout(timer);
  return outcome;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function status(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status;
  } catch (error) {
    return String((error as { cause?: { code?: string } }).cause?.code ?? error);
  }
}

const credentials = { APP_ID: String(APP_ID), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET };

describe("what the operator sets is what runs", () => {
  test("attack: a .env copied from .env.example does not override the environment: its empty DATABASE_URL and its PORT lose to the ones set", async () => {
    const [port, dotEnvPort, dotEnvPostgresPort] = [await freePort(), await freePort(), await freePort()];
    // .env.example as `cp .env.example .env` leaves it (ports moved off their defaults so nothing else is hit)
    writeFileSync(
      join(cwd, ".env"),
      ENV_EXAMPLE.replace(/^PORT=.*$/m, `PORT=${dotEnvPort}`).replace(
        /^MODELGATE_POSTGRES_PORT=.*$/m,
        `MODELGATE_POSTGRES_PORT=${dotEnvPostgresPort}`,
      ),
    );
    const databaseUrl = await testDatabaseUrl();
    const { child, logs } = startMain({
      ...credentials,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      MODELGATE_RECOVERY_ON_START: "false",
    });

    await until(async () => (await status(`http://127.0.0.1:${port}/ready`)) === 200, "the server is ready");

    const url = new URL(databaseUrl);
    const database = `${url.hostname}:${url.port}${url.pathname}`;
    expect(logs).toContainEqual(
      expect.objectContaining({
        database,
        database_from: "environment",
        port,
        port_from: "environment",
        msg: `modelgate uses the database ${database} (DATABASE_URL from the environment) and listens on port ${port} (PORT from the environment)`,
      }),
    );
    // no embedded Postgres, nothing on the .env's port, and the password is never logged
    expect(existsSync(join(cwd, "data"))).toBe(false);
    expect(await status(`http://127.0.0.1:${dotEnvPort}/ready`)).toBe("ECONNREFUSED");
    if (url.password) expect(JSON.stringify(logs)).not.toContain(url.password);

    child.kill("SIGTERM");
    expect(await exitWithin(child, 15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  test("the start log names the embedded Postgres's data directory and port, and where each came from", async () => {
    const [port, postgresPort] = [await freePort(), await freePort()];
    writeFileSync(join(cwd, ".env"), `MODELGATE_DATA_DIR=${join(cwd, "pg")}\nPORT=\n`);
    const { child, logs } = startMain({
      ...credentials,
      PORT: String(port),
      MODELGATE_POSTGRES_PORT: String(postgresPort),
      MODELGATE_RECOVERY_ON_START: "false",
    });

    await until(async () => (await status(`http://127.0.0.1:${port}/ready`)) === 200, "the server is ready", 60_000);

    expect(logs).toContainEqual(
      expect.objectContaining({
        database: `embedded 127.0.0.1:${postgresPort}`,
        database_from: "default",
        data_dir: join(cwd, "pg"),
        data_dir_from: ".env",
        postgres_port_from: "environment",
        port_from: "environment",
        msg: `modelgate uses its embedded Postgres (DATABASE_URL is not set) with its data in ${join(cwd, "pg")} (MODELGATE_DATA_DIR from .env) on 127.0.0.1:${postgresPort} (MODELGATE_POSTGRES_PORT from the environment), and listens on port ${port} (PORT from the environment)`,
      }),
    );
    child.kill("SIGTERM");
    expect(await exitWithin(child, 15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe("without the App's settings", () => {
  test.each<{ name: string; env: Record<string, string>; missing: RegExp }>([
    { name: "a fresh clone (.env copied from .env.example, nothing set)", env: {}, missing: /APP_ID, PRIVATE_KEY/ },
    {
      name: "credentials without WEBHOOK_SECRET (Probot would accept deliveries signed with 'development')",
      env: { APP_ID: credentials.APP_ID, PRIVATE_KEY: credentials.PRIVATE_KEY },
      missing: /WEBHOOK_SECRET is not set/,
    },
  ])(
    "attack: $name: the server refuses to start and points at npm run setup; no setup page is served",
    async ({ env, missing }) => {
      const port = await freePort();
      writeFileSync(join(cwd, ".env"), ENV_EXAMPLE.replace(/^PORT=.*$/m, `PORT=${port}`));
      const { child, stderr } = startMain(env);

      const exit = await exitWithin(child, 20_000);
      const listening = await status(`http://127.0.0.1:${port}/probot`);

      expect(exit).toEqual({ code: 2, signal: null });
      expect(stderr.join("")).toMatch(missing);
      expect(stderr.join("")).toContain("npm run setup");
      expect(listening).toBe("ECONNREFUSED");
    },
    30_000,
  );

  test("attack: started in this process, nothing is asked of the network (no smee.io channel) and nothing listens", async () => {
    const port = await freePort();
    writeFileSync(join(cwd, ".env"), ENV_EXAMPLE);

    await expect(startServer({ processEnv: { PORT: String(port) }, cwd })).rejects.toThrow(SettingsError);
    expect(await status(`http://127.0.0.1:${port}/probot`)).toBe("ECONNREFUSED");
  });
});

describe("stopping when GitHub does not answer", () => {
  let github: Server | undefined;
  afterEach(async () => {
    github?.closeAllConnections();
    await new Promise((resolve) => (github ? github.close(resolve) : resolve(undefined)));
    github = undefined;
  });

  test("attack: SIGTERM ends the process within MODELGATE_SHUTDOWN_SECONDS; the delivery it could not finish stays queued", async () => {
    // a GitHub (Enterprise Server) that accepts every connection and never answers
    const asked: string[] = [];
    github = createServer((req) => void asked.push(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => github?.listen(0, "127.0.0.1", resolve));
    const port = await freePort();
    const { child, logs } = startMain({
      ...credentials,
      DATABASE_URL: await testDatabaseUrl(),
      PORT: String(port),
      GHE_HOST: `127.0.0.1:${(github.address() as AddressInfo).port}`,
      GHE_PROTOCOL: "http",
      MODELGATE_SHUTDOWN_SECONDS: "2",
    });
    await until(async () => (await status(`http://127.0.0.1:${port}/ready`)) === 200, "the server is ready");

    const event = pullRequestEvent("opened", PR, INSTALLATION_ID);
    const body = JSON.stringify(event.payload);
    const answer = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event.name,
        "x-github-delivery": "guid-hanging",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    expect(answer.status).toBe(200);
    const pool = (await testDatabase()).pool;
    const row = async () =>
      (
        await pool.query<{ state: string; finished_at: Date | null }>(
          "SELECT state, finished_at FROM modelgate.deliveries WHERE guid = 'guid-hanging'",
        )
      ).rows[0];
    await until(async () => (await row())?.state === "running", "the delivery waits on GitHub");
    await until(() => asked.some((request) => request.includes("/access_tokens")), "GitHub was asked for a token");

    const stopping = Date.now();
    child.kill("SIGTERM");
    const exit = await exitWithin(child, 15_000);
    const took = Date.now() - stopping;

    expect(exit).toEqual({ code: 0, signal: null });
    // the bound, plus the time a process takes to exit
    expect(took).toBeLessThan(2_000 + 1_000);
    expect(logs.map((l) => l.msg)).toContain("modelgate stopped");
    // not finished, not given up on: the sweep of the next start runs it again
    expect(await row()).toMatchObject({ finished_at: null });
    expect(["queued", "running"]).toContain((await row())?.state);
  }, 60_000);
});
