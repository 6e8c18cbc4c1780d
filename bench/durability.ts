/**
 * Durability and throughput of the running server (`node lib/server/main.js`, as `npm start`
 * runs it) against the GitHub-like fake of fake-github.ts, every socket on 127.0.0.1. Each
 * scenario is bounded in deliveries and time and stops its processes itself:
 * - kill -9 of the whole process group mid-burst of 30 deliveries (opened after the start-up jobs ran), then a restart;
 * - two replicas on one database, every delivery sent to both;
 * - 50 concurrent deliveries on one installation, then 100 over four installations, at once and
 *   grouped (all of installation 1's first, then 2's, …), with every write's gap to the previous
 *   one of its installation as the fake GitHub received them;
 * - `--outage [502] [seconds]` (not in the default run: it waits minutes): a burst of 20 with GitHub down for 60 s
 *   from its middle (connections refused, or 502 to every request), until every pull request has a real conclusion;
 * - `--kill-postgres`: kill -9 of the embedded postmaster alone mid-burst of 20; the server restarts it by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeGitHub, type FakePullRequest, type OutageKind } from "./fake-github.js";

const MAIN = fileURLToPath(new URL("../lib/server/main.js", import.meta.url));
const SECRET = "bench-webhook-secret";
const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
}).privateKey;

interface RunningServer {
  url: string;
  process: ChildProcess;
  kill9(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(github: FakeGitHub, env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    detached: true,
    // BENCH_LOG_LEVEL (e.g. debug): the server's log on this terminal, for profiling a run
    stdio: ["ignore", process.env.BENCH_LOG_LEVEL ? "inherit" : "ignore", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      APP_ID: "1",
      PRIVATE_KEY,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: github.baseUrl,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: (process.env.BENCH_LOG_LEVEL ?? "error") as "error",
      LOG_FORMAT: "json",
      ...env,
    },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (process.env.BENCH_LOG_LEVEL) process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() - started > 60_000) {
      process.kill(-child.pid!, "SIGKILL");
      throw new Error(`the server was not ready within 60 s: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    url,
    process: child,
    kill9: () => process.kill(-child.pid!, "SIGKILL"),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid!, "SIGTERM");
      await Promise.race([exited, sleep(30_000)]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) return false;
    await sleep(50);
  }
  return true;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const webhook = (server: RunningServer) => `${server.url}/api/github/webhooks`;
const headKey = (pr: FakePullRequest) => `${pr.owner}/${pr.repo}@${pr.headSha}`;

export interface DurabilityResults {
  killed: {
    deliveries: number;
    answeredBeforeKill: number;
    /** Heads whose check run was written before the kill. */
    judgedBeforeKill: number;
    checkRuns: number;
    duplicates: number;
    /** From the restart until every delivery answered before the kill was judged. */
    answeredJudgedSeconds: number;
    /** From the restart until all 30 were judged. */
    recoverySeconds: number;
    /** Writes to GitHub after the restart: one check run per head not judged before the kill is the least. */
    writesAfterRestart: number;
    redeliveryRequests: number;
  };
  replicas: { deliveries: number; sentTo: number; checkRuns: number; duplicates: number; minWriteGapMs: number };
  throughput: Array<{
    installations: number;
    grouped: boolean;
    deliveries: number;
    concurrency: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    seconds: number;
    perSecond: number;
    checkRuns: number;
    duplicates: number;
    minWriteGapMs: number;
    writeGaps: { count: number; under1000: number; min: number; p50: number; max: number };
  }>;
}

export interface OutageResult {
  kind: OutageKind;
  outageSeconds: number;
  deliveries: number;
  /** Deliveries the server answered 200 (all of them: the outage is GitHub's API, not the webhook sender). */
  answered: number;
  judgedBeforeOutage: number;
  /** Pull requests that showed a "Could not evaluate" at some point. */
  couldNotEvaluateShown: number;
  /** Pull requests whose latest run is still a "Could not evaluate" (or missing) at the end: 0 is the target. */
  stuck: number;
  /** From GitHub's recovery until every pull request had a real conclusion (NaN: not within the bound). */
  decidedSeconds: number;
  duplicates: number;
  conclusions: Record<string, number>;
}

