import { getPrivateKey } from "@probot/get-private-key";
import type { Logger } from "pino";
import { Probot, Server } from "probot";
import { createLog } from "../log.js";
import { modelgateServer, type ServerState } from "./app.js";
import {
  DEFAULT_HTTP_PORT,
  readDotEnv,
  resolveEnvironment,
  settingsProblem,
  startupSummary,
  type Environment,
} from "./settings.js";

/** The settings cannot run: the server refuses to start, and the message says why and what to do. */
export class SettingsError extends Error {}

export interface StartedServer {
  /** The variables the server runs with (the environment, completed from .env). */
  env: Environment;
  log: Logger;
  state: ServerState;
  /**
   * Stops within `timeoutMs` whatever GitHub does: no new delivery, the running ones get what the bound allows,
   * the rest stays in the queue (docs/operations.md, "Start and stop").
   */
  stop(timeoutMs: number): Promise<{ unfinished: number }>;
}

/**
 * What `npm start` runs: the settings (the environment wins over .env), a refusal when they cannot run, the start
 * log naming the database and port chosen, then Probot's HTTP server with modelgate's app. Never Probot's own setup
 * mode: `npm run setup` registers the App.
 */
export async function startServer(options: {
  processEnv: Environment;
  cwd: string;
  /** Also set .env's values in process.env, for the libraries that read it (pg's PG* variables). */
  exportToProcessEnv?: boolean;
}): Promise<StartedServer> {
  const resolved = resolveEnvironment(options.processEnv, readDotEnv(options.cwd));
  const { env } = resolved;
  const problem = settingsProblem(env);
  if (problem) throw new SettingsError(problem);
  if (options.exportToProcessEnv) {
    for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
  }
  // modelgate's log: JSON in production, and a failing delivery logs its id, never its whole payload (docs/operations.md)
  const log = await createLog(env);
  const summary = startupSummary(resolved, options.cwd);
  log.info(summary.fields, summary.message);

  const state: ServerState = { stopping: false };
  const server = new Server({
    cwd: options.cwd,
    host: env.HOST || "localhost",
    port: Number(env.PORT) || DEFAULT_HTTP_PORT,
    webhookPath: env.WEBHOOK_PATH || undefined,
    webhookProxy: env.WEBHOOK_PROXY_URL || undefined,
    log,
    Probot: Probot.defaults({
      appId: env.APP_ID,
      privateKey: getPrivateKey({ env }) ?? undefined,
      secret: env.WEBHOOK_SECRET,
      baseUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : "https://api.github.com",
      log,
    }),
  });
  await server.load(modelgateServer(state, { env }));
  const http = await server.start();

  return {
    env,
    log,
    state,
    stop: async (timeoutMs) => {
      state.stopping = true;
      // the signal may have reached the embedded Postgres too (a process group's): its going away is expected now
      state.runtime?.beginStop();
      const deadline = Date.now() + timeoutMs;
      // a request still open when the bound is over is cut: its delivery is redelivered (a 5xx to GitHub)
      const cut = setTimeout(() => http.closeAllConnections(), timeoutMs);
      try {
        await Promise.race([server.stop().catch(() => undefined), sleep(timeoutMs)]);
        return (await state.runtime?.stop(Math.max(0, deadline - Date.now()))) ?? { unfinished: 0 };
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** A wait that does not keep the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
