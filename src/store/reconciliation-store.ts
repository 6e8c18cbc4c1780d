import type pg from "pg";
import { SCHEMA } from "./database.js";

/**
 * What reconciliation remembers between runs: the ETag and body of each conditional read (a
 * 304 answer then costs no rate limit), and facts that never change once true (this head has a
 * completed modelgate run; the default branch was last reconciled at this commit).
 */
export interface ReconciliationStore {
  cached(key: string): Promise<{ etag: string; body: unknown } | undefined>;
  cache(key: string, etag: string, body: unknown): Promise<void>;
  remembered(key: string): Promise<string | undefined>;
  remember(key: string, value?: string): Promise<void>;
  /**
   * The heads and releases of a repository that a stored delivery not yet done will judge (queued or running):
   * reconciliation leaves them to it instead of evaluating them a second time.
   */
  pendingWork(owner: string, repo: string): Promise<PendingWork>;
}

export interface PendingWork {
  heads: ReadonlySet<string>;
  releases: ReadonlySet<number>;
}

export function postgresReconciliationStore(pool: pg.Pool): ReconciliationStore {
  return {
    cached: async (key) => {
      const { rows } = await pool.query<{ etag: string; body: unknown }>(
        `SELECT etag, body FROM ${SCHEMA}.conditional_reads WHERE key = $1`,
        [key],
      );
      return rows[0];
    },
    cache: async (key, etag, body) => {
      await pool.query(
        `INSERT INTO ${SCHEMA}.conditional_reads (key, etag, body) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET etag = EXCLUDED.etag, body = EXCLUDED.body, stored_at = now()`,
        [key, etag, JSON.stringify(body)],
      );
    },
    remembered: async (key) =>
      (await pool.query<{ value: string }>(`SELECT value FROM ${SCHEMA}.reconciled WHERE key = $1`, [key])).rows[0]
        ?.value,
    remember: async (key, value = "") => {
      await pool.query(
        `INSERT INTO ${SCHEMA}.reconciled (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, at = now()`,
        [key, value],
      );
    },
    pendingWork: async (owner, repo) => {
      // the head a pull request, review, check suite or check run delivery is about; the release of a release delivery
      const { rows } = await pool.query<{ head: string | null; release: string | null }>(
        `SELECT coalesce(payload->'pull_request'->'head'->>'sha', payload->'check_suite'->>'head_sha', payload->'check_run'->>'head_sha') AS head,
                payload->'release'->>'id' AS release
         FROM ${SCHEMA}.deliveries WHERE state IN ('queued', 'running') AND lower(payload->'repository'->>'full_name') = lower($1)`,
        [`${owner}/${repo}`],
      );
      return {
        heads: new Set(rows.flatMap((row) => (row.head ? [row.head] : []))),
        releases: new Set(rows.flatMap((row) => (row.release ? [Number(row.release)] : []))),
      };
    },
  };
}