export interface KilledPostgresResult {
  deliveries: number;
  answeredBeforeKill: number;
  /** First attempts not answered 200 (they wait for modelgate's redelivery request). */
  failedAnswers: number;
  /** Their HTTP statuses (0: no answer). */
  failedStatuses: number[];
  /** From the kill until modelgate's first redelivery request (its every-10-minutes job; NaN: none). */
  firstRedeliverySeconds: number;
  /** From the kill until /ready answered 200 again. */
  readySeconds: number;
  /** From the kill until every pull request had a real conclusion (NaN: not within the bound). */
  judgedSeconds: number;
  judged: number;
  duplicates: number;
  redeliveryRequests: number;
  serverExited: boolean;
}

const ready = (server: RunningServer) =>
  fetch(`${server.url}/ready`).then(
    (r) => r.ok,
    () => false,
  );

/** Pull requests whose latest modelgate run is a real conclusion (not a "Could not evaluate"). */
function decided(github: FakeGitHub, pulls: FakePullRequest[]): number {
  const latest = github.latestRuns();
  return pulls.filter((pr) => {
    const run = latest.get(headKey(pr));
    return run !== undefined && !run.title.startsWith("Could not evaluate");
  }).length;
}

async function untilAsync(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) return false;
    await sleep(100);
  }
  return true;
}

/** Waits for the start-up redelivery and reconciliation requests (they find nothing: no pull request yet). */
async function startUpJobsRan(github: FakeGitHub): Promise<void> {
  const asked = (line: string) => github.requestLines.includes(line);
  await until(() => asked("GET /app/hook/deliveries") && asked("GET /app/installations"), 60_000);
  await sleep(2_000);
}

/**
 * A burst of 20 pull requests, one every 200 ms; from the 10th on, GitHub is down for `outageSeconds` (connections
 * refused, or 502 to every request), then back. Waits at most 6 minutes for every pull request's latest run to be a
 * real conclusion: what the retries of a GitHub-caused "Could not evaluate" (and the delivery queue's) must reach.
 */
async function githubOutage(kind: OutageKind = "refuse", outageSeconds = 60): Promise<OutageResult> {
  const github = await new FakeGitHub(SECRET).start();
  try {
    return await withDataDir(async (dir) => {
      const server = await startServer(github, {
        MODELGATE_DATA_DIR: join(dir, "pg"),
        MODELGATE_POSTGRES_PORT: String(await freePort()),
        MODELGATE_CONCURRENCY: "8",
      });
      github.webhookUrl = webhook(server);
      await startUpJobsRan(github);
      const pulls = github.addPullRequests(1, 20);
      const burst = pulls.map((pr, i) =>
        sleep(i * 200).then(() => github.deliver(github.webhookUrl, github.openedEvent(pr), `outage-${i}`)),
      );
      await sleep(10 * 200 - 100);
      const judgedBeforeOutage = decided(github, pulls);
      await github.beginOutage(kind);
      await sleep(outageSeconds * 1000);
      await github.endOutage();
      const recovered = Date.now();
      const attempts = await Promise.all(burst);
      const allDecided = await until(() => decided(github, pulls) === pulls.length, 6 * 60_000);
      const decidedSeconds = allDecided ? (Date.now() - recovered) / 1000 : Number.NaN;
      // let anything that would run twice do so before counting
      await sleep(5_000);
      await server.stop();
      const conclusions: Record<string, number> = {};
      const latest = github.latestRuns();
      for (const pr of pulls) {
        const run = latest.get(headKey(pr));
        const label = run
          ? `${run.conclusion}${run.title.startsWith("Could not evaluate") ? " (Could not evaluate)" : ""}`
          : "none";
        conclusions[label] = (conclusions[label] ?? 0) + 1;
      }
      return {
        kind,
        outageSeconds,
        deliveries: pulls.length,
        answered: attempts.filter((a) => a.statusCode === 200).length,
        judgedBeforeOutage,
        couldNotEvaluateShown: pulls.filter((pr) => github.couldNotEvaluateHeads.has(headKey(pr))).length,
        stuck: pulls.length - decided(github, pulls),
        decidedSeconds,
        duplicates: github.duplicateHeads().length,
        conclusions,
      };
    });
  } finally {
    await github.stop();
  }
}

