import type { Octokit } from "@octokit/core";
import { githubRateLimitRemaining, githubRequests, githubWaits } from "../metrics.js";

/**
 * How modelgate paces its GitHub requests (an Octokit plugin, in place of Probot's throttling):
 * - writes (every non-GET request except GraphQL queries) of one installation are sent one at a
 *   time, each at least `writeGapMs` after the previous one was answered (so GitHub, the
 *   receiver, sees them at least that far apart, however late a request left after its turn);
 *   installations do not wait for each other;
 * - reads — REST GETs and GraphQL queries, which are reads although they are POSTs — never wait
 *   behind writes; at most `readConcurrency` run at once per installation;
 * - a rate-limited answer (403 or 429 with retry-after, "secondary rate limit" in its message,
 *   or x-ratelimit-remaining 0) is waited out, honouring retry-after, then sent again, for reads
 *   and writes alike: at most `retries` times, and never a wait longer than `maxWaitSeconds`
 *   (the request then fails, and the job that sent it is retried later).
 * With a `pacer` (the server's, on Postgres) the gap holds across every replica sharing the
 * database; without one, per process. A pacer that fails falls back to the process's own gap.
 */
export interface TrafficOptions {
  writeGapMs?: number;
  pacer?: WritePacer;
  readConcurrency?: number;
  retries?: number;
  maxWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The write turn of an installation shared by several processes (docs/operations.md, "Pacing"):
 * `claim` takes it when the installation's gap has passed (0: send now; nobody else may for
 * `gapMs`) or says how long until it may be asked again; `answered` starts the gap again from
 * the moment the write sent on the turn was answered.
 */
export interface WritePacer {
  claim(installation: string, gapMs: number): Promise<number>;
  answered(installation: string, gapMs: number): Promise<void>;
}

/** A write never answered holds its installation's turn in this process no longer than this. */
const WRITE_HOLD_MS = 30_000;

/** When GitHub asks to wait but says not how long (its documentation: at least a minute). */
const FALLBACK_WAIT_SECONDS = 60;

interface Lane {
  nextWriteAt: number;
  writeTurn: Promise<void>;
  readsRunning: number;
  readWaiters: Array<() => void>;
}

const lanesByOptions = new WeakMap<TrafficOptions, Map<string, Lane>>();
const DEFAULT_OPTIONS: TrafficOptions = {};

// a GraphQL call reaches the request hook with its `query` beside method and url; the body is built after the hook
type RequestOptions = {
  method: string;
  url: string;
  body?: unknown;
  query?: unknown;
  headers?: Record<string, unknown>;
};
type OctokitResponse = { status: number; headers: Record<string, string | number | undefined>; data: unknown };

