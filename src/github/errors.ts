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

/** HTTP status of an Octokit RequestError, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function describeFailure(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined) return `GitHub answered ${status}`;
  const message = error instanceof Error ? error.message : String(error);
  return `the request failed (${firstLine(message)})`;
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
  return error.name === "HttpError" || error.name === "RequestError" || error.name === "TypeError" || error.name === "FetchError" || /ECONN|ETIMEDOUT|ENOTFOUND|socket|network/i.test(error.message);
}
