/**
 * A fact modelgate needs could not be read from GitHub. The gate then fails closed:
 * the check run says "Could not evaluate: <reason>" and offers "Re-evaluate".
 */
export class CouldNotEvaluate extends Error {
  override name = "CouldNotEvaluate";
}

/** What was being read when GitHub failed, so the message names repo, path and ref. */
export interface ReadTarget {
  owner: string;
  /** Absent for organisation-level reads (team membership). */
  repo?: string;
  /** e.g. "the tree", "the policy .github/modelgate.yml", "the reviews of pull request #7". */
  what: string;
  ref?: string;
}

/** Rethrows an Octokit error as CouldNotEvaluate naming what was read, in which repository, at which ref. */
export function rethrowAsCouldNotEvaluate(error: unknown, target: ReadTarget): never {
  if (error instanceof CouldNotEvaluate) throw error;
  throw new CouldNotEvaluate(`${describeFailure(error)} while reading ${describeTarget(target)}`, { cause: error });
}

export function describeTarget({ owner, repo, what, ref }: ReadTarget): string {
  const where = repo === undefined ? "" : ` of ${owner}/${repo}`;
  return `${what}${where}${ref ? ` at ${shortRef(ref)}` : ""}`;
}

/**
 * HTTP status GitHub answered, if it answered. Octokit reports a request that never got an
 * answer (connection refused, DNS, timeout) as status 500 without a response: that is no status.
 */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status !== "number") return undefined;
  return networkCause(error) === undefined ? status : undefined;
}

/** The message of anything thrown (an Error's message, else its text): the one place errors become words. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What went wrong, in the words an operator needs: "GitHub answered 502", "connection refused
 * (api.github.com:443)", "timed out", "DNS lookup failed (api.github.com)", "connection reset".
 */
export function describeFailure(error: unknown): string {
  const network = networkCause(error);
  if (network !== undefined) return network;
  const status = httpStatus(error);
  if (status !== undefined) return `GitHub answered ${status}`;
  return `the request failed (${firstLine(errorMessage(error))})`;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  UND_ERR_SOCKET: "connection reset",
  ETIMEDOUT: "timed out",
  UND_ERR_CONNECT_TIMEOUT: "timed out",
  UND_ERR_HEADERS_TIMEOUT: "timed out",
  UND_ERR_BODY_TIMEOUT: "timed out",
  ENOTFOUND: "DNS lookup failed",
  EAI_AGAIN: "DNS lookup failed",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
};

/** The network failure behind an error (its cause chain), when GitHub never answered. */
function networkCause(error: unknown): string | undefined {
  // an error with a response is an answer, whatever its cause says
  if ((error as { response?: unknown } | null)?.response !== undefined) return undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth++) {
    const { code, name, hostname, address, port } = current as {
      code?: unknown;
      name?: unknown;
      hostname?: unknown;
      address?: unknown;
      port?: unknown;
    };
    if (typeof code === "string" && Object.hasOwn(NETWORK_CODES, code)) {
      let where: string | undefined;
      if (typeof hostname === "string") where = hostname;
      else if (typeof address === "string") where = `${address}${typeof port === "number" ? `:${port}` : ""}`;
      return `${NETWORK_CODES[code]}${where ? ` (${where})` : ""}`;
    }
    if (name === "TimeoutError" || name === "AbortError") return "timed out";
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

// a commit SHA is shortened like GitHub does; branch names stay whole
function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? text).slice(0, 200);
}

/**
 * Whether a failure is GitHub's and may pass by itself: no answer at all (network), a server
 * error (5xx), or a rate limit (429, or a 403 that says so). A 404, a 422 or a missing
 * permission will not change by waiting; neither will a bug. The cause of a CouldNotEvaluate
 * is what is looked at.
 */
export function isTransientGitHubFailure(error: unknown): boolean {
  // a CouldNotEvaluate modelgate made up (a truncated tree, a missing tag) has no cause: waiting does not help
  const cause = error instanceof CouldNotEvaluate ? error.cause : error;
  if (cause === undefined || cause instanceof CouldNotEvaluate) return false;
  const status = httpStatus(cause);
  if (status === undefined) return cause instanceof Error && isRequestFailure(cause);
  if (status >= 500 || status === 429) return true;
  return status === 403 && /rate limit/i.test(cause instanceof Error ? cause.message : String(cause));
}

// fetch and Octokit report a request that got no answer as a RequestError without status, or a TypeError from fetch
function isRequestFailure(error: Error): boolean {
  return (
    error.name === "HttpError" ||
    error.name === "RequestError" ||
    error.name === "TypeError" ||
    error.name === "FetchError" ||
    /ECONN|ETIMEDOUT|ENOTFOUND|socket|network/i.test(error.message)
  );
}
