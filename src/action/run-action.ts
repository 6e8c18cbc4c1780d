import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Probot, type Logger, type ProbotOctokit } from "probot";
import { modelgate } from "../index.js";
import { createLog } from "../log.js";
import { markerKeyFromPrivateKey } from "../marker-key.js";
import type { Clock } from "../handlers/context.js";
import { httpStatus } from "../github/errors.js";
import type { RateLimitWaitOptions } from "../github/traffic.js";
import { isHandled, recordingHandledEvents } from "../handled-events.js";
import { scanLocalFormatsWith } from "../handlers/local-formats.js";
import { localLfsFormatFacts } from "../cli/lfs-formats.js";

/** The environment of a GitHub Actions step (process.env in production). */
export type ActionEnv = Record<string, string | undefined>;

export interface RunActionOptions {
  /** Octokit class for Probot (tests turn retries and throttling off). */
  Octokit?: typeof ProbotOctokit;
  /** Logger; by default modelgate's JSON logger (createLog) at LOG_LEVEL (default info) on stdout. */
  log?: Logger;
  clock?: Clock;
  /** How rate limits are waited out (tests record the waits instead of sleeping). */
  rateLimitWaits?: RateLimitWaitOptions;
}

/** Why the App's own credentials are needed, said with every missing one. */
const CREDENTIALS_WHY =
  "modelgate runs as its GitHub App: set the App's id and private key (inputs app-id and private-key, from secrets). " +
  "GITHUB_TOKEN cannot read organisation team membership nor act as the App.";

type Payload = Record<string, unknown> & { action?: unknown; installation?: unknown };

/**
 * Runs modelgate once for the event of a GitHub Actions job: the event JSON is the webhook
 * payload, authenticated as the App (APP_ID, PRIVATE_KEY). Actions payloads carry no
 * installation, so the repository's installation is looked up with the App's JWT.
 * An event modelgate does not handle does nothing; any failure is thrown (the job fails).
 */
export async function runAction(env: ActionEnv, options: RunActionOptions = {}): Promise<void> {
  const eventName = required(
    env,
    "GITHUB_EVENT_NAME",
    "the name of the event that started the workflow (set by GitHub Actions)",
  );
  const eventPath = required(env, "GITHUB_EVENT_PATH", "the file holding the event payload (set by GitHub Actions)");
  const credentials = appCredentials(env);
  const name = webhookName(eventName);
  const payload = await readEventPayload(eventPath);

  const handled = new Set<string>();
  const probot = new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    log: options.log ?? (await createLog({ LOG_LEVEL: env.LOG_LEVEL, LOG_FORMAT: "json" })),
    ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
  });
  await probot.load(
    recordingHandledEvents(
      modelgate({
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.rateLimitWaits ? { rateLimitWaits: options.rateLimitWaits } : {}),
        markerKey: markerKeyFromPrivateKey(credentials.privateKey),
      }),
      handled,
    ),
  );

  const action = typeof payload.action === "string" ? payload.action : undefined;
  if (!isHandled(handled, name, action)) {
    probot.log.info(
      { event: eventName, action: action ?? null },
      "modelgate does not handle this event: nothing to do",
    );
    return;
  }

  if (!hasInstallation(payload)) {
    const id = await repositoryInstallation(
      probot,
      required(env, "GITHUB_REPOSITORY", "the owner/name of the repository (set by GitHub Actions)"),
      credentials.appId,
    );
    payload.installation = { id };
  }
  // the job's checkout (actions/checkout with lfs: true) holds the LFS objects the format scan reads (docs/supply-chain.md)
  const workspace = env.GITHUB_WORKSPACE?.trim();
  scanLocalFormatsWith(
    workspace ? (policy, changes, head) => localLfsFormatFacts(workspace, policy, changes, head) : undefined,
  );
  const delivery = env.GITHUB_RUN_ID ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? "1"}` : randomUUID();
  try {
    await probot.receive({ id: delivery, name, payload } as Parameters<Probot["receive"]>[0]);
  } finally {
    scanLocalFormatsWith(undefined);
  }
}

function required(env: ActionEnv, variable: string, what: string): string {
  const value = env[variable]?.trim();
  if (!value) throw new Error(`${variable} is not set: it must hold ${what}`);
  return value;
}

/** APP_ID and PRIVATE_KEY, checked together so one run names every missing variable. */
function appCredentials(env: ActionEnv): { appId: number; privateKey: string } {
  const missing = ["APP_ID", "PRIVATE_KEY"].filter((variable) => !env[variable]?.trim());
  if (missing.length > 0)
    throw new Error(`${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set. ${CREDENTIALS_WHY}`);
  const appIdText = (env.APP_ID ?? "").trim();
  if (!/^[1-9][0-9]*$/.test(appIdText))
    throw new Error(
      `APP_ID must be the numeric id of the GitHub App (its settings page shows "App ID"), not "${appIdText}"`,
    );
  // secrets often keep the PEM on one line with literal \n
  const privateKey = (env.PRIVATE_KEY ?? "").trim().replace(/\\n/g, "\n").replace(/\r\n/g, "\n");
  // never echo the key: it would end up in the job log
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----$/.test(privateKey)) {
    throw new Error(
      "PRIVATE_KEY is not a PEM private key: paste the whole .pem file the App's settings page generated, from -----BEGIN to -----END",
    );
  }
  return { appId: Number(appIdText), privateKey };
}

/** The webhook a workflow event is: `pull_request_target` carries the `pull_request` payload, run from the base branch. */
function webhookName(eventName: string): string {
  return eventName === "pull_request_target" ? "pull_request" : eventName;
}

async function readEventPayload(path: string): Promise<Payload> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the event payload ${path} (GITHUB_EVENT_PATH): ${(error as Error).message}`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the event payload ${path} (GITHUB_EVENT_PATH) is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`the event payload ${path} (GITHUB_EVENT_PATH) is not a JSON object`);
  return value as Payload;
}

/** Loads the app while noting every event name it registers, so unhandled events cost no request. */
function hasInstallation(payload: Payload): boolean {
  const installation = payload.installation as { id?: unknown } | null | undefined;
  return typeof installation?.id === "number";
}

/** `GET /repos/{owner}/{repo}/installation` with the App's JWT. */
async function repositoryInstallation(probot: Probot, repository: string, appId: number): Promise<number> {
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0) throw new Error(`GITHUB_REPOSITORY must be owner/name, not "${repository}"`);
  const appOctokit = await probot.auth();
  try {
    const { data } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo });
    return data.id;
  } catch (error) {
    if (httpStatus(error) === 404)
      throw new Error(
        `the GitHub App ${appId} (APP_ID) is not installed on ${owner}/${repo}: install it on the repository, or check APP_ID`,
        { cause: error },
      );
    if (httpStatus(error) === 401)
      throw new Error(
        `GitHub refused the App's credentials (401) while looking up its installation on ${owner}/${repo}: check that APP_ID and PRIVATE_KEY belong to the same App`,
        { cause: error },
      );
    throw new Error(`could not look up the App's installation on ${owner}/${repo}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
