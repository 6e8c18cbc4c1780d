import type pg from "pg";
import { SCHEMA } from "./database.js";

/**
 * How deliveries agree on who does what, across every process that shares one store:
 * modelgate's replacement for in-process locks and for claims kept in GitHub.
 * On Postgres (postgresCoordination) a lock is an advisory lock held by a database session, so
 * it spans replicas and dies with a killed process; in one process (inProcessCoordination, for
 * the GitHub Action, which runs one event per job) it is a promise chain.
 */
export interface Coordination {
  /** Runs `work` while holding the lock `key`: works of one key run one after the other, other keys alongside. */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * Call it when the caller looked and found nothing: creates the object once across callers.
   * Under the lock `once:<key>`, a key with no record of a creation is created (and recorded);
   * a key created before is looked for with `find`, at once and again after short waits
   * (GitHub's listings can lag a moment behind a creation), and created again only when it
   * never shows (it was deleted).
   */
  findOrCreateOnce<T>(key: string, steps: CreateOnceSteps<T>): Promise<T>;
}

export interface CreateOnceSteps<T> {
  /** Looks for the object, fresh from GitHub each call. */
  find(): Promise<T | undefined>;
  /** Creates the object; called by one caller at a time, only when `find` came back empty. */
  create(): Promise<T>;
}

/** Pauses before looking again for an object that was created but is not listed yet (ms). */
export const LISTING_LAG_WAITS_MS: ReadonlyArray<number> = [250, 500, 1000, 2000];

interface CreatedRecords {
  wasCreated(key: string): Promise<boolean>;
  recordCreated(key: string): Promise<void>;
}

type Sleep = (ms: number) => Promise<void>;
const sleepFor: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function findOrCreateUnder(
  exclusive: Coordination["exclusive"],
  records: CreatedRecords,
  waits: ReadonlyArray<number>,
  sleep: Sleep,
): Coordination["findOrCreateOnce"] {
  return (key, steps) =>
    exclusive(`once:${key}`, async () => {
      // a creator records its object before it lets go of the lock: no record, nobody created it since the caller looked
      if (await records.wasCreated(key)) {
        for (const wait of [0, ...waits]) {
          if (wait > 0) await sleep(wait);
          const found = await steps.find();
          if (found !== undefined) return found;
        }
      }
      const created = await steps.create();
      await records.recordCreated(key);
      return created;
    });
}

export interface PostgresCoordinationOptions {
  /** Longest wait for a lock before the work fails (and its job is retried later). */
  lockTimeoutMs?: number;
  waitsMs?: ReadonlyArray<number>;
  sleep?: Sleep;
}

/** Locks and create-once records in Postgres: one holder per key across every replica on the database. */
export function postgresCoordination(pool: pg.Pool, options: PostgresCoordinationOptions = {}): Coordination {
  const lockTimeoutMs = options.lockTimeoutMs ?? 120_000;
  const exclusive = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let healthy = true;
    // the session can die while the work runs (database restarted): the work goes on, and the client is thrown away after
    const onError = () => void (healthy = false);
    client.on("error", onError);
    try {
      await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${lockTimeoutMs}ms`]);
      try {
        await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
      } catch (error) {
        throw new Error(
          `modelgate waited ${lockTimeoutMs} ms for the lock ${key} held by another delivery: ${(error as Error).message}`,
          { cause: error },
        );
      }
      try {
        return await work();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => {
          healthy = false;
        });
      }
    } finally {
      client.off("error", onError);
      // a session whose unlock failed may still hold the lock: never hand it to another caller
      client.release(!healthy);
    }
  };
  const records: CreatedRecords = {
    wasCreated: async (key) =>
      (await pool.query(`SELECT 1 FROM ${SCHEMA}.created_once WHERE key = $1`, [key])).rowCount !== 0,
    recordCreated: async (key) => {
      await pool.query(
        `INSERT INTO ${SCHEMA}.created_once (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET created_at = now(), times = created_once.times + 1`,
        [key],
      );
    },
  };
  return {
    exclusive,
    findOrCreateOnce: findOrCreateUnder(
      exclusive,
      records,
      options.waitsMs ?? LISTING_LAG_WAITS_MS,
      options.sleep ?? sleepFor,
    ),
  };
}

/** Locks and records in this process only: for one process that is alone (the GitHub Action). */
export function inProcessCoordination(options: { waitsMs?: ReadonlyArray<number>; sleep?: Sleep } = {}): Coordination {
  const tails = new Map<string, Promise<unknown>>();
  const created = new Set<string>();
  const exclusive = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    // forget the key once nothing is queued behind this work, so the map does not grow
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
  const records: CreatedRecords = {
    wasCreated: async (key) => created.has(key),
    recordCreated: async (key) => void created.add(key),
  };
  return {
    exclusive,
    findOrCreateOnce: findOrCreateUnder(
      exclusive,
      records,
      options.waitsMs ?? LISTING_LAG_WAITS_MS,
      options.sleep ?? sleepFor,
    ),
  };
}