/**
 * kill -9 of the embedded postmaster alone (its pid: the first line of postmaster.pid in the data dir) once
 * `killAfter` deliveries of a burst of 20 (one every 150 ms) were answered; the burst goes on. The server restarts
 * its Postgres itself; deliveries it could not store were answered 5xx and wait for its redelivery request (every
 * 10 minutes), so the wait is bounded at 12 minutes.
 */
async function killPostgres(killAfter = Number(process.env.BENCH_KILL_AFTER ?? 6)): Promise<KilledPostgresResult> {
  const github = await new FakeGitHub(SECRET).start();
  try {
    return await withDataDir(async (dir) => {
      const dataDir = join(dir, "pg");
      const server = await startServer(github, {
        MODELGATE_DATA_DIR: dataDir,
        MODELGATE_POSTGRES_PORT: String(await freePort()),
        MODELGATE_CONCURRENCY: "8",
      });
      github.webhookUrl = webhook(server);
      await startUpJobsRan(github);
      const redeliveriesBefore = github.requestLines.filter((line) => line.endsWith("/attempts")).length;
      const pulls = github.addPullRequests(1, 20);
      let answered = 0;
      const burst = pulls.map((pr, i) =>
        sleep(i * 150)
          .then(() => github.deliver(github.webhookUrl, github.openedEvent(pr), `killpg-${i}`))
          .then((a) => {
            if (a.statusCode === 200) answered += 1;
            return a;
          }),
      );
      await until(() => answered >= killAfter, 30_000);
      const answeredBeforeKill = answered;
      const postmaster = Number((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
      process.kill(postmaster, "SIGKILL");
      const killed = Date.now();
      // not ready once the server noticed, then ready again once its Postgres is back
      await untilAsync(async () => !(await ready(server)), 10_000);
      const readyAgain = await untilAsync(() => ready(server), 120_000);
      const readySeconds = readyAgain ? (Date.now() - killed) / 1000 : Number.NaN;
      const attempts = await Promise.all(burst);
      const redeliveryRequests = () =>
        github.requestLines.filter((line) => line.endsWith("/attempts")).length - redeliveriesBefore;
      let firstRedeliverySeconds = Number.NaN;
      const allJudged = await until(() => {
        if (Number.isNaN(firstRedeliverySeconds) && redeliveryRequests() > 0)
          firstRedeliverySeconds = (Date.now() - killed) / 1000;
        return decided(github, pulls) === pulls.length || server.process.exitCode !== null;
      }, 12 * 60_000);
      const judgedSeconds =
        allJudged && decided(github, pulls) === pulls.length ? (Date.now() - killed) / 1000 : Number.NaN;
      await sleep(5_000);
      const serverExited = server.process.exitCode !== null;
      await server.stop();
      return {
        deliveries: pulls.length,
        answeredBeforeKill,
        failedAnswers: attempts.filter((a) => a.statusCode !== 200).length,
        failedStatuses: attempts.filter((a) => a.statusCode !== 200).map((a) => a.statusCode),
        firstRedeliverySeconds,
        readySeconds,
        judgedSeconds,
        judged: decided(github, pulls),
        duplicates: github.duplicateHeads().length,
        redeliveryRequests: redeliveryRequests(),
        serverExited,
      };
    });
  } finally {
    await github.stop();
  }
}

/** Rows for the "The running server" table of docs/performance.md. */
export function outageRow(r: OutageResult): string {
  const down = r.kind === "refuse" ? "refuses connections" : "answers 502 to every request";
  const decidedAfter = Number.isNaN(r.decidedSeconds) ? "not within 6 min" : `${r.decidedSeconds.toFixed(1)} s`;
  return `| GitHub ${down} for ${r.outageSeconds} s from the middle of a burst | ${r.deliveries} | ${r.judgedBeforeOutage} judged before the outage, ${r.couldNotEvaluateShown} showed "Could not evaluate" meanwhile; all on a real conclusion ${decidedAfter} after GitHub came back, ${r.stuck} stuck on "Could not evaluate", ${r.duplicates} twice |`;
}

export function killedPostgresRow(r: KilledPostgresResult): string {
  const judgedAfter = Number.isNaN(r.judgedSeconds) ? "not within 12 min" : `${r.judgedSeconds.toFixed(1)} s`;
  return `| kill -9 of the embedded postmaster alone after ${r.answeredBeforeKill} of ${r.deliveries} were answered, the burst going on | ${r.deliveries} | ready again ${r.readySeconds.toFixed(1)} s after the kill, no restart of the server${r.serverExited ? " (it EXITED)" : ""}; ${r.failedAnswers} answered ${[...new Set(r.failedStatuses)].join("/")} meanwhile, asked again by modelgate's redelivery ${r.firstRedeliverySeconds.toFixed(0)} s after the kill (${r.redeliveryRequests} requests); ${r.judged}/${r.deliveries} judged ${judgedAfter} after the kill, ${r.duplicates} twice |`;
}

async function withDataDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "modelgate-bench-"));
  // as root the embedded Postgres runs as another user, who must be able to enter this folder
  await chmod(dir, 0o755);
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * kill -9 of the process group (server and its embedded Postgres) once `killAfter` deliveries of a burst of 30 were
 * answered, then `npm start` again. The pull requests are opened after the first start's recovery jobs ran, so the
 * restart alone has to find them: the answered deliveries from the database, the others through GitHub's failed
 * deliveries (redelivery).
 */
