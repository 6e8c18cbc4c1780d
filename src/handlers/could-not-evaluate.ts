import type { Decision } from "../core/evaluate/types.js";
import { CouldNotEvaluate, errorMessage, isTransientGitHubFailure } from "../github/errors.js";

/** The decision when facts could not be gathered: failure, with the reason — never success. */
export function couldNotEvaluateDecision(error: unknown): Decision {
  // an unexpected error is not GitHub's fault, but the gate still fails closed
  const reason = error instanceof CouldNotEvaluate ? error.message : `internal error (${errorMessage(error)})`;
  const decision: Decision = { verdict: "failure", models: [], unmanaged: [], errors: [], couldNotEvaluate: reason };
  // GitHub's failure passes by itself: no answer, to be tried again (evaluate-pull-request.ts, scheduleRetry)
  return isGitHubsPassingFailure(error) ? { ...decision, transient: {} } : decision;
}

// a bug is not GitHub's: only what GitHub answered (or did not) while modelgate read or wrote counts
function isGitHubsPassingFailure(error: unknown): boolean {
  const fromGitHub = error instanceof CouldNotEvaluate || (error instanceof Error && error.name === "HttpError");
  return fromGitHub && isTransientGitHubFailure(error);
}
