import type { IncomingMessage, ServerResponse } from "node:http";
import { metricsRegistry } from "../metrics.js";

/**
 * GET /health: the process is alive and serving, and its database has not been unusable for longer than the bound
 * (for a liveness probe or Docker's HEALTHCHECK: a server whose database stays dead is restarted).
 * GET /ready: and its database commits a write right now — send it traffic (for a readiness probe / load balancer).
 * GET /metrics: Prometheus text format (docs/operations.md, "Metrics").
 */
export function operationsHandler(
  runtime: { ready(): Promise<boolean>; alive(): boolean } | undefined,
  state: { stopping: boolean },
) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/health") {
      if (!state.stopping && runtime !== undefined && !runtime.alive())
        reply(response, 503, { status: "database unusable" });
      else reply(response, 200, { status: state.stopping ? "stopping" : "ok" });
      return true;
    }
    if (path === "/ready") {
      const ready = !state.stopping && runtime !== undefined && (await runtime.ready());
      let status = "database unusable";
      if (ready) status = "ready";
      else if (state.stopping) status = "stopping";
      reply(response, ready ? 200 : 503, { status });
      return true;
    }
    if (path === "/metrics") {
      const text = await metricsRegistry.metrics();
      response.writeHead(200, { "content-type": metricsRegistry.contentType }).end(text);
      return true;
    }
    return false;
  };
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
