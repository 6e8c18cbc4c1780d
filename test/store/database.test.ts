import { expect, test } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { testDatabaseUrl } from "../helpers/database.js";

test("attack: the server of a checked-out session goes away (a killed Postgres): its query rejects, and nothing is thrown uncaught", async () => {
  const database = await openDatabase(await testDatabaseUrl(), { max: 3 });
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  process.on("uncaughtException", record);
  try {
    // a session held between two queries, as a lock's or a fetch's is
    const held = await database.pool.connect();
    const { rows } = await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    await database.pool.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
    // the server's goodbye reaches the idle session now; its next query says so
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(held.query("SELECT 1")).rejects.toThrow();
    held.release(true);
    expect(uncaught).toEqual([]);
  } finally {
    process.off("uncaughtException", record);
    await database.close();
  }
});
