import { randomUUID } from "node:crypto";
import type pg from "pg";
import { SCHEMA } from "./database.js";

/**
 * Which delivery workers are alive, across every replica on one database (docs/operations.md,
 * "What survives what"). A worker registers itself (`modelgate.workers`, its start on the
 * database's clock) and holds the advisory lock `worker:<id>` on a session of its own for as
 * long as it lives: a killed process loses its session, so its lock is free and it counts as
 * dead. The sweep uses this to tell a job fetched by a dead process from one a live replica
 * holds: pg-boss stamps a fetched job with the database's time (`started_on`), and a job
 * fetched before every live worker started can only belong to a process that is gone.
 */
export class WorkerLease {
  private constructor(
    readonly id: string,
    readonly startedAt: Date,
    private readonly client: pg.PoolClient,
    private lost: boolean,
  ) {}

  private released = false;

  /** Registers a worker and takes its lock; the session stays with the lease until release(). */
  static async take(pool: pg.Pool): Promise<WorkerLease> {
    const id = randomUUID();
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [`worker:${id}`]);
      const { rows } = await client.query<{ started_at: Date }>(
        `INSERT INTO ${SCHEMA}.workers (id) VALUES ($1) RETURNING started_at`,
        [id],
      );
      const lease = new WorkerLease(id, rows[0]!.started_at, client, false);
      // the database lost the session: the lock is gone, other replicas take this worker for dead
      client.on("error", () => void (lease.lost = true));
      return lease;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** False once the lease's session died: take a new lease. */
  get held(): boolean {
    return !this.lost;
  }

  /** The worker stops: its row goes, and its lock with its session. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (!this.lost)
      await this.client.query(`DELETE FROM ${SCHEMA}.workers WHERE id = $1`, [this.id]).catch(() => undefined);
    this.lost = true;
    // the session is closed, not reused: its lock goes with it
    this.client.release(true);
  }
}

/**
 * The start of the oldest worker alive now (the caller's own lease counts), forgetting the workers whose
 * lock is free (their process died); undefined when none is alive.
 */
export async function oldestLiveWorkerStart(pool: pg.Pool): Promise<Date | undefined> {
  const { rows } = await pool.query<{ id: string; started_at: Date }>(
    `SELECT id, started_at FROM ${SCHEMA}.workers ORDER BY started_at`,
  );
  if (rows.length === 0) return undefined;
  const client = await pool.connect();
  let healthy = true;
  let oldest: Date | undefined;
  try {
    for (const { id, started_at: startedAt } of rows) {
      const key = `worker:${id}`;
      const free =
        (await client.query<{ free: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS free", [key]))
          .rows[0]?.free === true;
      if (!free) {
        oldest ??= startedAt;
        continue;
      }
      try {
        await client.query(`DELETE FROM ${SCHEMA}.workers WHERE id = $1`, [id]);
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => (healthy = false));
      }
    }
    return oldest;
  } finally {
    client.release(!healthy);
  }
}