async function killMidBurst(
  killAfter = Number(process.env.BENCH_KILL_AFTER ?? 8),
): Promise<DurabilityResults["killed"]> {
  const github = await new FakeGitHub(SECRET).start();
  try {
    return await withDataDir(async (dir) => {
      const env = {
        MODELGATE_DATA_DIR: join(dir, "pg"),
        MODELGATE_POSTGRES_PORT: String(await freePort()),
        MODELGATE_CONCURRENCY: "8",
      };
      let server = await startServer(github, env);
      github.webhookUrl = webhook(server);
      // the start-up redelivery and reconciliation ran (they found nothing: no pull request yet)
      const asked = (line: string) => github.requestLines.includes(line);
      await until(() => asked("GET /app/hook/deliveries") && asked("GET /app/installations"), 60_000);
      await sleep(2_000);
      const pulls = github.addPullRequests(1, 30);
      const answeredGuids = new Set<string>();
      // the burst is spread over ~1.5 s so that the kill falls in it: some answered, the rest sent to a dead process
      const burst = pulls.map((pr, i) =>
        sleep(i * 50)
          .then(() => github.deliver(github.webhookUrl, github.openedEvent(pr), `kill-${i}`))
          .then((a) => {
            if (a.statusCode === 200) answeredGuids.add(a.guid);
          }),
      );
      await until(() => answeredGuids.size >= killAfter, 30_000);
      server.kill9();
      const answered = new Set(pulls.filter((_, i) => answeredGuids.has(`kill-${i}`)).map((pr) => headKey(pr)));
      const judgedBeforeKill = pulls.filter((pr) => github.completedHeads().has(headKey(pr))).length;
      await Promise.allSettled(burst);
      await sleep(500);
      const redeliveriesBefore = github.attempts.length;
      const writesBefore = writesOf(github);
      const restarted = Date.now();
      server = await startServer(github, env);
      github.webhookUrl = webhook(server);
      let answeredJudgedSeconds = Number.NaN;
      await until(() => {
        const done = github.completedHeads();
        if (Number.isNaN(answeredJudgedSeconds) && [...answered].every((head) => done.has(head)))
          answeredJudgedSeconds = (Date.now() - restarted) / 1000;
        return pulls.every((pr) => done.has(headKey(pr)));
      }, 600_000);
      const recoverySeconds = (Date.now() - restarted) / 1000;
      // let anything that would run twice do so before counting
      await sleep(5_000);
      await server.stop();
      return {
        deliveries: pulls.length,
        answeredBeforeKill: answered.size,
        judgedBeforeKill,
        checkRuns: pulls.filter((pr) => github.completedHeads().has(headKey(pr))).length,
        duplicates: github.duplicateHeads().length,
        answeredJudgedSeconds,
        recoverySeconds,
        redeliveryRequests: github.attempts.length - redeliveriesBefore,
        writesAfterRestart: writesOf(github) - writesBefore,
      };
    });
  } finally {
    await github.stop();
  }
}

