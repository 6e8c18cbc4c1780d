import nock from "nock";
import pg from "pg";
import { expect, test } from "vitest";
import { ModelgateOctokit } from "../../src/github/octokit.js";
import type { TrafficOptions, WritePacer } from "../../src/github/traffic.js";
import { postgresWritePacer } from "../../src/store/write-pacing.js";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { GITHUB_API } from "../helpers/fake-repository.js";

/** A second replica's pool on the same database. */
async function secondReplicaPool(): Promise<pg.Pool> {
  return new pg.Pool({ connectionString: await testDatabaseUrl(), max: 2 });
}

test("two replicas on one database get write slots of one installation a gap apart; another installation's first slot is free", async () => {
  const other = await secondReplicaPool();
  try {
    const [a, b] = [postgresWritePacer((await testDatabase()).pool), postgresWritePacer(other)];

    const waits = [
      await a.reserve("9001", 1000),
      await b.reserve("9001", 1000),
      await a.reserve("9001", 1000),
      await b.reserve("9001", 1000),
    ];
    const elsewhere = await b.reserve("42", 1000);

    // each slot one gap after the last, whichever replica asked (less the few ms between the asks)
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThan(i * 1000 - 100);
      expect(wait).toBeLessThanOrEqual(i * 1000);
    });
    expect(elsewhere).toBe(0);
  } finally {
    await other.end();
  }
});

/** Sleeps recorded, not slept. */
function traffic(pacer: WritePacer): TrafficOptions & { slept: number[] } {
  const slept: number[] = [];
  return { writeGapMs: 1000, pacer, slept, sleep: async (ms) => void slept.push(ms) };
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
  const failing: WritePacer = { reserve: () => Promise.reject(new Error("the database is down")) };
  const options = traffic(failing);
  nock(GITHUB_API).post("/repos/acme/models/check-runs").times(2).reply(201, { id: 1 });

  await writeCheckRun(options);
  await writeCheckRun(options);

  expect(options.slept).toHaveLength(1);
  expect(options.slept[0]).toBeGreaterThan(800);
});