export function githubTraffic(
  octokit: Octokit,
  octokitOptions: { modelgateTraffic?: TrafficOptions; auth?: unknown },
): void {
  const options = octokitOptions.modelgateTraffic ?? DEFAULT_OPTIONS;
  const writeGapMs = options.writeGapMs ?? 1000;
  const readConcurrency = options.readConcurrency ?? 20;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const installation = installationOf(octokitOptions.auth);
  const lanes = lanesByOptions.get(options) ?? new Map<string, Lane>();
  lanesByOptions.set(options, lanes);
  const lane = lanes.get(installation) ?? {
    nextWriteAt: 0,
    writeTurn: Promise.resolve(),
    readsRunning: 0,
    readWaiters: [],
  };
  lanes.set(installation, lane);

  const waitForWriteTurn = async (): Promise<void> => {
    for (;;) {
      const local = lane.nextWriteAt - Date.now();
      const shared = options.pacer
        ? await options.pacer.claim(installation, writeGapMs).catch(() => undefined)
        : undefined;
      // no shared pacer (or the database cannot be asked): this process's own gap
      if (shared === undefined) return local > 0 ? sleep(local) : undefined;
      if (shared <= 0) return;
      await sleep(shared);
    }
  };
  // one write of the installation at a time in this process, from its turn until its answer
  const withWriteTurn = async <T>(send: () => Promise<T>): Promise<T> => {
    const previous = lane.writeTurn;
    let release!: () => void;
    lane.writeTurn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let sending: Promise<T>;
    try {
      await waitForWriteTurn();
      lane.nextWriteAt = Date.now() + writeGapMs;
      sending = send();
    } catch (error) {
      release();
      throw error;
    }
    const gapFromAnswer = sending
      .then(noop, noop)
      .then(() => {
        lane.nextWriteAt = Date.now() + writeGapMs;
        return options.pacer?.answered(installation, writeGapMs);
      })
      .catch(noop);
    const hold = setTimeout(release, WRITE_HOLD_MS);
    hold.unref();
    void gapFromAnswer.then(() => {
      clearTimeout(hold);
      release();
    });
    return sending;
  };
  const withReadSlot = async <T>(send: () => Promise<T>): Promise<T> => {
    if (lane.readsRunning >= readConcurrency) await new Promise<void>((resolve) => lane.readWaiters.push(resolve));
    lane.readsRunning += 1;
    try {
      return await send();
    } finally {
      lane.readsRunning -= 1;
      lane.readWaiters.shift()?.();
    }
  };

  const send = (request: (options: never) => unknown, requestOptions: unknown) =>
    Promise.resolve(request(requestOptions as never)) as Promise<OctokitResponse>;
  // each attempt takes its own turn and is counted; the waits below wrap it, so a write sent again is paced again
  octokit.hook.wrap("request", (async (request: (options: never) => unknown, requestOptions: unknown) => {
    const kind = requestKind(requestOptions as RequestOptions);
    try {
      const response =
        kind === "write"
          ? await withWriteTurn(() => send(request, requestOptions))
          : await withReadSlot(() => send(request, requestOptions));
      observe(kind, response.status, response.headers, installation);
      return response;
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
      observe(kind, status, (error as { response?: OctokitResponse }).response?.headers, installation);
      throw error;
    }
  }) as never);
  waitOutRateLimits(octokit, options);
}

/** The knobs of the rate-limit waits: how many times a request is sent again, the longest wait, and how to wait (tests record it). */
export type RateLimitWaitOptions = Pick<TrafficOptions, "retries" | "maxWaitSeconds" | "sleep">;

const clientsThatWait = new WeakSet<object>();

/**
 * Waits out GitHub's rate limits on every request of `octokit`: a rate-limited answer (see
 * rateLimitWait) is waited out, honouring retry-after, then sent again, for reads and writes
 * alike: at most `retries` times (3), and never a wait longer than `maxWaitSeconds` (120); the
 * request then fails as it would have without waiting. The app applies this to every client it
 * is handed (src/index.ts), whatever runs it (server, Action, `probot run`); a client that
 * already waits (the server's, githubTraffic above) is left as it is, so no request is retried
 * twice over.
 */
export function waitOutRateLimits(octokit: Octokit, options: RateLimitWaitOptions = {}): void {
  if (clientsThatWait.has(octokit)) return;
  clientsThatWait.add(octokit);
  const retries = options.retries ?? 3;
  const maxWaitSeconds = options.maxWaitSeconds ?? 120;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = octokit.log as unknown as { warn(facts: object, message: string): void };
  octokit.hook.wrap("request", (async (request: (options: never) => unknown, requestOptions: unknown) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = (await request(requestOptions as never)) as OctokitResponse;
        if (graphqlRateLimited(response) === undefined) return response;
        throw Object.assign(new Error("GitHub's GraphQL rate limit is exhausted"), { status: 200, response });
      } catch (error) {
        const wait = rateLimitWait(error);
        if (wait === undefined || attempt >= retries) throw error;
        if (wait.seconds > maxWaitSeconds) {
          throw Object.assign(error as Error, {
            message: `${(error as Error).message} (GitHub's ${wait.limit} rate limit asks to wait ${wait.seconds} s, longer than modelgate waits: the job is retried later)`,
          });
        }
        githubWaits.inc({ limit: wait.limit });
        log.warn(
          {
            method: (requestOptions as RequestOptions).method,
            url: (requestOptions as RequestOptions).url,
            wait_seconds: wait.seconds,
            limit: wait.limit,
            attempt: attempt + 1,
          },
          "modelgate waits out a GitHub rate limit before sending the request again",
        );
        await sleep(wait.seconds * 1000);
      }
    }
  }) as never);
}

