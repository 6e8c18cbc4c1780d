import { describe, expect, test } from "vitest";
import { sweepPause, type RateLimitReading } from "../../../src/core/inventory/pacing.js";

const NOW = new Date("2026-12-07T12:00:00Z");
const inSeconds = (seconds: number) => NOW.getTime() / 1000 + seconds;
const reading = (resource: string, remaining: number, resetIn: number, limit = 5000): RateLimitReading => ({
  resource,
  limit,
  remaining,
  resetAt: inSeconds(resetIn),
});

describe("the sweep's pacing: half of every rate limit is left to the gates", () => {
  test.each([
    ["nothing read yet", [], undefined],
    ["half left: go on", [reading("core", 2500, 600)], undefined],
    ["less than half left: wait for the reset and a second", [reading("core", 2499, 600)], { resumeInSeconds: 601 }],
    [
      "GraphQL low, REST fine: wait for GraphQL",
      [reading("core", 4000, 100), reading("graphql", 100, 900)],
      { resumeInSeconds: 901 },
    ],
    ["a reset in the past: a minute at least", [reading("core", 0, -30)], { resumeInSeconds: 60 }],
    ["a reset far away: an hour at most", [reading("core", 0, 7200)], { resumeInSeconds: 3600 }],
    ["a limit of 0 says nothing", [reading("core", 0, 600, 0)], undefined],
  ] as const)("%s", (_name, readings, expected) => {
    expect(sweepPause(readings, NOW)).toEqual(expected);
  });
});
