import type { ApplicationFunction } from "probot";
import { dashboardHandler } from "./dashboard.js";
import { operationsHandler } from "./operations.js";
import { startRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";

/** What the server's parts share: the runtime once started, and whether a shutdown began. */
export interface ServerState {
  stopping: boolean;
  runtime?: Runtime;
}

/**
 * The app the server's Probot loads: it starts the runtime (database, queue, worker), stores
 * every verified delivery modelgate handles — the webhook is answered only after that — and
 * serves /health, /ready and /metrics, and the dashboard. It runs no handler itself: the worker does, from the queue.
 */
export function modelgateServer(state: ServerState, options: Omit<RuntimeOptions, "log">): ApplicationFunction {
  return async (app, { addHandler }) => {
    const runtime = await startRuntime({ ...options, log: app.log });
    state.runtime = runtime;
    // the webhook middleware verified the signature first: a forged delivery never gets here (400)
    app.onAny(async (context) => {
      // a 500 makes GitHub record the delivery as failed; the redelivery job sends it again
      if (state.stopping) throw new Error("modelgate is shutting down: this delivery is redelivered later");
      try {
        await runtime.accept({ id: context.id, name: context.name, payload: context.payload });
      } catch (error) {
        // the answer goes to whoever sent the request: it names the delivery, never an address or a query; the log
        // has the cause (a database outage once, runtime.databaseFailed)
        if (!runtime.databaseFailed(error))
          app.log.error(
            { delivery: context.id, reason: (error as Error).message },
            "modelgate could not store a delivery",
          );
        // the cause stays in the log (Probot logs the error), never in the answer (only the message is sent)
        throw new Error(`modelgate could not store delivery ${context.id}; GitHub's redelivery sends it again`, {
          cause: error,
        });
      }
    });
    addHandler(operationsHandler(runtime, state));
    // /dashboard and /api/v1 (docs/dashboard.md): off, with its reason, without the App's client id and secret
    addHandler(dashboardHandler({ env: options.env, pool: runtime.database.pool, log: app.log }));
  };
}
