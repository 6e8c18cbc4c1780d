import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterAll, describe, expect, test } from "vitest";
import { failureMessage } from "../../src/action/failure-message.js";
import { runAction, type ActionEnv, type RunActionOptions } from "../../src/action/run-action.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { createRecorder, type RecordedRequest } from "../helpers/request-recorder.js";
import { serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { APP_ID, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { serveCheckRunWriteUnderSecondaryLimit, serveModelFreePullRequest } from "../helpers/serve-pull-request.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const INSTALLATION_LOOKUP = `/repos/${OWNER}/${REPO}/installation`;

// generated for this file: a key is never committed
const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
}).privateKey;

const workspace = mkdtempSync(join(tmpdir(), "modelgate-action-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

let eventFiles = 0;
/** The event file GitHub Actions writes for the job (GITHUB_EVENT_PATH). */
function writeEvent(payload: unknown): string {
  const path = join(workspace, `event-${++eventFiles}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

/** A pull_request payload as Actions delivers it: GitHub's webhook payload without `installation`. */
function actionsPullRequestPayload(action: "opened" | "synchronize" = "opened"): Record<string, unknown> {
  const { payload } = pullRequestEvent(action, PR, INSTALLATION_ID);
  delete payload.installation;
  return payload;
}

function actionEnv(eventName: string, payload: unknown, overrides: ActionEnv = {}): ActionEnv {
  return {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: writeEvent(payload),
    GITHUB_RUN_ID: "123456",
    GITHUB_RUN_ATTEMPT: "2",
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: GITHUB_API,
    APP_ID: String(APP_ID),
    // as a one-line secret: the PEM's newlines written as \n
    PRIVATE_KEY: PRIVATE_KEY.trim().replace(/\n/g, "\\n"),
    ...overrides,
  };
}

interface Run {
  requests: RecordedRequest[];
  logs: Array<Record<string, unknown>>;
  done: Promise<void>;
}

/** runAction with the test Octokit (no retries, no throttling, requests recorded), a fixed clock and captured logs. */
function run(env: ActionEnv, rateLimitWaits?: RunActionOptions["rateLimitWaits"]): Run {
  const { fetch: recordingFetch, requests } = createRecorder();
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: "info" },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const Octokit = ProbotOctokit.defaults((instanceOptions: Record<string, unknown>) => ({
    ...instanceOptions,
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { ...(instanceOptions.request as object | undefined), fetch: recordingFetch },
  }));
  return {
    requests,
    logs,
    done: runAction(env, { Octokit, log, clock: () => TEST_NOW, ...(rateLimitWaits ? { rateLimitWaits } : {}) }),
  };
}

/** The App's installation on the repository, answered only to a request signed with the App's JWT. */
function serveInstallationLookup(status = 200): void {
  const scope = nock(GITHUB_API)
    .get(INSTALLATION_LOOKUP)
    .matchHeader("authorization", /^bearer eyJ/i);
  if (status === 200)
    scope.reply(200, { id: INSTALLATION_ID, app_id: APP_ID, account: { login: OWNER }, target_type: "Organization" });
  else scope.reply(status, { message: "Not Found" });
}

/** Everything the evaluation of a pull request without model changes reads and writes. */
function serveEvaluationWithoutModels(): void {
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { "README.md": "# Models\n", "src/app.py": "print('hi')\n" } },
      { sha: HEAD, files: { "README.md": "# Models\n", "src/app.py": "print('hello')\n" } },
    ],
  }).servePullRequest(BASE, HEAD);
  serveReviews(OWNER, REPO, PR.number, []);
  serveCheckRunLookup(OWNER, REPO, HEAD);
  // the check run is created with the installation token, not the JWT
  nock(GITHUB_API)
    .post(CHECK_RUNS)
    .matchHeader("authorization", "token ghs_test")
    .reply(201, { id: 7001, name: "modelgate" });
}

describe("runAction: a pull request in a workflow", () => {
  test.each(["pull_request", "pull_request_target"])(
    "%s: finds the App's installation, takes its token and gives the PR a successful modelgate check run",
    async (eventName) => {
      serveInstallationLookup();
      serveEvaluationWithoutModels();

      const action = run(actionEnv(eventName, actionsPullRequestPayload()));
      await action.done;

      const paths = action.requests.map((r) => `${r.method} ${r.path}`);
      expect(paths.slice(0, 2)).toEqual([
        `GET ${INSTALLATION_LOOKUP}`,
        `POST /app/installations/${INSTALLATION_ID}/access_tokens`,
      ]);
      const creates = action.requests.filter((r) => r.method === "POST" && r.path === CHECK_RUNS);
      expect(creates).toHaveLength(1);
      expect(creates[0]!.body).toMatchObject({
        name: "modelgate",
        head_sha: HEAD,
        status: "completed",
        conclusion: "success",
        output: { title: "No model changes" },
      });
      // the decision log names the workflow run (and attempt) as the delivery
      expect(action.logs.some((line) => line.delivery === "123456-2" && line.verdict === "success")).toBe(true);
    },
  );

  test("uses the installation a payload already carries without looking it up", async () => {
    serveEvaluationWithoutModels();

    const action = run(actionEnv("pull_request", pullRequestEvent("synchronize", PR, INSTALLATION_ID).payload));
    await action.done;

    expect(action.requests.filter((r) => r.path === INSTALLATION_LOOKUP)).toEqual([]);
    expect(action.requests[0]).toMatchObject({
      method: "POST",
      path: `/app/installations/${INSTALLATION_ID}/access_tokens`,
    });
    expect(action.requests.filter((r) => r.method === "POST" && r.path === CHECK_RUNS)).toHaveLength(1);
  });

  test("fails the job naming the repository when the App is not installed on it", async () => {
    serveInstallationLookup(404);

    const action = run(actionEnv("pull_request", actionsPullRequestPayload()));

    await expect(action.done).rejects.toThrow(`the GitHub App ${APP_ID} (APP_ID) is not installed on ${OWNER}/${REPO}`);
    expect(action.requests.map((r) => r.path)).toEqual([INSTALLATION_LOOKUP]);
  });

  test("fails the job when the check run cannot be written", async () => {
    serveInstallationLookup();
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: { "a.txt": "a\n" } },
        { sha: HEAD, files: { "a.txt": "b\n" } },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, PR.number, []);
    serveCheckRunLookup(OWNER, REPO, HEAD);
    nock(GITHUB_API).post(CHECK_RUNS).reply(403, { message: "Resource not accessible by integration" });

    await expect(run(actionEnv("pull_request", actionsPullRequestPayload())).done).rejects.toThrow(
      "Resource not accessible by integration",
    );
  });
});

describe("runAction: a secondary rate limit on the check-run write", () => {
  test("attack: one 403 asking to wait does not cost the pull request its check run: the write is sent again after retry-after", async () => {
    serveInstallationLookup();
    serveInstallationToken();
    serveModelFreePullRequest(PR);
    const written = serveCheckRunWriteUnderSecondaryLimit(1, true);
    const slept: number[] = [];

    // Probot's own Octokit, as the Action runs it in production (no Octokit injected); waits recorded, not slept
    await runAction(actionEnv("pull_request", actionsPullRequestPayload()), {
      log: pino({ level: "silent" }),
      clock: () => TEST_NOW,
      rateLimitWaits: { sleep: async (ms) => void slept.push(ms) },
    });

    expect(slept).toEqual([1000]);
    expect(written).toEqual([expect.objectContaining({ name: "modelgate", head_sha: HEAD, conclusion: "success" })]);
  });

  test("bounded: a limit that persists is waited out 3 times, then the job fails as before (no check run)", async () => {
    serveInstallationLookup();
    serveInstallationToken();
    serveModelFreePullRequest(PR);
    serveCheckRunWriteUnderSecondaryLimit(4, false);
    const slept: number[] = [];

    const action = run(actionEnv("pull_request", actionsPullRequestPayload()), {
      sleep: async (ms) => void slept.push(ms),
    });

    await expect(action.done).rejects.toThrow("You have exceeded a secondary rate limit.");
    expect(slept).toEqual([1000, 1000, 1000]);
    expect(action.requests.filter((r) => r.method === "POST" && r.path === CHECK_RUNS)).toHaveLength(4);
  });
});

describe("runAction: events modelgate does not handle", () => {
  test.each([
    { label: "workflow_dispatch", eventName: "workflow_dispatch", payload: { inputs: {}, ref: "refs/heads/main" } },
    { label: "schedule", eventName: "schedule", payload: { schedule: "0 3 * * *" } },
    {
      label: "pull_request.closed",
      eventName: "pull_request",
      payload: { ...actionsPullRequestPayload(), action: "closed" },
    },
  ])("$label sends no request and succeeds", async ({ eventName, payload }) => {
    const action = run(actionEnv(eventName, payload));
    await action.done;

    expect(action.requests).toEqual([]);
    expect(
      action.logs.some(
        (line) => line.msg === "modelgate does not handle this event: nothing to do" && line.event === eventName,
      ),
    ).toBe(true);
  });
});

describe("runAction: configuration errors fail the job with the variable to fix", () => {
  test.each([
    { unset: ["APP_ID"], message: "APP_ID is not set. modelgate runs as its GitHub App" },
    { unset: ["PRIVATE_KEY"], message: "PRIVATE_KEY is not set. modelgate runs as its GitHub App" },
    { unset: ["APP_ID", "PRIVATE_KEY"], message: "APP_ID and PRIVATE_KEY are not set." },
    { unset: ["GITHUB_EVENT_NAME"], message: "GITHUB_EVENT_NAME is not set" },
    { unset: ["GITHUB_EVENT_PATH"], message: "GITHUB_EVENT_PATH is not set" },
  ])("without $unset", async ({ unset, message }) => {
    const env = actionEnv("pull_request", actionsPullRequestPayload());
    for (const variable of unset) env[variable] = "";

    const action = run(env);

    await expect(action.done).rejects.toThrow(message);
    expect(action.requests).toEqual([]);
  });

  test("the message about missing credentials says why GITHUB_TOKEN is not enough", async () => {
    await expect(
      run(actionEnv("pull_request", actionsPullRequestPayload(), { APP_ID: undefined })).done,
    ).rejects.toThrow("GITHUB_TOKEN cannot read organisation team membership nor act as the App");
  });

  test("a non-numeric APP_ID is named", async () => {
    await expect(
      run(actionEnv("pull_request", actionsPullRequestPayload(), { APP_ID: "modelgate" })).done,
    ).rejects.toThrow(
      'APP_ID must be the numeric id of the GitHub App (its settings page shows "App ID"), not "modelgate"',
    );
  });

  test("a PRIVATE_KEY that is not a PEM is refused without echoing it", async () => {
    const notAKey = "ghp_thisIsATokenNotAKey1234567890";
    const failure = run(actionEnv("pull_request", actionsPullRequestPayload(), { PRIVATE_KEY: notAKey })).done;

    await expect(failure).rejects.toThrow("PRIVATE_KEY is not a PEM private key");
    await expect(failure).rejects.not.toThrow(notAKey);
  });

  test("an event file that is not JSON is named", async () => {
    const env = actionEnv("pull_request", {});
    writeFileSync(env.GITHUB_EVENT_PATH!, "{ not json");

    await expect(run(env).done).rejects.toThrow(
      `the event payload ${env.GITHUB_EVENT_PATH} (GITHUB_EVENT_PATH) is not JSON`,
    );
  });

  test("a payload without installation needs GITHUB_REPOSITORY", async () => {
    const action = run(actionEnv("pull_request", actionsPullRequestPayload(), { GITHUB_REPOSITORY: undefined }));

    await expect(action.done).rejects.toThrow("GITHUB_REPOSITORY is not set");
    expect(action.requests).toEqual([]);
  });
});

describe("failureMessage: what main prints on stderr", () => {
  const keyBody = PRIVATE_KEY.split("\n").filter((line) => line && !line.startsWith("-----"));
  const escapedKey = PRIVATE_KEY.trim().replace(/\n/g, "\\n");

  test.each([
    { case: "a plain error", error: new Error("APP_ID is not set"), env: {}, expected: "modelgate: APP_ID is not set" },
    { case: "a thrown string", error: "boom", env: {}, expected: "modelgate: boom" },
    {
      case: "the key as given (multi-line)",
      error: new Error(`bad key ${PRIVATE_KEY}`),
      env: { PRIVATE_KEY },
      expected: "modelgate: bad key ***",
    },
    {
      case: "the key as given (\\n escapes)",
      error: new Error(`bad key ${escapedKey}`),
      env: { PRIVATE_KEY: escapedKey },
      expected: "modelgate: bad key ***",
    },
    {
      case: "one line of the key body",
      error: new Error(`near ${keyBody[3]!} here`),
      env: { PRIVATE_KEY: escapedKey },
      expected: "modelgate: near *** here",
    },
  ])("$case", ({ error, env, expected }) => {
    expect(failureMessage(error, env)).toBe(expected);
  });
});