/** Writes (check runs created or updated...) the fake received so far, every installation. */
function writesOf(github: FakeGitHub): number {
  return [...github.writeTimes.values()].reduce((sum, times) => sum + times.length, 0);
}

/** Two replicas on one database (the first's embedded Postgres), each delivery sent to both at once. */
async function twoReplicas(): Promise<DurabilityResults["replicas"]> {
  const github = await new FakeGitHub(SECRET).start();
  try {
    return await withDataDir(async (dir) => {
      const pgPort = await freePort();
      const first = await startServer(github, {
        MODELGATE_DATA_DIR: join(dir, "pg"),
        MODELGATE_POSTGRES_PORT: String(pgPort),
      });
      const second = await startServer(github, {
        DATABASE_URL: `postgres://modelgate:modelgate-embedded@127.0.0.1:${pgPort}/postgres`,
        MODELGATE_RECOVERY_ON_START: "false",
      });
      github.webhookUrl = webhook(first);
      const pulls = github.addPullRequests(1, 20);
      await Promise.all(
        pulls.flatMap((pr, i) =>
          [first, second].map((server) => github.deliver(webhook(server), github.openedEvent(pr), `replica-${i}`)),
        ),
      );
      await until(() => pulls.every((pr) => github.completedHeads().has(headKey(pr))), 60_000);
      await sleep(2_000);
      await second.stop();
      await first.stop();
      return {
        deliveries: pulls.length,
        sentTo: 2,
        checkRuns: pulls.filter((pr) => github.completedHeads().has(headKey(pr))).length,
        duplicates: github.duplicateHeads().length,
        minWriteGapMs: github.minWriteGapMs(),
      };
    });
  } finally {
    await github.stop();
  }
}

/**
 * `deliveries` pull requests spread over `installations`, all delivered at once, or grouped: all
 * of installation 1's at once, then (once answered) all of 2's, …; answer latency, evaluations per
 * second, and the gap of every write to the previous write of its installation at the fake GitHub.
 */
async function throughput(
  installations: number,
  perInstallation: number,
  grouped = false,
): Promise<DurabilityResults["throughput"][number]> {
  const github = await new FakeGitHub(SECRET).start();
  try {
    return await withDataDir(async (dir) => {
      const server = await startServer(github, {
        MODELGATE_DATA_DIR: join(dir, "pg"),
        MODELGATE_POSTGRES_PORT: String(await freePort()),
        MODELGATE_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? "50",
        MODELGATE_RECOVERY_ON_START: "false",
      });
      github.webhookUrl = webhook(server);
      const groups = Array.from({ length: installations }, (_, i) => github.addPullRequests(i + 1, perInstallation));
      const pulls = groups.flat();
      const deliver = (group: FakePullRequest[]) =>
        Promise.all(
          group.map((pr) =>
            github.deliver(
              github.webhookUrl,
              github.openedEvent(pr),
              `load-${installations}-${pr.installationId}-${pr.number}`,
            ),
          ),
        );
      const started = performance.now();
      const attempts = [];
      if (grouped) for (const group of groups) attempts.push(...(await deliver(group)));
      else attempts.push(...(await deliver(pulls)));
      await until(() => pulls.every((pr) => github.completedHeads().has(headKey(pr))), 180_000);
      const seconds = (performance.now() - started) / 1000;
      await server.stop();
      const latencies = attempts.map((a) => a.latencyMs);
      const gaps = github.writeGaps();
      return {
        installations,
        grouped,
        deliveries: pulls.length,
        concurrency: grouped ? perInstallation : pulls.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: Math.max(...latencies),
        seconds,
        perSecond: pulls.filter((pr) => github.completedHeads().has(headKey(pr))).length / seconds,
        checkRuns: pulls.filter((pr) => github.completedHeads().has(headKey(pr))).length,
        duplicates: github.duplicateHeads().length,
        minWriteGapMs: github.minWriteGapMs(),
        writeGaps: {
          count: gaps.length,
          under1000: gaps.filter((gap) => gap < 1000).length,
          min: Math.min(...gaps),
          p50: percentile(gaps, 50),
          max: Math.max(...gaps),
        },
      };
    });
  } finally {
    await github.stop();
  }
}

