/**
 * A GitHub-like API on 127.0.0.1 for the durability and throughput bench: just enough REST and
 * GraphQL for modelgate to evaluate pull requests that change no model (policy, compare, trees,
 * reviews, check runs), the App endpoints recovery uses (deliveries and redeliveries,
 * installations and their repositories, open pull requests, releases, refs), and the webhook
 * sender itself: it signs and sends deliveries to the server and records each attempt, as
 * GitHub does, so a redelivery request sends the same GUID again.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pullRequestEvent } from "../test/fixtures/payloads/index.js";
import { commitSha, gitBlobSha } from "../test/fixtures/git-objects.js";

export interface FakePullRequest {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  headSha: string;
}

interface CheckRun {
  id: number;
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  conclusion: string;
  title: string;
  externalId: string | null;
}

/** How GitHub is down during an outage: connections refused (nothing listens), or every request answered 502. */
export type OutageKind = "refuse" | "502";

interface Attempt {
  id: number;
  guid: string;
  deliveredAt: string;
  statusCode: number;
  event: string;
  body: string;
  latencyMs: number;
}

export const BENCH_BASE = commitSha("bench base");
const README_BASE = "# Models\n";

export class FakeGitHub {
  readonly pulls: FakePullRequest[] = [];
  readonly checkRuns: CheckRun[] = [];
  /** Creations per owner/repo@head: a head with two is a duplicate check run. */
  readonly creations = new Map<string, number>();
  readonly attempts: Attempt[] = [];
  readonly unknown: string[] = [];
  /** When each write (non-GET, GraphQL queries aside) of each installation arrived, in ms. */
  readonly writeTimes = new Map<string, number[]>();
  requests = 0;
  /** "METHOD /path" of every request, in order (the bench waits for the server's start-up jobs with it). */
  readonly requestLines: string[] = [];
  /** Heads that were ever shown a "Could not evaluate" by this app's modelgate run. */
  readonly couldNotEvaluateHeads = new Set<string>();
  private server: Server | undefined;
  private port = 0;
  private outage: OutageKind | undefined;
  private nextId = 1;
  webhookUrl = "";

