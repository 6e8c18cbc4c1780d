import { execFile, spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv, promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { readImageConfig } from "../helpers/dockerfile.js";
import { testPrivateKey } from "../helpers/test-app.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";

// the tests start the image's server and reach it through this machine's addresses
allowRequestsToThisMachine();

/**
 * No Docker engine where the tests run: the image is reproduced as a folder laid out as the
 * Dockerfile's final stage copies it (lib/ as `npm run build` wrote it, which npm test runs first), and its CMD is
 * run with its ENV — what `docker run -p 3000:3000 --env-file .env modelgate` starts.
 */
const repository = fileURLToPath(new URL("../..", import.meta.url));
const image = readImageConfig(new URL("../../Dockerfile", import.meta.url));
const packageJson = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};
const run = promisify(execFile);

let imageRoot: string;
const started: ChildProcess[] = [];

/** An address of this machine other than loopback: what a published container port is reached through. */
function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate !== undefined && candidate.family === "IPv4" && !candidate.internal);
  if (!address) throw new Error("this machine has no non-loopback IPv4 address to test reachability with");
  return address.address;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A path inside one of the image's volumes, moved to the folder that stands for the volume (`docker run -v`). */
function onVolume(value: string): string {
  const volume = image.volumes.find((path) => value === path || value.startsWith(`${path}/`));
  return volume === undefined ? value : join(imageRoot, "volumes", volume, value.slice(volume.length));
}

/** The image's command with the image's environment, plus the App's credentials (the --env-file). */
async function startImage(
  port: number,
  envChanges: Record<string, string | undefined> = {},
  options: { readOnlyRoot?: boolean } = {},
): Promise<{ child: ChildProcess; stdout: string[] }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: imageRoot };
  // the embedded Postgres of a server without DATABASE_URL gets a port of its own (tests run side by side)
  const credentials = {
    APP_ID: "4242",
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: "container-secret",
    MODELGATE_POSTGRES_PORT: String(await freePort()),
  };
  for (const [key, value] of Object.entries({ ...image.env, PORT: String(port), ...credentials, ...envChanges })) {
    if (value !== undefined) env[key] = onVolume(value);
  }
  const [program = "", ...args] = image.cmd;
  let command = [program === "node" ? process.execPath : program, ...args];
  if (options.readOnlyRoot) {
    // docker run --read-only -v …:/data: in a mount namespace of its own, every volume stays writable, / does not
    const volumes = image.volumes.map((volume) => join(imageRoot, "volumes", volume));
    const binds = volumes.map((_, i) => `mount --bind "$${i + 1}" "$${i + 1}" && `).join("");
    const script = `${binds}mount -o remount,bind,ro / && shift ${volumes.length} && exec "$@"`;
    command = ["unshare", "-m", "sh", "-c", script, "sh", ...volumes, ...command];
  }
  const child = spawn(command[0] ?? "", command.slice(1), {
    cwd: join(imageRoot, "app"),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const stdout: string[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    stdout.push(...lines.filter(Boolean));
  });
  child.stderr?.resume();
  return { child, stdout };
}

