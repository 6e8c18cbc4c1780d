import { describe, expect, it } from "vitest";
import { commandSummary, parseCommandOrError } from "../../../src/core/sign-off/command.js";

const DIGEST = `sha256:${"c".repeat(64)}`;

describe("/accept-regression <metric> <baseline digest or none> <reason> (docs/regression.md)", () => {
  it.each([
    [
      `/accept-regression accuracy ${DIGEST} new fraud pattern`,
      { metric: "accuracy", baseline: DIGEST, reason: "new fraud pattern" },
    ],
    ["/accept-regression accuracy none pilot only", { metric: "accuracy", baseline: "none", reason: "pilot only" }],
    [
      `  /Accept-Regression f1.macro ${DIGEST.toUpperCase().replace("SHA256", "sha256")}   why not\nmore text`,
      { metric: "f1.macro", baseline: DIGEST, reason: "why not" },
    ],
  ])("%j", (body, expected) => {
    expect(parseCommandOrError(body)).toEqual({ command: { type: "accept-regression", ...expected } });
  });

  it.each([
    ["/accept-regression", /needs a metric/],
    ["/accept-regression accuracy", /needs the baseline's full digest/],
    [`/accept-regression accuracy ${DIGEST}`, /needs a reason on the same line/],
    ["/accept-regression accuracy sha256:cccc because", /needs the baseline's full digest/],
    [`/accept-regression <b>x</b> ${DIGEST} because`, /is not a metric name/],
    [`/accept-regression \u0430ccuracy ${DIGEST} because`, /is not a metric name/],
  ])("%j is refused with the usage", (body, error) => {
    const parsed = parseCommandOrError(body);
    expect(parsed && "error" in parsed ? parsed.error : parsed).toMatch(error);
  });

  it("a reply echoes the metric and baseline, never the reason", () => {
    expect(
      commandSummary({
        type: "accept-regression",
        metric: "accuracy",
        baseline: DIGEST,
        reason: "@everyone <!-- x -->",
      }),
    ).toBe(`/accept-regression accuracy ${DIGEST}`);
  });
});
