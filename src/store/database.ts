import pg from "pg";

/** The schema that holds modelgate's own tables (pg-boss keeps its own, `pgboss`). */
export const SCHEMA = "modelgate";

/**
 * The migrations, in order: each runs once per database, inside a transaction, recorded in
 * modelgate.migrations. Never edit a released one: append the next (docs/operations.md, "Upgrades").
 */
const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE ${SCHEMA}.deliveries (
        guid text PRIMARY KEY,
        event text NOT NULL,
        action text,
        installation_id bigint,
        payload jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        received_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        last_error text
      );
      CREATE INDEX deliveries_by_state ON ${SCHEMA}.deliveries (state, received_at);
      CREATE TABLE ${SCHEMA}.created_once (
        key text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        times integer NOT NULL DEFAULT 1
      );
      CREATE TABLE ${SCHEMA}.conditional_reads (
        key text PRIMARY KEY,
        etag text NOT NULL,
        body jsonb NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${SCHEMA}.reconciled (
        key text PRIMARY KEY,
        value text NOT NULL DEFAULT '',
        at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    // json, not jsonb: a delivery is stored as GitHub sent it and only read back whole — no binary conversion on the
    // answer path, and a payload with a \u0000 escape (user text in a title) is stored instead of refused
    version: 2,
    sql: `ALTER TABLE ${SCHEMA}.deliveries ALTER COLUMN payload TYPE json USING payload::json;`,
  },
  {
    // the next write slot of each installation, shared by the replicas (write-pacing.ts); unlogged: losing it in a
    // database crash costs one write sent early, and every write spares a WAL flush
    version: 3,
    sql: `CREATE UNLOGGED TABLE ${SCHEMA}.write_pacing (installation text PRIMARY KEY, next_at timestamptz NOT NULL);`,
  },
  {
    // one row per replica that /ready writes: a database that answers SELECT 1 but cannot commit (a full disk, a
    // read-only standby) is not ready; logged, so the commit needs the WAL as a delivery's does
    version: 4,
    sql: `CREATE TABLE ${SCHEMA}.readiness (replica text PRIMARY KEY, checked_at timestamptz NOT NULL);`,
  },
  {
    // the delivery workers alive (worker-leases.ts): each holds the lock worker:<id> while it lives, and its start
    // tells the sweep which fetched jobs only a dead process can hold
    version: 5,
    sql: `CREATE TABLE ${SCHEMA}.workers (id text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now());`,
  },
  {
    // the organisation's inventory (inventory-store.ts, docs/inventory.md): one snapshot per repository, replaced
    // whole by the sweep; versions and gate decisions outlive a snapshot (the timeline) until pruned. No foreign
    // keys: a gate may record a decision before the first sweep has seen the repository
    version: 6,
    sql: `
      CREATE TABLE ${SCHEMA}.inventory_repositories (
        repository_id bigint PRIMARY KEY,
        installation_id bigint NOT NULL,
        full_name text NOT NULL,
        private boolean NOT NULL,
        default_branch text NOT NULL,
        head_sha text,
        has_policy boolean NOT NULL,
        policy_problem text,
        manifest_problems jsonb NOT NULL DEFAULT '[]',
        swept_at timestamptz NOT NULL
      );
      CREATE INDEX inventory_repositories_by_installation ON ${SCHEMA}.inventory_repositories (installation_id);
      CREATE TABLE ${SCHEMA}.inventory_models (
        repository_id bigint NOT NULL,
        name text NOT NULL,
        version text NOT NULL,
        digest text NOT NULL,
        status text NOT NULL,
        manifest_path text NOT NULL,
        PRIMARY KEY (repository_id, name)
      );
      CREATE TABLE ${SCHEMA}.inventory_versions (
        repository_id bigint NOT NULL,
        model text NOT NULL,
        digest text NOT NULL,
        version text NOT NULL,
        sign_offs jsonb NOT NULL DEFAULT '[]',
        awaiting_roles jsonb NOT NULL DEFAULT '[]',
        people_at timestamptz,
        evaluation jsonb,
        end_of_life jsonb,
        first_seen_at timestamptz,
        last_seen_at timestamptz,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (repository_id, model, digest)
      );
      CREATE TABLE ${SCHEMA}.inventory_decisions (
        repository_id bigint NOT NULL,
        model text NOT NULL,
        digest text NOT NULL,
        version text NOT NULL,
        gate text NOT NULL CHECK (gate IN ('pull_request', 'release', 'deployment')),
        key text NOT NULL,
        decision jsonb NOT NULL,
        decided_at timestamptz NOT NULL,
        PRIMARY KEY (repository_id, model, digest, gate, key)
      );
      CREATE TABLE ${SCHEMA}.inventory_unmanaged (
        repository_id bigint NOT NULL,
        path text NOT NULL,
        kind text NOT NULL,
        reason text NOT NULL,
        evidence jsonb NOT NULL,
        PRIMARY KEY (repository_id, path)
      );
    `,
  },
  {
    // the dashboard's sessions, sign-in states and access cache (dashboard-sessions.ts, docs/dashboard.md): a session
    // is stored by the hash of its cookie, the user's token only encrypted under a key the database does not hold
    version: 7,
    sql: `
      CREATE TABLE ${SCHEMA}.dashboard_sessions (
        id_hash text PRIMARY KEY,
        user_id bigint NOT NULL,
        login text NOT NULL,
        token_box bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX dashboard_sessions_by_expiry ON ${SCHEMA}.dashboard_sessions (expires_at);
      CREATE TABLE ${SCHEMA}.dashboard_oauth_states (state_hash text PRIMARY KEY, expires_at timestamptz NOT NULL);
      CREATE TABLE ${SCHEMA}.dashboard_access (
        key text PRIMARY KEY,
        repository_ids bigint[] NOT NULL,
        checked_at timestamptz NOT NULL
      );
    `,
  },
];

export interface Database {
  pool: pg.Pool;
  /** Can the database commit a write right now (/ready)? A database that only answers reads is not usable. */
  ping(): Promise<boolean>;
  /** The same write, throwing what the database answered. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a pool on `connectionString` and brings modelgate's schema up to date. */
export async function openDatabase(connectionString: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 60, application_name: "modelgate" });
  // an idle client that loses its server must not crash the process: the next query reports it
  pool.on("error", () => undefined);
  // nor a checked-out one between two queries (a lock's session, a fetch's transaction): its query in flight, or
  // the next, rejects with the cause; without a listener pg's 'error' event would be an uncaught exception
  pool.on("connect", (client) => client.on("error", () => undefined));
  await migrate(pool);
  return {
    pool,
    ping: async () => {
      try {
        await writeProbe(pool);
        return true;
      } catch {
        return false;
      }
    },
    probe: () => writeProbe(pool),
    close: () => pool.end(),
  };
}

// each process writes its own row: replicas probing together never wait on each other's row lock
const REPLICA = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/** Commits one small write, as storing a delivery does; throws what the database answered. */
async function writeProbe(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO ${SCHEMA}.readiness (replica, checked_at) VALUES ($1, now())
     ON CONFLICT (replica) DO UPDATE SET checked_at = EXCLUDED.checked_at`,
    [REPLICA],
  );
}

/** Applies the missing migrations; replicas starting together take turns on an advisory lock. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended('modelgate:migrations', 0))");
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations`);
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query(`INSERT INTO ${SCHEMA}.migrations (version) VALUES ($1)`, [migration.version]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtextextended('modelgate:migrations', 0))");
    }
  } finally {
    client.release();
  }
}