/** Polls a URL until it answers (at most `timeoutMs`): the status and body, or the connection error. */
async function answer(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      last = String((error as { cause?: { code?: string } }).cause?.code ?? error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { error: last };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

beforeAll(async () => {
  imageRoot = mkdtempSync(join(tmpdir(), "modelgate-image-"));
  // a server started as root may hand its data folder to another user (Postgres does): let it through
  chmodSync(imageRoot, 0o755);
  const app = join(imageRoot, "app");
  mkdirSync(app);
  for (const volume of image.volumes) {
    mkdirSync(join(imageRoot, "volumes", volume), { recursive: true });
    chmodSync(join(imageRoot, "volumes", volume), 0o777);
  }
  for (const copy of image.copies) {
    for (const source of copy.sources) {
      const name = source.replace(/^.*\//, "");
      if (copy.from === "build" && name === "node_modules")
        symlinkSync(join(repository, "node_modules"), join(app, "node_modules"));
      // the build stage's `npm run build` output: npm test has just built it (a second compile took ~14 s of the suite)
      else if (copy.from === "build" && name === "lib" && existsSync(join(repository, "lib", "server", "main.js")))
        symlinkSync(join(repository, "lib"), join(app, "lib"));
      else if (copy.from === "build" && name === "lib")
        await run(process.execPath, [
          join(repository, "node_modules/typescript/bin/tsc"),
          "-p",
          join(repository, "tsconfig.json"),
          "--outDir",
          join(app, "lib"),
          "--noCheck",
        ]);
      else if (copy.from === undefined) copyFileSync(join(repository, source), join(app, name));
      else throw new Error(`the test does not know how to reproduce COPY --from=${copy.from} ${source}`);
    }
  }
}, 180_000);

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
});

afterAll(() => {
  if (imageRoot) rmSync(imageRoot, { recursive: true, force: true });
});

describe("the container (Dockerfile)", () => {
  test("runs what `npm start` runs, with node itself as the program (npm would stand between the signal and the server)", () => {
    const start = (packageJson.scripts.start ?? "").split(/\s+/);
    let program: string[];
    if (start[0] === "probot") program = ["node_modules/probot/bin/probot.js"];
    else if (start[0] === "node") program = [];
    else program = start.slice(0, 1);
    expect(image.cmd).toEqual(["node", ...program, ...start.slice(1)]);
  });

  test("a signal reaches the server: tini is PID 1 and is installed in the image; docker stop sends SIGTERM", () => {
    expect(image.entrypoint.slice(0, 1)).toEqual(["/usr/bin/tini"]);
    expect(image.entrypoint).toContain("-g");
    expect(image.run.some((line) => /apt-get install .*\btini\b/.test(line))).toBe(true);
    expect(image.stopSignal).toBe("SIGTERM");
  });

  test("the server runs as the unprivileged node user, in production mode, on every interface; it writes only to its volume", () => {
    expect(image.user).toBe("node");
    expect(image.volumes).toEqual(["/data"]);
    expect(image.env.MODELGATE_DATA_DIR).toBe("/data/postgres");
    expect(image.run).toContain("mkdir -p /data && chown node:node /data");
    expect(image.env).toMatchObject({ NODE_ENV: "production", HOST: "0.0.0.0", LOG_FORMAT: "json" });
    // a graceful stop must end before docker stop's 10 s turn into SIGKILL
    expect(Number(image.env.MODELGATE_SHUTDOWN_SECONDS)).toBeLessThan(10);
    expect(image.expose).toEqual([image.env.PORT]);
  });

  test("answers on a non-loopback address of this machine, logs JSON lines, and stops on SIGTERM within docker stop's 10 seconds", async () => {
    const port = await freePort();
    const { child, stdout } = await startImage(port);
    const reached = await answer(`http://${nonLoopbackAddress()}:${port}/ping`, 60_000);
    expect(reached).toEqual({ status: 200, body: "PONG" });
    expect(stdout.length).toBeGreaterThan(0);
    for (const line of stdout)
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(Number), msg: expect.any(String) });
    const stopping = Date.now();
    child.kill("SIGTERM");
    const exit = await exited(child);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    // a clean exit once the server handles SIGTERM itself; the signal's default action until then
    expect(exit.code === 0 || exit.signal === "SIGTERM").toBe(true);
  }, 90_000);

  test.skipIf(process.getuid?.() !== 0)(
    "attack: runs with a read-only root (docker run --read-only) and one writable volume: the first start initialises its Postgres and answers",
    async () => {
      const port = await freePort();
      // a data directory never used: the first start runs initdb, whose password file used to go to /tmp (EROFS)
      const { child, stdout } = await startImage(
        port,
        { MODELGATE_DATA_DIR: "/data/read-only-root/postgres" },
        { readOnlyRoot: true },
      );
      const ready = await answer(`http://127.0.0.1:${port}/ready`, 60_000);
      expect(ready, stdout.slice(-5).join("\n")).toEqual({ status: 200, body: JSON.stringify({ status: "ready" }) });
      child.kill("SIGTERM");
      expect(await exited(child)).toEqual({ code: 0, signal: null });
    },
    90_000,
  );

  test("attack: `docker run --env-file .env` with .env copied from .env.example keeps the image's settings (an empty HOST= or a relative data dir would replace them)", () => {
    const example = parseEnv(readFileSync(join(repository, ".env.example"), "utf8"));
    const replaced = Object.keys(image.env).filter((name) => name in example && example[name] !== image.env[name]);
    expect(replaced).toEqual([]);
  });

  test("the build context leaves out a local data/ folder (an embedded Postgres) and .env", () => {
    const ignored = readFileSync(join(repository, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim().replace(/^\/|\/$/g, ""));
    expect(ignored).toEqual(expect.arrayContaining(["data", ".env"]));
  });

  test("without HOST the same command listens on loopback only: nothing arrives through the machine's address", async () => {
    const port = await freePort();
    await startImage(port, { HOST: undefined });
    expect(await answer(`http://127.0.0.1:${port}/ping`, 60_000)).toEqual({ status: 200, body: "PONG" });
    expect(await answer(`http://${nonLoopbackAddress()}:${port}/ping`, 1_500)).toEqual({ error: "ECONNREFUSED" });
  }, 90_000);
});

describe("the HEALTHCHECK", () => {
  let stub: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (stub ? stub.close(resolve) : resolve(undefined)));
    stub = undefined;
  });

  /** Runs the HEALTHCHECK command as Docker does, in the image's environment, against a server answering `status` on its path. */
  async function healthcheckAgainst(status: number | "down"): Promise<{ exitCode: number; paths: string[] }> {
    const paths: string[] = [];
    let port = await freePort();
    if (status !== "down") {
      stub = createServer((req, res) => {
        paths.push(req.url ?? "");
        res.writeHead(req.url === "/health" ? status : 404).end();
      });
      await new Promise<void>((resolve) => stub?.listen(0, "127.0.0.1", resolve));
      port = (stub.address() as AddressInfo).port;
    }
    const [program = "", ...args] = image.healthcheck?.cmd ?? [];
    const exitCode = await run(program === "node" ? process.execPath : program, args, {
      env: { PATH: process.env.PATH ?? "", ...image.env, PORT: String(port) },
      timeout: 10_000,
    }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? -1,
    );
    return { exitCode, paths };
  }

  test("asks /health on the server's own port and is healthy only on a 2xx", async () => {
    expect(image.healthcheck?.options).toMatchObject({
      interval: "30s",
      timeout: "5s",
      "start-period": "30s",
      retries: "3",
    });
    expect(await healthcheckAgainst(200)).toEqual({ exitCode: 0, paths: ["/health"] });
    expect((await healthcheckAgainst(503)).exitCode).toBe(1);
    expect((await healthcheckAgainst("down")).exitCode).toBe(1);
  }, 40_000);
});
