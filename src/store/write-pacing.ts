import type pg from "pg";
import type { WritePacer } from "../github/traffic.js";
import { SCHEMA } from "./database.js";

/**
 * Write slots per installation on the shared database, so that every replica together keeps
 * GitHub's gap between writes (docs/operations.md, "Pacing"). Each reservation moves the
 * installation's next slot one gap further, atomically, on the database's clock (replicas'
 * clocks may differ); the answer is how long the asking write waits for its slot.
 */
export function postgresWritePacer(pool: pg.Pool): WritePacer {
  return {
    reserve: async (installation, gapMs) => {
      const { rows } = await pool.query<{ wait_ms: number }>(
        `INSERT INTO ${SCHEMA}.write_pacing AS pacing (installation, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
         ON CONFLICT (installation) DO UPDATE SET next_at = greatest(pacing.next_at, clock_timestamp()) + make_interval(secs => $2::float8 / 1000)
         RETURNING greatest(0, extract(epoch FROM pacing.next_at - clock_timestamp()) * 1000 - $2::float8)::float8 AS wait_ms`,
        [installation, gapMs],
      );
      return rows[0]?.wait_ms ?? 0;
    },
  };
}
