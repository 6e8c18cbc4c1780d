import { Writable } from "node:stream";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { parseDocument } from "yaml";
import { describe, expect, test } from "vitest";
import { modelgate } from "../../src/index.js";
import { createLog } from "../../src/log.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { commitSha } from "../fixtures/git-objects.js";
import { INSTALLATION_ID, testMarkerKey, testPrivateKey } from "../helpers/test-app.js";

const PR = { number: 12, author: "dana", baseRef: "main", baseSha: commitSha("base"), headSha: commitSha("head") };

/** Every line a pull_request delivery logs at `level`: GitHub answers the reads 500, so a failing check run is written. */
async function linesOfOneDelivery(level: string): Promise<string[]> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const probot = new Probot({
    appId: 4242,
    privateKey: testPrivateKey(),
    log: await createLog({ LOG_LEVEL: level }, stream),
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  await probot.load(modelgate({ clock: () => new Date("2026-11-28T12:00:00Z"), markerKey: testMarkerKey() }));
  const github = nock("https://api.github.com");
  github
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  github
    .persist()
    .get(/\/check-runs\?/)
    .reply(200, { total_count: 0, check_runs: [] });
  github.persist().get(/.*/).reply(500, { message: "Server Error" });
  github
    .persist()
    .post(/\/check-runs$/)
    .reply(201, { id: 7 });
  github
    .persist()
    .patch(/\/check-runs\/\d+$/)
    .reply(200, { id: 7 });
  try {
    await probot.receive({ id: "delivery-1", ...pullRequestEvent("opened", PR, INSTALLATION_ID) } as Parameters<
      Probot["receive"]
    >[0]);
  } finally {
    nock.cleanAll();
  }
  await new Promise((resolve) => setImmediate(resolve));
  return lines;
}

/** The keys a JSON line names more than once (JSON.parse would silently keep the last). */
function repeatedKeys(line: string): string[] {
  return parseDocument(line, { uniqueKeys: true }).errors.map((error) => error.message.split("\n")[0] ?? "");
}

describe("log lines", () => {
  test("attack: every JSON line names each key once (Probot's child loggers repeated `name` on every line)", async () => {
    const lines = await linesOfOneDelivery("debug");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(repeatedKeys(line), line).toEqual([]);
    const names = lines.map((line) => (JSON.parse(line) as { name?: unknown }).name);
    // the innermost logger's name: what JSON.parse read from the repeated keys before
    expect(names).toContain("event");
    expect(names).toContain("probot");
  });

  test.each(["debug", "trace"])(
    "attack: at LOG_LEVEL=%s no line holds the webhook payload or a request body; the delivery is still named",
    async (level) => {
      const lines = await linesOfOneDelivery(level);
      const text = lines.join("\n");
      // the payload: the pull request, its sender, the base commit only it names
      expect(text).not.toContain('"payload"');
      expect(text).not.toContain('"sender"');
      expect(text).not.toContain('"pull_request":{');
      expect(text).not.toContain(PR.baseSha);
      // the check run's request body: its output (title, summary, text)
      expect(text).not.toContain('"output"');
      expect(text).not.toContain('"summary"');
      const received = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(received.find((line) => line.msg === "Webhook received")?.event).toEqual({
        id: "delivery-1",
        name: "pull_request",
        action: "opened",
        repository: "acme/models",
        installation: INSTALLATION_ID,
      });
      // the request is still named by its method, URL and status, without its body
      expect(
        received.find(
          (line) => line.msg === "GitHub request: POST https://api.github.com/repos/acme/models/check-runs - 201",
        ),
      ).toBeDefined();
    },
  );

  test("an event named in a log line of modelgate's own stays as it is", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    (await createLog({}, stream)).info({ event: "pull_request", action: "opened" }, "nothing to do");
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(lines.join(""))).toMatchObject({ event: "pull_request", action: "opened", name: "probot" });
  });
});