/** Reads are GETs and GraphQL queries; the installation token request is neither paced nor a write. */
export function requestKind({ method, url, body, query: graphqlQuery }: RequestOptions): "read" | "write" {
  const upper = method.toUpperCase();
  if (upper === "GET" || upper === "HEAD") return "read";
  const path =
    url
      .replace(/^https?:\/\/[^/]+/, "")
      .replace(/^\/api\/v3/, "")
      .split("?")[0] ?? "";
  if (upper === "POST" && /^\/app\/installations\/[^/]+\/access_tokens$/.test(path)) return "read";
  if (upper === "POST" && /^\/(api\/)?graphql$/.test(path)) {
    const query =
      graphqlQuery ?? (typeof body === "string" ? safeQuery(body) : (body as { query?: unknown } | undefined)?.query);
    if (typeof query === "string" && !/^\s*(#[^\n]*\n\s*)*mutation\b/.test(query)) return "read";
  }
  return "write";
}

/** How long GitHub asks to wait before this request may be sent again, or undefined when it is not a rate limit. */
export function rateLimitWait(error: unknown): { seconds: number; limit: "secondary" | "primary" } | undefined {
  const status = (error as { status?: unknown }).status;
  const response = (error as { response?: OctokitResponse }).response;
  const headers = response?.headers ?? {};
  if (status === 200 && response && graphqlRateLimited(response) !== undefined)
    return { seconds: untilReset(headers), limit: "primary" };
  if (status !== 403 && status !== 429) return undefined;
  const message = `${(error as Error).message ?? ""} ${JSON.stringify((response?.data as { message?: unknown } | undefined)?.message ?? "")}`;
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && headers["retry-after"] !== undefined)
    return { seconds: Math.ceil(retryAfter), limit: "secondary" };
  if (/secondary rate limit/i.test(message)) return { seconds: FALLBACK_WAIT_SECONDS, limit: "secondary" };
  if (String(headers["x-ratelimit-remaining"]) === "0") return { seconds: untilReset(headers), limit: "primary" };
  if (status === 429) return { seconds: FALLBACK_WAIT_SECONDS, limit: "secondary" };
  return undefined;
}

function untilReset(headers: Record<string, string | number | undefined>): number {
  const reset = Number(headers["x-ratelimit-reset"]);
  if (!Number.isFinite(reset) || reset <= 0) return FALLBACK_WAIT_SECONDS;
  // one second more, so the request goes after the reset
  return Math.max(0, Math.ceil(reset - Date.now() / 1000)) + 1;
}

function graphqlRateLimited(response: OctokitResponse): true | undefined {
  const errors = (response.data as { errors?: Array<{ type?: unknown }> } | null | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.type === "RATE_LIMITED") ? true : undefined;
}

function observe(
  kind: "read" | "write",
  status: number,
  headers: Record<string, string | number | undefined> | undefined,
  installation: string,
): void {
  githubRequests.inc({ kind, status: String(status) });
  const remaining = Number(headers?.["x-ratelimit-remaining"]);
  if (headers?.["x-ratelimit-remaining"] !== undefined && Number.isFinite(remaining)) {
    githubRateLimitRemaining.set(
      { installation, resource: String(headers["x-ratelimit-resource"] ?? "core") },
      remaining,
    );
  }
}

function noop(): void {}

function installationOf(auth: unknown): string {
  const id = (auth as { installationId?: unknown } | undefined)?.installationId;
  return typeof id === "number" || typeof id === "string" ? String(id) : "app";
}

function safeQuery(body: string): unknown {
  try {
    return (JSON.parse(body) as { query?: unknown }).query;
  } catch {
    return undefined;
  }
}
