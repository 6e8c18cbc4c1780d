import nock from "nock";
import pg from "pg";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { ModelgateOctokit } from "../../src/github/octokit.js";
import type { TrafficOptions, WritePacer } from "../../src/github/traffic.js";
import { postgresWritePacer } from "../../src/store/write-pacing.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";

/** A second replica's pool on the same database. */
async function secondReplicaPool(): Promise<pg.Pool> {
  return new pg.Pool({ connectionString: await testDatabaseUrl(), max: 2 });
}

test("two replicas on one database: one takes the installation's write turn, the other is told to wait about a gap; another installation's turn is free", async () => {
  const other = await secondReplicaPool();
  try {
    const [a, b] = [postgresWritePacer((await testDatabase()).pool), postgresWritePacer(other)];

    const first = await a.claim("9001", 1000);
    const second = await b.claim("9001", 1000);
    const again = await a.claim("9001", 1000);
    const elsewhere = await b.claim("42", 1000);

    expect(first).toBe(0);
    // neither replica may write until a gap after the turn was taken (less the few ms between the asks)
    for (const wait of [second, again]) {
      expect(wait).toBeGreaterThan(900);
      expect(wait).toBeLessThanOrEqual(1000);
    }
    expect(elsewhere).toBe(0);
  } finally {
    await other.end();
  }
});

test("the gap starts again when the write is answered: a write answered late pushes the next turn", async () => {
  const pacer = postgresWritePacer((await testDatabase()).pool);

  expect(await pacer.claim("9001", 1000)).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await pacer.answered("9001", 1000);

  expect(await pacer.claim("9001", 1000)).toBeGreaterThan(950);
});

/** Sleeps recorded (and slept: the turn is asked for again on the database's clock). */
function traffic(pacer: WritePacer): TrafficOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    writeGapMs: 1000,
    pacer,
    slept,
    sleep: (ms) => {
      slept.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  };
}

const client = (options: TrafficOptions) =>
  new ModelgateOctokit({
    auth: { token: "ghs_test", installationId: 9001 },
    retry: { enabled: false },
    modelgateTraffic: options,
  } as never) as InstanceType<typeof ModelgateOctokit>;
const writeCheckRun = (options: TrafficOptions) =>
  client(options).request("POST /repos/{owner}/{repo}/check-runs", {
    owner: "acme",
    repo: "models",
    name: "modelgate",
    head_sha: "a".repeat(40),
  });

test("a write of one replica waits for the slot another replica's write took, though its own process wrote nothing", async () => {
  const other = await secondReplicaPool();
  try {
    const first = traffic(postgresWritePacer((await testDatabase()).pool));
    const second = traffic(postgresWritePacer(other));
    nock(GITHUB_API).post("/repos/acme/models/check-runs").times(2).reply(201, { id: 1 });

    await writeCheckRun(first);
    await writeCheckRun(second);

    expect(first.slept).toEqual([]);
    expect(second.slept).toHaveLength(1);
    expect(second.slept[0]).toBeGreaterThan(800);
  } finally {
    await other.end();
  }
});

test("a pacer that fails does not stop writes: the process keeps its own gap", async () => {
  const failing: WritePacer = {
    claim: () => Promise.reject(new Error("the database is down")),
    answered: () => Promise.reject(new Error("the database is down")),
  };
  const options = traffic(failing);
  nock(GITHUB_API).post("/repos/acme/models/check-runs").times(2).reply(201, { id: 1 });

  await writeCheckRun(options);
  await writeCheckRun(options);

  expect(options.slept).toHaveLength(1);
  expect(options.slept[0]).toBeGreaterThan(800);
});

/** A GitHub on 127.0.0.1 that records when each write arrives (the receiver's clock). */
async function receiver(): Promise<{ url: string; arrivals: number[]; close(): Promise<void> }> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    if (req.method !== "GET") arrivals.push(performance.now());
    req.resume();
    req.on("end", () => res.writeHead(201, { "content-type": "application/json" }).end('{"id":1}'));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("writes as GitHub receives them", () => {
  allowRequestsToThisMachine();

  test("attack: a write that leaves late after taking its turn still reaches GitHub ≥ 1 s before the next of its installation, from this replica or another", async () => {
    const github = await receiver();
    const other = await secondReplicaPool();
    try {
      // this replica's first write leaves 400 ms after its turn (a busy process, a token fetched on the way)
      let slowSends = 1;
      const slowFirst: typeof fetch = async (input, init) => {
        if (init?.method !== "GET" && slowSends-- > 0) await new Promise((resolve) => setTimeout(resolve, 400));
        return fetch(input, init);
      };
      const replica = (pool: pg.Pool, send: typeof fetch = fetch) =>
        new ModelgateOctokit({
          auth: { token: "ghs_test", installationId: 9001 },
          baseUrl: github.url,
          retry: { enabled: false },
          request: { fetch: send },
          modelgateTraffic: { writeGapMs: 1000, pacer: postgresWritePacer(pool) },
        } as never) as InstanceType<typeof ModelgateOctokit>;
      const mine = replica((await testDatabase()).pool, slowFirst);
      const theirs = replica(other);
      const write = (octokit: InstanceType<typeof ModelgateOctokit>) =>
        octokit.request("POST /repos/{owner}/{repo}/check-runs", {
          owner: "acme",
          repo: "models",
          name: "modelgate",
          head_sha: "a".repeat(40),
        });

      const first = write(mine);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([first, write(theirs), write(mine)]);

      expect(github.arrivals).toHaveLength(3);
      const gaps = github.arrivals.slice(1).map((at, i) => at - github.arrivals[i]!);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    } finally {
      await other.end();
      await github.close();
    }
  });
});