  constructor(readonly secret: string) {}

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `127.0.0.1:${address?.port ?? 0}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** GitHub goes down until endOutage(); the webhook sender (this.deliver) keeps working, as it is another service. */
  async beginOutage(kind: OutageKind): Promise<void> {
    this.outage = kind;
    if (kind !== "refuse") return;
    const closed = new Promise((resolve) => this.server?.close(resolve));
    this.server?.closeAllConnections();
    await closed;
  }

  async endOutage(): Promise<void> {
    const kind = this.outage;
    this.outage = undefined;
    // the same port again: the server under test knows GitHub by its address
    if (kind === "refuse") await this.start();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    if (this.server?.listening) await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Pull requests of one installation's repository `acme{installation}/models`, each with its own head. */
  addPullRequests(installationId: number, count: number): FakePullRequest[] {
    const added: FakePullRequest[] = [];
    for (let i = 0; i < count; i++) {
      const number = this.pulls.filter((p) => p.installationId === installationId).length + 1;
      const pr = {
        installationId,
        owner: `acme${installationId}`,
        repo: "models",
        number,
        headSha: commitSha(`bench head ${installationId}/${number}`),
      };
      this.pulls.push(pr);
      added.push(pr);
    }
    return added;
  }

  /** The pull_request.opened delivery of a pull request, as GitHub would send it. */
  openedEvent(pr: FakePullRequest): ReturnType<typeof pullRequestEvent> {
    const event = pullRequestEvent(
      "opened",
      { number: pr.number, author: "dana", baseRef: "main", baseSha: BENCH_BASE, headSha: pr.headSha },
      pr.installationId,
    );
    event.payload.repository.name = pr.repo;
    event.payload.repository.full_name = `${pr.owner}/${pr.repo}`;
    event.payload.repository.owner.login = pr.owner;
    return event;
  }

  /** Sends a delivery to `url` (the server's webhook path) and records the attempt, like GitHub. */
  async deliver(
    url: string,
    event: { name: string; payload: unknown },
    guid: string,
    body = JSON.stringify(event.payload),
  ): Promise<Attempt> {
    const started = performance.now();
    const attempt: Attempt = {
      id: this.nextId++,
      guid,
      deliveredAt: new Date().toISOString(),
      statusCode: 0,
      event: event.name,
      body,
      latencyMs: 0,
    };
    this.attempts.push(attempt);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event.name,
          "x-github-delivery": guid,
          "x-hub-signature-256": `sha256=${createHmac("sha256", this.secret).update(body).digest("hex")}`,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      attempt.statusCode = response.status;
    } catch {
      attempt.statusCode = 0;
    }
    attempt.latencyMs = performance.now() - started;
    return attempt;
  }

  completedHeads(): Set<string> {
    return new Set(
      this.checkRuns.filter((r) => r.name === "modelgate").map((r) => `${r.owner}/${r.repo}@${r.headSha}`),
    );
  }

  /** The latest modelgate run of each head that has one: its conclusion and title. */
  latestRuns(): Map<string, { conclusion: string; title: string }> {
    const latest = new Map<string, { conclusion: string; title: string }>();
    for (const run of this.checkRuns)
      if (run.name === "modelgate")
        latest.set(`${run.owner}/${run.repo}@${run.headSha}`, { conclusion: run.conclusion, title: run.title });
    return latest;
  }

  /** The shortest time between two writes of one installation (GitHub asks for at least a second). */
  minWriteGapMs(): number {
    let min = Infinity;
    for (const times of this.writeTimes.values())
      for (let i = 1; i < times.length; i++) min = Math.min(min, times[i]! - times[i - 1]!);
    return min;
  }

  /** Every write's gap to the previous write of its installation, as they arrived here (ms). */
  writeGaps(): number[] {
    const gaps: number[] = [];
    for (const times of this.writeTimes.values())
      for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
    return gaps;
  }

  duplicateHeads(): string[] {
    return [...this.creations].filter(([, count]) => count > 1).map(([head]) => head);
  }

  private noteCouldNotEvaluate(run: CheckRun): void {
    if (run.name === "modelgate" && run.title.startsWith("Could not evaluate"))
      this.couldNotEvaluateHeads.add(`${run.owner}/${run.repo}@${run.headSha}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const body = await readBody(req);
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "content-type": "application/json",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-resource": "core",
        ...headers,
      });
      res.end(data === undefined ? "" : JSON.stringify(data));
    };
    const method = req.method ?? "GET";
    this.requestLines.push(`${method} ${path}`);
    if (this.outage === "502") return send(502, { message: "Server Error" });
    let match: RegExpMatchArray | null;
    const installation = /ghs_bench_(\d+)/.exec(String(req.headers.authorization))?.[1];
    if (installation && method !== "GET" && !path.endsWith("/graphql"))
      this.writeTimes.set(installation, [...(this.writeTimes.get(installation) ?? []), performance.now()]);

    if (method === "POST" && (match = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      return send(201, {
        token: `ghs_bench_${match[1]}`,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
        repository_selection: "all",
      });
    }
    if (method === "GET" && path === "/app/installations") {
      const ids = [...new Set(this.pulls.map((p) => p.installationId))];
      return send(
        200,
        ids.map((id) => ({ id, created_at: "2026-01-01T00:00:00Z", suspended_at: null })),
      );
    }
    if (method === "GET" && path === "/installation/repositories") {
      const installation = Number(/ghs_bench_(\d+)/.exec(String(req.headers.authorization))?.[1]);
      const owners = [...new Set(this.pulls.filter((p) => p.installationId === installation).map((p) => p.owner))];
      return send(200, {
        total_count: owners.length,
        repositories: owners.map((owner) => ({
          name: "models",
          owner: { login: owner },
          default_branch: "main",
          html_url: `https://github.test/${owner}/models`,
        })),
      });
    }
    if (method === "GET" && path === "/app/hook/deliveries") {
      const listed = [...this.attempts].reverse().map((a) => ({
        id: a.id,
        guid: a.guid,
        delivered_at: a.deliveredAt,
        status_code: a.statusCode,
        status: a.statusCode === 200 ? "OK" : "failed",
        event: a.event,
      }));
      return send(200, listed);
    }
    if (method === "POST" && (match = path.match(/^\/app\/hook\/deliveries\/(\d+)\/attempts$/))) {
      const attempt = this.attempts.find((a) => a.id === Number(match![1]));
      if (!attempt) return send(404, { message: "Not Found" });
      // GitHub accepts the request and redelivers on its own
      setTimeout(
        () =>
          void this.deliver(
            this.webhookUrl,
            { name: attempt.event, payload: JSON.parse(attempt.body) },
            attempt.guid,
            attempt.body,
          ),
        10,
      );
      return send(202, {});
    }
    if (method === "POST" && path === "/api/graphql")
      return send(200, { data: answerGraphql(JSON.parse(body || "{}")) });
    if (method === "POST" && url.pathname === "/api/graphql")
      return send(200, { data: answerGraphql(JSON.parse(body || "{}")) });

    if ((match = path.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/))) {
      const [, owner = "", repo = "", rest = ""] = match;
      if (method === "GET" && rest.startsWith("/contents/")) return send(404, { message: "Not Found" });
      if (method === "GET" && rest.startsWith("/compare/"))
        return send(200, { merge_base_commit: { sha: BENCH_BASE }, files: [] });
      if (method === "GET" && (match = rest.match(/^\/git\/trees\/([0-9a-f]{40})$/))) {
        const readme = match[1] === BENCH_BASE ? README_BASE : `# Models\n\nChanged by ${match[1]}\n`;
        return send(200, {
          sha: match[1],
          truncated: false,
          tree: [
            {
              path: "README.md",
              mode: "100644",
              type: "blob",
              sha: gitBlobSha(readme),
              size: Buffer.byteLength(readme),
            },
          ],
        });
      }
      if (method === "GET" && rest === "/git/ref/heads/main")
        return send(200, { ref: "refs/heads/main", object: { sha: BENCH_BASE, type: "commit" } }, { etag: '"main"' });
      if (method === "GET" && rest === "/releases") return send(200, [], { etag: '"releases"' });
      if (method === "GET" && rest === "/pulls") {
        const open = this.pulls.filter((p) => p.owner === owner && p.repo === repo);
        const page = Number(url.searchParams.get("page") ?? "1");
        return send(200, page === 1 ? open.map((p) => ({ number: p.number, head: { sha: p.headSha } })) : []);
      }
      if (method === "GET" && (match = rest.match(/^\/pulls\/(\d+)$/))) {
        const pr = this.pulls.find((p) => p.owner === owner && p.repo === repo && p.number === Number(match![1]));
        if (!pr) return send(404, { message: "Not Found" });
        return send(200, this.openedEvent(pr).payload.pull_request);
      }
      if (method === "GET" && /^\/pulls\/\d+\/reviews$/.test(rest)) return send(200, []);
      if (method === "GET" && (match = rest.match(/^\/commits\/([^/]+)\/check-runs$/))) {
        const name = url.searchParams.get("check_name");
        const runs = this.checkRuns.filter(
          (r) => r.owner === owner && r.repo === repo && r.headSha === match![1] && (!name || r.name === name),
        );
        return send(200, {
          total_count: runs.length,
          check_runs: runs.map((r) => ({
            id: r.id,
            name: r.name,
            head_sha: r.headSha,
            status: "completed",
            conclusion: r.conclusion,
            external_id: r.externalId,
            output: { title: r.title, annotations_count: 0 },
            app: { id: 1 },
          })),
        });
      }
      if (method === "POST" && rest === "/check-runs") {
        const fields = JSON.parse(body) as CheckRunFields & { name: string; head_sha: string; conclusion: string };
        const run: CheckRun = {
          id: this.nextId++,
          owner,
          repo,
          headSha: fields.head_sha,
          name: fields.name,
          conclusion: fields.conclusion,
          title: fields.output?.title ?? "",
          externalId: fields.external_id ?? null,
        };
        this.checkRuns.push(run);
        this.noteCouldNotEvaluate(run);
        const key = `${owner}/${repo}@${fields.head_sha}`;
        this.creations.set(key, (this.creations.get(key) ?? 0) + 1);
        return send(201, { id: run.id, name: run.name });
      }
      if (method === "PATCH" && (match = rest.match(/^\/check-runs\/(\d+)$/))) {
        const run = this.checkRuns.find((r) => r.id === Number(match![1]));
        const fields = JSON.parse(body) as CheckRunFields;
        if (run) {
          run.conclusion = fields.conclusion ?? run.conclusion;
          run.title = fields.output?.title ?? run.title;
          run.externalId = fields.external_id ?? run.externalId;
          this.noteCouldNotEvaluate(run);
        }
        return send(200, { id: Number(match[1]) });
      }
    }
    this.unknown.push(`${method} ${url.pathname}${url.search}`);
    return send(404, { message: "Not Found" });
  }
}

interface CheckRunFields {
  conclusion?: string;
  external_id?: string;
  output?: { title?: string };
}

function answerGraphql(request: { query?: string }): Record<string, unknown> {
  const repository: Record<string, unknown> = {};
  for (const match of (request.query ?? "").matchAll(/(\w+):\s*object\(expression:\s*("(?:[^"\\]|\\.)*")\)/g)) {
    const expression = JSON.parse(match[2] ?? '""') as string;
    const sha = expression.slice(0, expression.indexOf(":"));
    const text = sha === BENCH_BASE ? README_BASE : `# Models\n\nChanged by ${sha}\n`;
    repository[match[1] ?? ""] = { text, byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false };
  }
  return { repository };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
