import type { Decision } from "../core/evaluate/types.js";
import { CouldNotEvaluate, errorMessage } from "../github/errors.js";

/** The decision when facts could not be gathered: failure, with the reason — never success. */
export function couldNotEvaluateDecision(error: unknown): Decision {
  // an unexpected error is not GitHub's fault, but the gate still fails closed
  const reason = error instanceof CouldNotEvaluate ? error.message : `internal error (${errorMessage(error)})`;
  return { verdict: "failure", models: [], unmanaged: [], errors: [], couldNotEvaluate: reason };
}
