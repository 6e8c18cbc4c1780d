import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import pg from "pg";
import { expect, test } from "vitest";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.js";
import { freePort } from "../helpers/global-postgres.js";

test("as root, a data directory Postgres's own user cannot reach is refused with what to do (not root: it starts)", async () => {
  // mkdtemp makes a folder only its owner may enter
  const closed = await mkdtemp(join(tmpdir(), "modelgate-closed-"));
  try {
    const starting = startEmbeddedPostgres({ dataDir: join(closed, "pg"), port: await freePort() });
    if (process.getuid?.() === 0) {
      await expect(starting).rejects.toThrow(
        `cannot enter ${closed}, which holds its data directory ${join(closed, "pg")}: choose a MODELGATE_DATA_DIR under a folder others may enter`,
      );
    } else {
      const server = await starting;
      await server.stop();
    }
  } finally {
    await rm(closed, { recursive: true, force: true });
  }
});

test("a lock file naming a pid that is no Postgres (a killed server's pid reused, or a zombie) does not stop the restart", async () => {
  const parent = await mkdtemp(join(tmpdir(), "modelgate-stale-"));
  await chmod(parent, 0o755);
  const dataDir = join(parent, "pg");
  const port = await freePort();
  let other: ChildProcess | undefined;
  try {
    const first = await startEmbeddedPostgres({ dataDir, port });
    // a process of Postgres's own user (Postgres may signal it, so it counts it as alive; as root that user is not root)
    const owner = await stat(dataDir);
    other = spawn("sleep", ["60"], { stdio: "ignore", uid: owner.uid, gid: owner.gid });
    const lockFile = join(dataDir, "postmaster.pid");
    const lock = await readFile(lockFile, "utf8");
    // kill -9 leaves the lock file; here its pid now belongs to a live process that is not Postgres
    await first.stop();
    await writeFile(lockFile, lock.replace(/^\d+/, String(other.pid)));
    const second = await startEmbeddedPostgres({ dataDir, port });
    const client = new pg.Client({ connectionString: second.connectionString });
    await client.connect();
    expect((await client.query<{ one: number }>("select 1 as one")).rows).toEqual([{ one: 1 }]);
    await client.end();
    await second.stop();
  } finally {
    other?.kill("SIGKILL");
    await rm(parent, { recursive: true, force: true });
  }
});

test("a Postgres that cannot start says why (here: its port is taken), never an empty error", async () => {
  const parent = await mkdtemp(join(tmpdir(), "modelgate-taken-"));
  await chmod(parent, 0o755);
  const port = await freePort();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
  try {
    await expect(startEmbeddedPostgres({ dataDir: join(parent, "pg"), port })).rejects.toThrow(
      new RegExp(`the embedded Postgres in ${join(parent, "pg")} did not start: .*Address already in use`, "s"),
    );
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
    await rm(parent, { recursive: true, force: true });
  }
});

test("attack: as root, a data directory whose parents do not exist yet (a fresh clone's data/) starts: the parents are created enterable, only the data directory is private", async () => {
  const base = await mkdtemp(join(tmpdir(), "modelgate-fresh-"));
  await chmod(base, 0o755);
  // what `npm start` in a fresh clone asks for: <clone>/data/postgres, with neither folder there yet
  const dataDir = join(base, "clone", "data", "postgres");
  try {
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    await server.stop();
    expect((await stat(join(base, "clone"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(base, "clone", "data"))).mode & 0o777).toBe(0o755);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test("attack: a process that started the embedded Postgres keeps its exit code (its exit hook turned a failing run, vitest's included, into exit 0)", async () => {
  const parent = await mkdtemp(join(tmpdir(), "modelgate-exit-code-"));
  await chmod(parent, 0o755);
  const script = join(parent, "failing-run.mts");
  // what vitest does when a test failed: exitCode 1, and the process ends once nothing is left to do
  await writeFile(
    script,
    [
      `import { startEmbeddedPostgres } from ${JSON.stringify(new URL("../../src/store/embedded-postgres.ts", import.meta.url).href)};`,
      `const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(join(parent, "pg"))}, port: ${await freePort()} });`,
      "await server.stop();",
      "process.exitCode = 3;",
    ].join("\n"),
  );
  try {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: new URL("../..", import.meta.url),
      stdio: "ignore",
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(3);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
