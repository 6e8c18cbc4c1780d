/**
 * `npm start`: the modelgate server. The environment wins over .env; without the App's credentials it refuses to
 * start and points at `npm run setup`. Webhooks are verified, stored in Postgres and answered; a worker runs them
 * from the queue (server/runtime.ts). SIGTERM or SIGINT: stop answering, let running deliveries finish, exit — all
 * within MODELGATE_SHUTDOWN_SECONDS, whatever GitHub does.
 */
import { SettingsError, startServer, type StartedServer } from "./start.js";

let server: StartedServer;
try {
  server = await startServer({ processEnv: process.env, cwd: process.cwd(), exportToProcessEnv: true });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(2);
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const seconds = Number(server.env.MODELGATE_SHUTDOWN_SECONDS ?? "20");
  const timeoutMs = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 20) * 1000;
  const { log } = server;
  log.info({ signal, timeout_ms: timeoutMs }, "modelgate is stopping: no new deliveries, finishing the running ones");
  // the last word on the bound: whatever still waits then (a GitHub that never answers) is left to the queue
  setTimeout(() => {
    log.warn(
      { timeout_ms: timeoutMs },
      "modelgate stopped at the end of its bound: unfinished work stays in the queue",
    );
    process.exit(0);
  }, timeoutMs + 500).unref();
  try {
    const result = await server.stop(timeoutMs);
    log.info({ unfinished: result.unfinished }, "modelgate stopped");
    process.exit(0);
  } catch (error) {
    log.error({ reason: (error as Error).message }, "modelgate could not stop cleanly");
    process.exit(1);
  }
}
