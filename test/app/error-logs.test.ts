import { Writable } from "node:stream";
import nock from "nock";
import { pino, type Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { describe, expect, test } from "vitest";
import { modelgate } from "../../src/index.js";
import { createLog, serializeError } from "../../src/log.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { commitSha } from "../fixtures/git-objects.js";
import { INSTALLATION_ID, testMarkerKey, testPrivateKey } from "../helpers/test-app.js";

/** A destination that keeps every line written. */
function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

const PR = { number: 12, author: "dana", baseRef: "main", baseSha: commitSha("base"), headSha: commitSha("head") };

/** One pull_request delivery while GitHub cannot be reached at all (not even to write the failing check run). */
async function deliverWhileGitHubIsDown(log: Logger): Promise<void> {
  const probot = new Probot({
    appId: 4242,
    privateKey: testPrivateKey(),
    log,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  await probot.load(modelgate({ clock: () => new Date("2026-11-28T12:00:00Z"), markerKey: testMarkerKey() }));
  // the installation token, then every read and the check run write, fail to connect
  nock("https://api.github.com")
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock("https://api.github.com")
    .persist()
    .get(/.*/)
    .replyWithError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 140.82.112.6:443" });
  nock("https://api.github.com")
    .persist()
    .post(/.*/)
    .replyWithError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 140.82.112.6:443" });
  await expect(
    probot.receive({ id: "delivery-down", ...pullRequestEvent("opened", PR, INSTALLATION_ID) } as Parameters<
      Probot["receive"]
    >[0]),
  ).rejects.toThrow(/could not write the check run/);
  nock.cleanAll();
}

const errorLines = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => Number(line.level) >= 50);

describe("logs an operator can ship", () => {
  test("a delivery that fails because GitHub is unreachable logs short error lines: the delivery, repository and head, the cause — never its payload", async () => {
    const { stream, lines } = capture();
    await deliverWhileGitHubIsDown(await createLog({}, stream));
    const errors = errorLines(lines);
    // modelgate's own line names delivery, repository and head (for reconciliation); Probot's names the failed delivery
    expect(errors).toHaveLength(2);
    const [own, error] = errors;
    expect(own).toMatchObject({
      msg: "modelgate could not write the check run",
      delivery: "delivery-down",
      repo: "acme/models",
      head_sha: PR.headSha,
      pull_requests: [12],
    });
    expect(own?.reason).toContain(": connection refused");
    expect(own?.reason).not.toContain("GitHub answered");
    expect(JSON.stringify(own).length).toBeLessThan(4_000);
    const text = JSON.stringify(error);
    expect(text.length).toBeLessThan(4_000);
    expect(error?.msg).toMatch(/could not write the check run "modelgate" of acme\/models/);
    expect(error?.err).toMatchObject({
      event: {
        id: "delivery-down",
        name: "pull_request",
        action: "opened",
        repository: "acme/models",
        installation: INSTALLATION_ID,
      },
    });
    // nothing of the payload: no pull request, no sender, no repository object
    expect(text).not.toContain('"payload"');
    expect(text).not.toContain('"pull_request":{');
    expect(text).not.toContain('"sender"');
    expect(text).not.toContain(PR.baseSha);
  });

  test("pino's standard serializer would copy the whole payload into that line (what the server logged before)", async () => {
    const { stream, lines } = capture();
    await deliverWhileGitHubIsDown(pino({ level: "info" }, stream));
    const error = errorLines(lines).find((line) => line.err !== undefined);
    expect(JSON.stringify(error)).toContain('"payload"');
    expect(JSON.stringify(error, null, 2).split("\n").length).toBeGreaterThan(300);
  });

  test("JSON lines by default; pretty only when LOG_FORMAT=pretty; LOG_LEVEL is honoured", async () => {
    const json = capture();
    const log = await createLog({ LOG_LEVEL: "warn" }, json.stream);
    log.info("not shown");
    log.warn({ delivery: "d1" }, "shown");
    await new Promise((resolve) => setImmediate(resolve));
    expect(json.lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, msg: "shown", delivery: "d1", name: "probot" }),
    ]);

    const pretty = capture();
    (await createLog({ LOG_FORMAT: "pretty" }, pretty.stream)).info("for a person");
    await new Promise((resolve) => setImmediate(resolve));
    expect(pretty.lines.join("\n")).toContain("for a person");
    expect(() => JSON.parse(pretty.lines[0] ?? "")).toThrow();
  });
});

describe("serializeError", () => {
  test("keeps type, message, stack and status; drops the request body, GitHub's answer and the delivery payload", () => {
    const requestError = Object.assign(new Error("Validation Failed"), {
      name: "HttpError",
      status: 422,
      request: {
        method: "POST",
        url: "https://api.github.com/repos/acme/models/check-runs",
        headers: { authorization: "token [REDACTED]" },
        body: "x".repeat(70_000),
      },
      response: {
        status: 422,
        url: "https://api.github.com/repos/acme/models/check-runs",
        headers: {},
        data: { message: "Validation Failed", errors: ["y".repeat(10_000)] },
      },
    });
    const delivered = Object.assign(requestError, {
      event: {
        id: "d2",
        name: "release",
        payload: {
          action: "published",
          release: { body: "z".repeat(50_000) },
          repository: { full_name: "acme/models" },
        },
      },
    });
    const serialized = serializeError(new AggregateError([delivered], "Validation Failed")) as Record<string, unknown>;
    const [inner] = serialized.aggregateErrors as Array<Record<string, unknown>>;
    expect(inner).toMatchObject({
      message: "Validation Failed",
      status: 422,
      request: { method: "POST", url: "https://api.github.com/repos/acme/models/check-runs" },
      response: { status: 422, url: "https://api.github.com/repos/acme/models/check-runs" },
      event: { id: "d2", name: "release", action: "published", repository: "acme/models" },
    });
    expect(inner?.stack).toEqual(expect.stringContaining("Validation Failed"));
    expect(JSON.stringify(serialized).length).toBeLessThan(5_000);
  });

  test("a value that is not an error is logged as it is", () => {
    expect(serializeError("plain text")).toBe("plain text");
  });
});
