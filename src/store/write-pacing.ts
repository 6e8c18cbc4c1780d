import type pg from "pg";
import type { WritePacer } from "../github/traffic.js";
import { SCHEMA } from "./database.js";

/**
 * The write turn of each installation on the shared database, so that every replica together
 * keeps GitHub's gap between writes as GitHub receives them (docs/operations.md, "Pacing").
 * `next_at` is when the installation may write next, on the database's clock (replicas' clocks
 * may differ): a claim takes the turn only once `next_at` has passed and moves it one gap on, so
 * a second replica cannot write meanwhile; the answer of the write moves it to one gap after that
 * answer, which came after GitHub received the write. A claim that finds the turn taken is told
 * how long until `next_at`, and asks again then (another replica may have taken it first).
 */
export function postgresWritePacer(pool: pg.Pool): WritePacer {
  return {
    claim: async (installation, gapMs) => {
      const { rows } = await pool.query<{ wait_ms: number }>(
        `WITH claimed AS (
           INSERT INTO ${SCHEMA}.write_pacing AS pacing (installation, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
           ON CONFLICT (installation) DO UPDATE SET next_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
             WHERE pacing.next_at <= clock_timestamp()
           RETURNING 1
         )
         SELECT CASE WHEN EXISTS (SELECT FROM claimed) THEN 0
           -- at least a few ms: the row this statement saw may be older than the one that refused the claim
           ELSE greatest(5, extract(epoch FROM (SELECT next_at FROM ${SCHEMA}.write_pacing WHERE installation = $1) - clock_timestamp()) * 1000)
         END::float8 AS wait_ms`,
        [installation, gapMs],
      );
      return rows[0]?.wait_ms ?? 0;
    },
    answered: async (installation, gapMs) => {
      await pool.query(
        `UPDATE ${SCHEMA}.write_pacing SET next_at = greatest(next_at, clock_timestamp() + make_interval(secs => $2::float8 / 1000)) WHERE installation = $1`,
        [installation, gapMs],
      );
    },
  };
}
