/**
 * `npm start`: the modelgate server. Without APP_ID and a private key it serves Probot's setup
 * page (register the App from its manifest). Otherwise webhooks are verified, stored in Postgres
 * and answered; a worker runs them from the queue (server/runtime.ts). SIGTERM or SIGINT:
 * stop answering, let running deliveries finish within MODELGATE_SHUTDOWN_SECONDS, exit.
 */
import { run } from "probot";
import { createLog } from "../log.js";
import { modelgateServer, type ServerState } from "./app.js";

const state: ServerState = { stopping: false };
// modelgate's log: JSON in production, and a failing delivery logs its id, never its whole payload (docs/operations.md)
const probotServer = await run(modelgateServer(state, { env: process.env }), { log: await createLog() });

// Probot's own SIGINT handler exits at once; modelgate finishes what it started first
process.removeAllListeners("SIGINT");
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void shutdown(signal));

async function shutdown(signal: string): Promise<void> {
  if (state.stopping) return;
  state.stopping = true;
  // the signal may have reached the embedded Postgres too (a process group's): its going away is expected now
  state.runtime?.beginStop();
  const seconds = Number(process.env.MODELGATE_SHUTDOWN_SECONDS ?? "20");
  const timeoutMs = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 20) * 1000;
  const log = state.runtime?.worker.log;
  log?.info({ signal, timeout_ms: timeoutMs }, "modelgate is stopping: no new deliveries, finishing the running ones");
  try {
    await probotServer.stop();
    const result = await state.runtime?.stop(timeoutMs);
    log?.info({ unfinished: result?.unfinished ?? 0 }, "modelgate stopped");
    process.exit(0);
  } catch (error) {
    log?.error({ reason: (error as Error).message }, "modelgate could not stop cleanly");
    process.exit(1);
  }
}
