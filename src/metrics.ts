import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The Prometheus metrics of one modelgate process, served on /metrics (docs/operations.md,
 * "Metrics"). One registry per process: the metrics describe the process that serves them.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: "modelgate_" });

export const deliveriesReceived = new Counter({
  name: "modelgate_webhook_deliveries_total",
  help: "Webhook deliveries answered, by event and outcome (stored, redelivered: a failed one stored again, duplicate: already stored, ignored: an event modelgate does not handle, failed: could not be stored)",
  labelNames: ["event", "outcome"] as const,
  registers: [metricsRegistry],
});

export const deliveriesProcessed = new Counter({
  name: "modelgate_deliveries_processed_total",
  help: "Stored deliveries run from the queue, by event and outcome (completed, retry: failed and will run again, failed: retries exhausted)",
  labelNames: ["event", "outcome"] as const,
  registers: [metricsRegistry],
});

export const deliveryDuration = new Histogram({
  name: "modelgate_delivery_duration_seconds",
  help: "Time to run one stored delivery (all its evaluations), by event",
  labelNames: ["event"] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers: [metricsRegistry],
});

export const evaluations = new Counter({
  name: "modelgate_evaluations_total",
  help: "Evaluations whose decision was logged (their check run written or tried), by kind (pull_request, release) and verdict",
  labelNames: ["kind", "verdict"] as const,
  registers: [metricsRegistry],
});

export const evaluationDuration = new Histogram({
  name: "modelgate_evaluation_duration_seconds",
  help: "Time to evaluate one pull-request head and write its check run (after its lock was taken)",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

export const githubRequests = new Counter({
  name: "modelgate_github_requests_total",
  help: "Requests sent to GitHub, by kind (read, write) and HTTP status (0: no answer)",
  labelNames: ["kind", "status"] as const,
  registers: [metricsRegistry],
});

export const githubRateLimitRemaining = new Gauge({
  name: "modelgate_github_rate_limit_remaining",
  help: "x-ratelimit-remaining of GitHub's last answer, per installation (app: the App's own JWT requests) and resource",
  labelNames: ["installation", "resource"] as const,
  registers: [metricsRegistry],
});

export const githubWaits = new Counter({
  name: "modelgate_github_rate_limit_waits_total",
  help: "Times a request waited out a rate limit (secondary or primary) before it was sent again",
  labelNames: ["limit"] as const,
  registers: [metricsRegistry],
});
