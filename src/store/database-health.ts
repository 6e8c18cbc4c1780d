import type { Logger } from "pino";

interface DatabaseHealthOptions {
  /** Commits one small write; throws what the database answered (database.ts, writeProbe). */
  probe(): Promise<void>;
  log: Logger;
  /** The database unusable for longer than this: /health fails, so a supervisor restarts the server. */
  unusableAfterMs: number;
  /** How often the database is probed in the background (ms, default 5 s). */
  probeMs?: number;
  /** Milliseconds since some origin (tests fix it). */
  now?: () => number;
}

interface Outage {
  since: number;
  /** Failures seen after the first, which was logged (counted, not logged). */
  repeated: number;
}

/**
 * What the server knows about its database (docs/operations.md, "Health, readiness, metrics"): a
 * background write probe, and the failures other parts report, open an outage; the outage is
 * logged once at error level when it starts and once at info level when a probe succeeds again
 * (with how long it lasted and how many failures it hid), so a long outage is two lines, not one
 * per poll. /ready is the last probe; /health fails once the outage is older than the bound.
 */
export class DatabaseHealth {
  private outage: Outage | undefined;
  private readonly recoveryListeners: Array<() => void> = [];
  private shuttingDown = false;
  private probing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: DatabaseHealthOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.probeMs ?? 5_000);
    this.timer.unref();
  }

  /** The server is stopping: a database that goes away now (stopped with it) is expected, logged at info. */
  stopping(): void {
    this.shuttingDown = true;
  }

  stop(): void {
    this.stopping();
    clearInterval(this.timer);
  }

  /** Probes the database now: can it commit a write? Probes asked for together share one. */
  check(): Promise<boolean> {
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  /**
   * Another part saw a query fail as if the database were down. During an outage it is counted; otherwise a probe
   * decides, so a connection that died earlier and fails once after the database came back opens no outage.
   */
  reported(): void {
    if (this.outage) {
      this.outage.repeated += 1;
      return;
    }
    void this.check().then((usable) => {
      if (!usable && this.outage) this.outage.repeated += 1;
    });
  }

  /** The database is known to be down (its process exited): the outage starts now, logged once at error level. */
  failed(error: unknown): void {
    if (this.outage) {
      this.outage.repeated += 1;
      return;
    }
    this.outage = { since: this.now(), repeated: 0 };
    if (this.shuttingDown) {
      this.options.log.info({ reason: describeDatabaseError(error) }, "modelgate's database went away while stopping");
      return;
    }
    this.options.log.error(
      { reason: describeDatabaseError(error) },
      "modelgate cannot use its database: webhooks are answered 500 (GitHub's redelivery sends them again) and no delivery runs until it is back",
    );
  }

  private async probe(): Promise<boolean> {
    try {
      await this.options.probe();
    } catch (error) {
      this.failed(error);
      return false;
    }
    this.recovered();
    return true;
  }

  /** False once the database has been unusable for longer than the bound (/health). */
  alive(): boolean {
    return this.outage === undefined || this.now() - this.outage.since <= this.options.unusableAfterMs;
  }

  /** Called each time an outage ends (the deliveries answered 500 meanwhile are to be asked for again). */
  whenRecovered(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }

  private recovered(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.options.log.info(
      { outage_seconds: Math.round((this.now() - outage.since) / 1000), failures_not_logged: outage.repeated },
      "modelgate's database is usable again",
    );
    for (const listener of this.recoveryListeners) listener();
  }
}

// connection failures, the server shutting down or starting, a full disk, out of connections: SQLSTATE classes 08, 53, 57P
const UNAVAILABLE_CODES = /^(08|53|57P)/;
const UNAVAILABLE_NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"]);

/** Whether an error says the database itself cannot be used (rather than that one query was wrong). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 4; depth++) {
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (UNAVAILABLE_CODES.test(code) || UNAVAILABLE_NETWORK.has(code))) return true;
    if (
      typeof message === "string" &&
      /Connection terminated|terminating connection|timeout exceeded when trying to connect|connection error and is not queryable/i.test(
        message,
      )
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function describeDatabaseError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.map(describeDatabaseError).join("; ");
  return error instanceof Error ? error.message : String(error);
}
