import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import type { ScheduleDeploymentRetry } from "../../src/handlers/deployment.js";
import { modelgate } from "../../src/index.js";
import { markerKeyFromPrivateKey } from "../../src/marker-key.js";
import { LISTING_LAG_WAITS_MS, postgresCoordination, type Coordination } from "../../src/store/coordination.js";
import { ModelgateOctokit } from "../../src/github/octokit.js";
import type { TrafficOptions } from "../../src/github/traffic.js";
import type { Jobs } from "../../src/queue/job-queue.js";
import type { InventoryStore } from "../../src/store/inventory-store.js";
import { issueMarkerKey } from "../../src/core/markers/signature.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { GITHUB_API } from "./fake-repository.js";
import { createRecorder, type RecordedRequest } from "./request-recorder.js";

export type { RecordedRequest };

export const APP_ID = 4242;
export const INSTALLATION_ID = 9001;

export interface TestApp {
  probot: Probot;
  /** Every request the app sent, in order. */
  requests: RecordedRequest[];
  /** Every JSON log line the app wrote. */
  logs: Array<Record<string, unknown>>;
  receive(event: { name: string; payload: unknown; id?: string }): Promise<void>;
  /** Requests matching a method and a path prefix or pattern. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[];
}

/**
 * The pauses before looking again for an issue created but not listed yet: as many looks as in
 * production (LISTING_LAG_WAITS_MS), shorter pauses. The fakes reveal such an issue after a number
 * of listings, never after a time, so only the suite's duration changes.
 */
export const TEST_LISTING_WAITS_MS: ReadonlyArray<number> = LISTING_LAG_WAITS_MS.map((ms) => ms / 50);

let privateKey: string | undefined;

// generated once per test file: a key is never committed
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  }).privateKey;
  return privateKey;
}

/**
 * A Probot running modelgate with retries and throttling off, a fixed clock, and captured logs and
 * requests. Its locks live in this test file's real Postgres database (test/helpers/database.ts),
 * as in production; two apps of one file share them like two replicas on one database.
 */
export async function createTestApp(
  options: {
    now?: Date;
    secret?: string;
    coordination?: Coordination;
    traffic?: TrafficOptions;
    scheduleDeploymentRetry?: ScheduleDeploymentRetry;
    /** The server's queue: the app defines its jobs there (tests record them, test/app/could-not-evaluate-retries.test.ts). */
    jobs?: Jobs;
    /** The organisation's inventory (with `jobs`: its jobs and events; gates record their decisions in it). */
    inventory?: InventoryStore;
  } = {},
): Promise<TestApp> {
  const { fetch: recordingFetch, requests } = createRecorder();
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: "info" },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const probot = new Probot({
    appId: APP_ID,
    privateKey: testPrivateKey(),
    log,
    ...(options.secret ? { secret: options.secret } : {}),
    // with `traffic`, the server's Octokit (pacing and rate-limit waits of src/github/traffic.ts)
    Octokit: (options.traffic ? (ModelgateOctokit as unknown as typeof ProbotOctokit) : ProbotOctokit).defaults(
      (instanceOptions: Record<string, unknown>) => ({
        ...instanceOptions,
        retry: { enabled: false },
        // the server's Octokit turns Probot's throttling off itself (asserted in traffic.test.ts)
        ...(options.traffic ? { modelgateTraffic: options.traffic } : { throttle: { enabled: false } }),
        request: { ...(instanceOptions.request as object | undefined), fetch: recordingFetch },
      }),
    ),
  });
  const now = options.now ?? TEST_NOW;
  const coordination =
    options.coordination ??
    postgresCoordination((await (await import("./database.js")).testDatabase()).pool, {
      waitsMs: TEST_LISTING_WAITS_MS,
    });
  await probot.load(
    modelgate({
      clock: () => now,
      markerKey: testMarkerKey(),
      coordination,
      ...(options.scheduleDeploymentRetry ? { scheduleDeploymentRetry: options.scheduleDeploymentRetry } : {}),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.inventory ? { inventory: options.inventory } : {}),
    }),
  );
  return {
    probot,
    requests,
    logs,
    receive: ({ name, payload, id }) =>
      probot.receive({ id: id ?? "delivery-1", name, payload } as Parameters<Probot["receive"]>[0]),
    requestsTo: (method, path) =>
      requests.filter(
        (r) =>
          r.method === method &&
          (typeof path === "string" ? r.path === path || r.path.startsWith(`${path}?`) : path.test(r.path)),
      ),
  };
}

/** The key the test app signs its issue markers with (derived from the generated private key, as in production). */
export function testMarkerKey(): string {
  return markerKeyFromPrivateKey(testPrivateKey());
}

/** The key the test app signs the markers of issue `issue` of acme/models with (markers are bound to their issue). */
export function testIssueMarkerKey(
  issue: number,
  repository: { owner: string; repo: string } = { owner: "acme", repo: "models" },
): string {
  return issueMarkerKey(testMarkerKey(), { ...repository, issue });
}

/** The installation token request Probot makes once per app instance. */
export function serveInstallationToken(): void {
  nock(GITHUB_API).post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, {
    token: "ghs_test",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
    repository_selection: "all",
  });
}

/** An installation client for testing src/github/ functions directly (token auth, no retries). */
export function testOctokit(recordingFetch?: typeof fetch): ProbotOctokit {
  return new ProbotOctokit({
    auth: { token: "ghs_test" },
    retry: { enabled: false },
    throttle: { enabled: false },
    ...(recordingFetch ? { request: { fetch: recordingFetch } } : {}),
  });
}
