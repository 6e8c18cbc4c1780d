/**
 * The real Postgres of the tests (started once per run by global-postgres.ts): each test file
 * gets a database of its own, created on first use and dropped with the run's server.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeEach, inject } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.js";

let opened: Promise<{ database: Database; url: string }> | undefined;

/** This test file's database (migrated), shared by the tests of the file. */
export async function testDatabase(): Promise<Database> {
  return (await openTestDatabase()).database;
}

/** The connection string of this test file's database (for a second "replica" or pg-boss). */
export async function testDatabaseUrl(): Promise<string> {
  return (await openTestDatabase()).url;
}

function openTestDatabase(): Promise<{ database: Database; url: string }> {
  opened ??= (async () => {
    const server = inject("postgresUrl");
    const name = `test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(server);
    url.pathname = `/${name}`;
    return { database: await openDatabase(url.toString(), { max: 30 }), url: url.toString() };
  })();
  return opened;
}

/**
 * Registered for every test file (vitest setupFiles): each test starts with no records (what a
 * test created once is not "created before" for the next), and the file's pool is closed at the end.
 */
export function isolateTestDatabase(): void {
  beforeEach(async () => {
    if (!opened) return;
    const { database } = await opened;
    await database.pool.query(
      "TRUNCATE modelgate.created_once, modelgate.deliveries, modelgate.conditional_reads, modelgate.reconciled, modelgate.write_pacing",
    );
  });
  afterAll(async () => {
    if (!opened) return;
    const { database } = await opened;
    opened = undefined;
    await database.close();
  });
}
