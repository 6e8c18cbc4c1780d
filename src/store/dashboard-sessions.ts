/**
 * The dashboard's sessions, sign-in states and access cache, in Postgres (migration 7; docs/dashboard.md, "What it
 * stores"): every replica of one database shares them, and they survive a restart.
 *
 * - A session's id is 32 random bytes, given to the browser only (the cookie); the database keeps its SHA-256.
 * - The user's GitHub token is kept encrypted (AES-256-GCM) under a key derived from the cookie's secret and the
 *   App's client secret: the database alone (a dump, a backup) holds neither a usable session nor a usable token.
 * - A sign-in state is single-use and lives 10 minutes.
 * - What a user can read is cached for ACCESS_CACHE_SECONDS, per session (or per API token hash).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { SCHEMA } from "./database.js";

/** How long a session lasts at most (the token may end it sooner: GitHub expires App user tokens after 8 hours). */
export const SESSION_HOURS = 8;
/** How long a sign-in may take between the redirect to GitHub and the callback. */
export const OAUTH_STATE_MINUTES = 10;
/** Sign-ins in progress at once (started, not yet back from GitHub) across every replica. */
export const MAX_OPEN_STATES = 10_000;
/** How long a user's readable repositories are trusted before GitHub is asked again. */
export const ACCESS_CACHE_SECONDS = 60;

export interface SessionUser {
  userId: number;
  login: string;
  token: string;
  /** The key of this session's access cache and CSRF token (never the cookie itself). */
  idHash: string;
  csrfToken: string;
}

/** A fresh random secret, URL-safe (cookie values, states). */
export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The CSRF token of a session: derived from the cookie's secret, so it needs no storage and no other session has it. */
export function csrfTokenOf(cookieSecret: string): string {
  return createHash("sha256").update(`modelgate-dashboard-csrf\n${cookieSecret}`).digest("base64url");
}

/** Compares two tokens in constant time. */
export function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A well-formed secret (what randomSecret makes): anything else is not looked up. */
function isSecret(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text);
}

function tokenKey(cookieSecret: string, clientSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", cookieSecret, clientSecret, "modelgate dashboard user token", 32));
}

function encryptToken(token: string, cookieSecret: string, clientSecret: string, idHash: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", tokenKey(cookieSecret, clientSecret), iv);
  cipher.setAAD(Buffer.from(idHash));
  const sealed = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

function decryptToken(box: Buffer, cookieSecret: string, clientSecret: string, idHash: string): string | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", tokenKey(cookieSecret, clientSecret), box.subarray(0, 12));
    decipher.setAAD(Buffer.from(idHash));
    decipher.setAuthTag(box.subarray(12, 28));
    return Buffer.concat([decipher.update(box.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    // another client secret (rotated) or a tampered row: the session is unusable
    return undefined;
  }
}

export class DashboardSessions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clientSecret: string,
  ) {}

  /**
   * A new single-use sign-in state (its hash is stored for OAUTH_STATE_MINUTES); undefined when MAX_OPEN_STATES are
   * open already: anyone can start a sign-in, so the table cannot be grown without bound.
   */
  async createState(): Promise<string | undefined> {
    await this.pool.query(`DELETE FROM ${SCHEMA}.dashboard_oauth_states WHERE expires_at <= now()`);
    const { rows } = await this.pool.query<{ open: string }>(
      `SELECT count(*) AS open FROM ${SCHEMA}.dashboard_oauth_states`,
    );
    if (Number(rows[0]?.open ?? 0) >= MAX_OPEN_STATES) return undefined;
    const state = randomSecret();
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.dashboard_oauth_states (state_hash, expires_at)
       VALUES ($1, now() + make_interval(mins => $2))`,
      [sha256(state), OAUTH_STATE_MINUTES],
    );
    return state;
  }

  /** Uses up a sign-in state: true once, for a state this server made and that has not expired. */
  async consumeState(state: string): Promise<boolean> {
    if (!isSecret(state)) return false;
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${SCHEMA}.dashboard_oauth_states WHERE state_hash = $1 AND expires_at > now()`,
      [sha256(state)],
    );
    return rowCount === 1;
  }

  /** Starts a session for the user; returns the cookie's secret (shown to nobody but the browser). */
  async create(user: { userId: number; login: string; token: string; expiresInSeconds?: number }): Promise<string> {
    const secret = randomSecret();
    const idHash = sha256(secret);
    const seconds = Math.min(SESSION_HOURS * 3600, user.expiresInSeconds ?? SESSION_HOURS * 3600);
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.dashboard_sessions (id_hash, user_id, login, token_box, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [idHash, user.userId, user.login, encryptToken(user.token, secret, this.clientSecret, idHash), seconds],
    );
    return secret;
  }

  /** The session of a cookie's secret, while it lasts; undefined for an unknown, expired or revoked one. */
  async read(secret: string): Promise<SessionUser | undefined> {
    if (!isSecret(secret)) return undefined;
    const idHash = sha256(secret);
    const { rows } = await this.pool.query<{ user_id: string; login: string; token_box: Buffer }>(
      `SELECT user_id, login, token_box FROM ${SCHEMA}.dashboard_sessions WHERE id_hash = $1 AND expires_at > now()`,
      [idHash],
    );
    const row = rows[0];
    if (!row) return undefined;
    const token = decryptToken(row.token_box, secret, this.clientSecret, idHash);
    if (token === undefined) return undefined;
    return { userId: Number(row.user_id), login: row.login, token, idHash, csrfToken: csrfTokenOf(secret) };
  }

  /** Logs out: the session and its access cache are deleted; the cookie is worthless from now on, on every replica. */
  async revoke(idHash: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${SCHEMA}.dashboard_sessions WHERE id_hash = $1`, [idHash]);
    await this.pool.query(`DELETE FROM ${SCHEMA}.dashboard_access WHERE key = $1`, [`session:${idHash}`]);
  }

  /** The repository ids a cache key may read, if GitHub was asked less than ACCESS_CACHE_SECONDS ago. */
  async cachedAccess(key: string): Promise<number[] | undefined> {
    const { rows } = await this.pool.query<{ repository_ids: string[] }>(
      `SELECT repository_ids FROM ${SCHEMA}.dashboard_access
       WHERE key = $1 AND checked_at > now() - make_interval(secs => $2)`,
      [key, ACCESS_CACHE_SECONDS],
    );
    return rows[0]?.repository_ids.map(Number);
  }

  async storeAccess(key: string, repositoryIds: number[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.dashboard_access (key, repository_ids, checked_at) VALUES ($1, $2, now())
       ON CONFLICT (key) DO UPDATE SET repository_ids = EXCLUDED.repository_ids, checked_at = EXCLUDED.checked_at`,
      [key, repositoryIds],
    );
  }

  /** Deletes what has expired (sessions, states, stale access entries); run now and then. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM ${SCHEMA}.dashboard_sessions WHERE expires_at <= now()`);
    await this.pool.query(`DELETE FROM ${SCHEMA}.dashboard_oauth_states WHERE expires_at <= now()`);
    await this.pool.query(
      `DELETE FROM ${SCHEMA}.dashboard_access WHERE checked_at <= now() - make_interval(secs => $1)`,
      [ACCESS_CACHE_SECONDS],
    );
  }
}
