import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { DatabaseHealth, isDatabaseUnavailable } from "../../src/store/database-health.js";

function tracked(probe: () => Promise<void>) {
  const lines: Array<Record<string, unknown>> = [];
  let now = 0;
  const health = new DatabaseHealth({
    probe,
    log: pino(
      { level: "debug" },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    unusableAfterMs: 60_000,
    now: () => now,
  });
  return { health, lines, advance: (ms: number) => void (now += ms) };
}

describe("a database outage in the logs", () => {
  test("attack: thirty failed polls and probes are one error line when it starts and one info line with their count when it ends", async () => {
    let down = true;
    const { health, lines, advance } = tracked(async () => {
      if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:54329"), { code: "ECONNREFUSED" });
    });
    for (let i = 0; i < 15; i++) {
      health.reported();
      expect(await health.check()).toBe(false);
      advance(2_000);
    }
    expect(health.alive()).toBe(true);
    advance(31_000);
    expect(health.alive()).toBe(false);
    down = false;
    expect(await health.check()).toBe(true);
    expect(health.alive()).toBe(true);

    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [50, expect.stringMatching(/^modelgate cannot use its database/)],
      [30, "modelgate's database is usable again"],
    ]);
    expect(lines[1]).toMatchObject({ outage_seconds: 61, failures_not_logged: 29 });
  });

  test("a failure reported while the database answers the probe opens no outage", async () => {
    const { health, lines } = tracked(async () => undefined);
    health.reported();
    await health.check();
    expect(lines).toEqual([]);
    expect(health.alive()).toBe(true);
  });

  test("while stopping, the database going away is logged at info", async () => {
    const { health, lines } = tracked(async () => {
      throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
    });
    health.stopping();
    await health.check();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, "modelgate's database went away while stopping"],
    ]);
  });
});

describe("the end of an outage", () => {
  test("calls back once per outage that ends: the deliveries answered 500 meanwhile are asked for again at once", async () => {
    let down = false;
    const { health } = tracked(async () => {
      if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:54329"), { code: "ECONNREFUSED" });
    });
    let recoveries = 0;
    health.whenRecovered(() => void recoveries++);
    expect(await health.check()).toBe(true);
    expect(recoveries).toBe(0);
    down = true;
    expect(await health.check()).toBe(false);
    expect(await health.check()).toBe(false);
    down = false;
    expect(await health.check()).toBe(true);
    expect(await health.check()).toBe(true);
    expect(recoveries).toBe(1);
  });
});

describe("which errors say the database is unusable", () => {
  test.each([
    [
      "connection refused",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      true,
    ],
    ["administrator shutdown (57P01)", Object.assign(new Error("terminating connection"), { code: "57P01" }), true],
    ["disk full (53100)", Object.assign(new Error("could not extend file"), { code: "53100" }), true],
    ["connection lost", new Error("Connection terminated unexpectedly"), true],
    [
      "a pooled client whose connection broke (pg)",
      new Error("Client has encountered a connection error and is not queryable"),
      true,
    ],
    [
      "a unique violation (23505) is a query's fault",
      Object.assign(new Error("duplicate key"), { code: "23505" }),
      false,
    ],
    ["a bug", new TypeError("x is undefined"), false],
  ])("%s", (_case, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});
