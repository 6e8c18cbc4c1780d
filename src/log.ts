import { getTransformStream } from "@probot/pino";
import { Transform } from "node:stream";
import { pino, stdSerializers, type DestinationStream, type LogFn, type Logger } from "pino";

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/** What an error log keeps of the webhook delivery it failed on: enough to find it, never its payload. */
interface DeliverySummary {
  id?: unknown;
  name?: unknown;
  action?: unknown;
  repository?: unknown;
  installation?: unknown;
}

function deliverySummary(event: unknown): DeliverySummary | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const { id, name, payload } = event as { id?: unknown; name?: unknown; payload?: Record<string, unknown> };
  const repository = payload?.repository as { full_name?: unknown } | undefined;
  const installation = payload?.installation as { id?: unknown } | undefined;
  return {
    id,
    name,
    ...(payload?.action !== undefined ? { action: payload.action } : {}),
    ...(repository?.full_name !== undefined ? { repository: repository.full_name } : {}),
    ...(installation?.id !== undefined ? { installation: installation.id } : {}),
  };
}

/** A delivery logged as `event` (Probot's "Webhook received" at debug) without its payload; an event name as it is. */
function serializeEvent(event: unknown): unknown {
  return typeof event === "object" && event !== null ? deliverySummary(event) : event;
}

type SerializedError = Record<string, unknown> & { aggregateErrors?: SerializedError[] };

function compact(serialized: SerializedError): SerializedError {
  const { event, request, response, aggregateErrors, ...rest } = serialized;
  const out: SerializedError = { ...rest };
  // @octokit/webhooks attaches the whole delivery (payload included) to every handler error
  if (event !== undefined) out.event = deliverySummary(event);
  // Octokit's RequestError carries the request body (a check run's 64 KiB output) and GitHub's answer
  if (typeof request === "object" && request !== null)
    out.request = { method: (request as { method?: unknown }).method, url: (request as { url?: unknown }).url };
  if (typeof response === "object" && response !== null)
    out.response = { status: (response as { status?: unknown }).status, url: (response as { url?: unknown }).url };
  if (aggregateErrors) out.aggregateErrors = aggregateErrors.map(compact);
  return out;
}

/**
 * The `err` serializer of modelgate's logs: pino's standard one (type, message, stack with causes,
 * status) without the webhook payload, request body or response data that errors carry — one
 * failed delivery is one short log line, and nothing from the repository is copied into it.
 */
export function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  return typeof serialized === "object" && serialized !== null ? compact(serialized as SerializedError) : serialized;
}

export interface LogEnvironment {
  LOG_LEVEL?: string | undefined;
  /** `json` (the default) or `pretty` (for a person at a terminal). */
  LOG_FORMAT?: string | undefined;
  LOG_LEVEL_IN_STRING?: string | undefined;
  SENTRY_DSN?: string | undefined;
}

/**
 * modelgate's logger for the server and the Action runner: JSON lines on stdout unless
 * LOG_FORMAT=pretty, at LOG_LEVEL (default info), through Probot's formatter (so SENTRY_DSN and
 * LOG_LEVEL_IN_STRING work as in Probot), with errors serialized by serializeError. Pass it to
 * Probot as `log`.
 */
export async function createLog(
  env: LogEnvironment = process.env,
  destination: DestinationStream = pino.destination(1),
): Promise<Logger> {
  const level = LEVELS.find((candidate) => candidate === env.LOG_LEVEL) ?? "info";
  const transform = await getTransformStream({
    logFormat: env.LOG_FORMAT === "pretty" ? "pretty" : "json",
    logLevelInString: env.LOG_LEVEL_IN_STRING === "true",
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
  });
  transform.pipe(destination as NodeJS.WritableStream);
  const uniqueKeys = oneValuePerKey();
  uniqueKeys.pipe(transform);
  return pino(
    {
      level,
      name: "probot",
      serializers: { err: serializeError, event: serializeEvent },
      hooks: { logMethod: withoutRequestBody },
    },
    uniqueKeys,
  );
}

/**
 * Probot names each child logger (`probot`, then `event`, `github`, `octokit`) and pino appends a
 * child's bindings to its parent's, so a line would carry `"name"` two or three times. One
 * value per key, the innermost (what JSON.parse keeps): a log pipeline that rejects or merges
 * duplicate keys reads the line as written.
 */
function oneValuePerKey(): Transform {
  return new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const line = chunk.toString().trim();
      try {
        done(null, `${JSON.stringify(JSON.parse(line))}\n`);
      } catch {
        done(null, `${line}\n`);
      }
    },
  });
}

/**
 * Probot's Octokit logs every request at debug with the request body spread into the line
 * (`GitHub request: POST … - 201`): a check run's output, an issue's body. The method, URL and
 * status are in the message; the body stays out at every level, as webhook payloads do (the
 * `event` serializer keeps a delivery's id, name, action, repository and installation).
 */
function withoutRequestBody(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const [first, message] = args as unknown[];
  if (typeof message === "string" && message.startsWith("GitHub request: ") && typeof first === "object")
    return method.call(this, {}, message);
  return method.apply(this, args);
}
