import { metricName } from "../manifest/schema.js";

/**
 * `/accept-regression <metric> <baseline> <reason>` (docs/regression.md "Accepting a regression"):
 * a holder of `regression.accept_role` accepts that this digest's `<metric>` fails its rule against
 * the baseline digest `<baseline>` (`none` for a first version). Posted on the digest's sign-off
 * issue, so it binds model + digest + metric + baseline: a retrain, another metric or another
 * baseline needs its own.
 */
export interface RegressionAcceptanceCommand {
  type: "accept-regression";
  metric: string;
  /** The baseline's model digest, or "none" (no baseline: first version). */
  baseline: string;
  reason: string;
}

/** A standing acceptance, replayed from the sign-off issue. */
export interface RegressionAcceptance {
  metric: string;
  baseline: string;
  by: string;
  reason: string;
  at: string;
  commentId: number;
}

export const ACCEPT_REGRESSION_USAGE = "/accept-regression <metric> <baseline digest or none> <reason>";
export const NO_BASELINE = "none";

const BASELINE = /^(?:sha256:[0-9a-f]{64}|none)$/;

export function parseAcceptRegression(rest: string): { command: RegressionAcceptanceCommand } | { error: string } {
  const usage = `\`${ACCEPT_REGRESSION_USAGE}\``;
  const [metric = "", baselineWord = "", ...reasonWords] = rest.split(/\s+/).filter((w) => w !== "");
  if (!metric) return { error: `/accept-regression needs a metric: ${usage}` };
  if (!metricName.safeParse(metric).success) return { error: `"${metric}" is not a metric name: ${usage}` };
  const baseline = baselineWord.toLowerCase();
  if (!BASELINE.test(baseline))
    return {
      error: `/accept-regression needs the baseline's full digest (sha256:…) or none, as the check run shows it: ${usage}`,
    };
  if (reasonWords.length === 0) return { error: `/accept-regression needs a reason on the same line: ${usage}` };
  const reason = rest.slice(rest.indexOf(baselineWord) + baselineWord.length).trim();
  return { command: { type: "accept-regression", metric, baseline, reason } };
}

/** The command a holder posts to accept `metric` against `baseline` (a digest, or undefined for none). */
export function acceptRegressionCommand(metric: string, baseline: string | undefined): string {
  return `/accept-regression ${metric} ${baseline ?? NO_BASELINE} <reason>`;
}