export async function measureDurability(): Promise<DurabilityResults> {
  const killed = await killMidBurst();
  const replicas = await twoReplicas();
  const one = await throughput(1, 50);
  const four = await throughput(4, 25);
  const fourGrouped = await throughput(4, 25, true);
  return { killed, replicas, throughput: [one, four, fourGrouped] };
}

export function durabilityReport(results: DurabilityResults): string {
  const { killed, replicas, throughput: rows } = results;
  return [
    "| scenario | deliveries | result |",
    "|---|---:|---|",
    `| kill -9 of the process group after ${killed.answeredBeforeKill} of ${killed.deliveries} were answered (pull requests opened after the start-up jobs ran), then restart | ${killed.deliveries} | ${killed.judgedBeforeKill} judged before the kill; after the restart the answered ones judged within ${killed.answeredJudgedSeconds.toFixed(1)} s, ${killed.checkRuns}/${killed.deliveries} within ${killed.recoverySeconds.toFixed(1)} s; ${killed.duplicates} twice, ${killed.writesAfterRestart} writes after the restart (${killed.redeliveryRequests} deliveries sent again by the fake GitHub on modelgate's redelivery requests) |`,
    `| two replicas, one database, each delivery to both | ${replicas.deliveries} × ${replicas.sentTo} | ${replicas.checkRuns}/${replicas.deliveries} heads got their check run, ${replicas.duplicates} twice; shortest gap between two writes of the installation ${replicas.minWriteGapMs.toFixed(0)} ms |`,
    "",
    "| installations | arrivals | concurrent deliveries | webhook answer p50 / p99 / max (ms) | all check runs written after (s) | evaluations/s | duplicates | write gaps at the fake: count, under 1 s, min / p50 / max (ms) |",
    "|---:|---|---:|---|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.installations} | ${r.grouped ? "grouped" : "at once"} | ${r.concurrency} | ${r.p50Ms.toFixed(0)} / ${r.p99Ms.toFixed(0)} / ${r.maxMs.toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(2)} | ${r.duplicates} | ${r.writeGaps.count}, ${r.writeGaps.under1000}, ${r.writeGaps.min.toFixed(0)} / ${r.writeGaps.p50.toFixed(0)} / ${r.writeGaps.max.toFixed(0)} |`,
    ),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `--throughput I N [--grouped]`: only the throughput run of N pull requests on each of I installations; `--kill`: only
  // the kill -9 run; `--outage [502] [seconds]`: only the GitHub outage run; `--kill-postgres`: only the postmaster kill
  const only = process.argv.indexOf("--throughput");
  if (only > 0)
    console.log(
      JSON.stringify(
        await throughput(
          Number(process.argv[only + 1] ?? 1),
          Number(process.argv[only + 2] ?? 50),
          process.argv.includes("--grouped"),
        ),
      ),
    );
  else if (process.argv.includes("--outage")) {
    const after = process.argv.slice(process.argv.indexOf("--outage") + 1);
    const kind: OutageKind = after.includes("502") ? "502" : "refuse";
    const seconds = Number(after.find((arg) => /^\d+$/.test(arg) && arg !== "502") ?? 60);
    const result = await githubOutage(kind, seconds);
    console.log(JSON.stringify(result));
    console.log(outageRow(result));
  } else if (process.argv.includes("--kill-postgres")) {
    const result = await killPostgres();
    console.log(JSON.stringify(result));
    console.log(killedPostgresRow(result));
  } else if (process.argv.includes("--kill")) console.log(JSON.stringify(await killMidBurst()));
  else if (process.argv.includes("--replicas")) console.log(JSON.stringify(await twoReplicas()));
  else console.log(durabilityReport(await measureDurability()));
}
