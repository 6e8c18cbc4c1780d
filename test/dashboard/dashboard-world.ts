/**
 * The dashboard's world for its stories: a fake GitHub (fake-github.ts), the server's dashboard handler on
 * 127.0.0.1 over the test's real Postgres, an inventory of three repositories (one private to alice), and a
 * browser-like client with a cookie jar that signs in through the OAuth web flow.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { pino } from "pino";
import type { InventoryStore } from "../../src/store/inventory-store.js";
import { postgresInventoryStore } from "../../src/store/inventory-store.js";
import { dashboardHandler } from "../../src/server/dashboard.js";
import { emptyInventory } from "../helpers/inventory.js";
import { APP_ID, CLIENT_ID, CLIENT_SECRET, FakeGitHub } from "./fake-github.js";

export const NOW = new Date("2026-12-07T12:00:00Z");
export const PUBLIC_REPO = { id: 101, fullName: "acme/fraud-models", installationId: 11 };
export const PRIVATE_REPO = { id: 987654, fullName: "acme/secret-models", installationId: 11 };
export const SHADOW_REPO = { id: 303, fullName: "acme/notebooks", installationId: 11 };

const DIGEST = (n: number) => `sha256:${String(n).padStart(64, "0")}`;

/** Empties the dashboard's tables (test/helpers/database.ts empties the others). */
export async function emptyDashboard(pool: pg.Pool): Promise<void> {
  await pool.query(
    "TRUNCATE modelgate.dashboard_sessions, modelgate.dashboard_oauth_states, modelgate.dashboard_access",
  );
  await emptyInventory(pool);
}

/**
 * acme/fraud-models (public): fraud-detector (evaluated, in production, awaiting nobody), churn (not evaluated,
 * awaiting the security lead), legacy-scorer (decommissioned, disposal open).
 * acme/secret-models (private, only alice reads it): secret-llm (evaluation expiring in 10 days, failing PR gate).
 * acme/notebooks (no policy): an unmanaged weights file.
 */
export async function seedInventory(inventory: InventoryStore): Promise<void> {
  const at = new Date("2026-12-07T06:00:00Z");
  const repository = (r: typeof PUBLIC_REPO, isPrivate: boolean, hasPolicy: boolean) => ({
    installationId: r.installationId,
    repositoryId: r.id,
    fullName: r.fullName,
    private: isPrivate,
    defaultBranch: "main",
    headSha: "a".repeat(40),
    hasPolicy,
    policyProblem: null,
    manifestProblems: [],
  });
  await inventory.replaceRepository(
    {
      repository: repository(PUBLIC_REPO, false, true),
      models: [
        {
          name: "fraud-detector",
          version: "2.1.0",
          digest: DIGEST(1),
          status: "active",
          manifestPath: "models/fraud/model.yaml",
          standing: {
            evaluation: { result: "pass", date: "2026-11-20", expiresAt: "2027-02-18T00:00:00.000Z" },
            endOfLife: null,
          },
        },
        {
          name: "churn",
          version: "0.3.0",
          digest: DIGEST(2),
          status: "active",
          manifestPath: "models/churn/model.yaml",
          standing: { evaluation: null, endOfLife: null },
        },
        {
          name: "legacy-scorer",
          version: "1.0.0",
          digest: DIGEST(3),
          status: "decommissioned",
          manifestPath: "models/legacy/model.yaml",
          standing: {
            evaluation: { result: "pass", date: "2026-06-01", expiresAt: "2026-08-30T00:00:00.000Z" },
            endOfLife: {
              url: "https://github.com/acme/fraud-models/issues/9",
              state: "open",
              itemsDone: 1,
              itemsTotal: 3,
            },
          },
        },
      ],
      unmanaged: [],
    },
    at,
  );
  await inventory.replaceRepository(
    {
      repository: repository(PRIVATE_REPO, true, true),
      models: [
        {
          name: "secret-llm",
          version: "5.0.0",
          digest: DIGEST(4),
          status: "active",
          manifestPath: "llm/model.yaml",
          standing: {
            evaluation: { result: "pass", date: "2026-09-18", expiresAt: "2026-12-17T00:00:00.000Z" },
            endOfLife: null,
          },
        },
      ],
      unmanaged: [
        {
          path: "llm/secret-draft.safetensors",
          kind: "artifact",
          reason: "a .safetensors file no manifest declares",
          evidence: { kind: "artifact", glob: "**/*.safetensors" },
        },
      ],
    },
    at,
  );
  await inventory.replaceRepository(
    {
      repository: repository(SHADOW_REPO, false, false),
      models: [],
      unmanaged: [
        {
          path: 'experiments/=HYPERLINK("http://evil")/model.pt',
          kind: "artifact",
          reason: "a .pt file no manifest declares",
          evidence: { kind: "artifact", glob: "**/*.pt" },
        },
      ],
    },
    at,
  );
  await inventory.recordDecision({
    repositoryId: PUBLIC_REPO.id,
    model: "fraud-detector",
    digest: DIGEST(1),
    version: "2.1.0",
    signOffs: [{ role: "security-lead", login: "carol", at: "2026-11-21T10:00:00Z" }],
    awaitingRoles: [],
    gate: "deployment",
    decision: {
      environment: "Production",
      answer: "approved",
      url: "https://github.com/acme/fraud-models/runs/77",
      sha: "b".repeat(40),
      decidedAt: "2026-11-22T09:00:00Z",
    },
  });
  await inventory.recordDecision({
    repositoryId: PUBLIC_REPO.id,
    model: "churn",
    digest: DIGEST(2),
    version: "0.3.0",
    signOffs: [],
    awaitingRoles: ["security-lead"],
    gate: "pull_request",
    decision: {
      conclusion: "action_required",
      url: "https://github.com/acme/fraud-models/runs/78",
      headSha: "c".repeat(40),
      number: 42,
      decidedAt: "2026-12-01T09:00:00Z",
    },
  });
  await inventory.recordDecision({
    repositoryId: PRIVATE_REPO.id,
    model: "secret-llm",
    digest: DIGEST(4),
    version: "5.0.0",
    signOffs: [],
    awaitingRoles: [],
    gate: "pull_request",
    decision: {
      conclusion: "failure",
      url: "https://github.com/acme/secret-models/runs/79",
      headSha: "d".repeat(40),
      number: 7,
      decidedAt: "2026-12-02T09:00:00Z",
    },
  });
}

export interface DashboardInstance {
  url: string;
  pool: pg.Pool;
  stop(): Promise<void>;
}

/** One app instance: the dashboard handler on its own port and its own pool on the test database. */
export async function startDashboard(
  github: FakeGitHub,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<DashboardInstance> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  const handle = dashboardHandler({
    env: {
      APP_ID: String(APP_ID),
      GITHUB_CLIENT_ID: CLIENT_ID,
      GITHUB_CLIENT_SECRET: CLIENT_SECRET,
      ...github.env,
      ...env,
    },
    pool,
    log: pino({ level: "silent" }),
    now: () => NOW,
  });
  const server: Server = createServer((request, response) => {
    void handle(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end("not the dashboard");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pool,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

export function inventoryOn(pool: pg.Pool): InventoryStore {
  return postgresInventoryStore(pool);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  setCookies: string[];
}

/** A browser-ish client: keeps cookies (by name), follows nothing by itself, sends Origin on POST like a browser. */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(public base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request("GET", path, undefined, headers);
  }

  /** A form POST from this site's own page (Origin = the site), unless headers say otherwise. */
  async post(
    path: string,
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form))
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    return this.request("POST", path, body.toString(), {
      origin: this.base,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    });
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(new URL(path, this.base), {
      method,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, text: await response.text(), setCookies };
  }

  /** Starts the sign-in: the state GitHub would be sent, and the authorize URL. */
  async startSignIn(): Promise<{ state: string; authorize: URL }> {
    const answer = await this.get("/dashboard/auth/login");
    if (answer.status !== 302) throw new Error(`the sign-in did not redirect: ${answer.status}`);
    const authorize = new URL(answer.headers.get("location")!);
    return { state: authorize.searchParams.get("state")!, authorize };
  }

  /** The whole sign-in as `login` (GitHub authorises at once). */
  async signIn(github: FakeGitHub, login: string): Promise<Answer> {
    const { state } = await this.startSignIn();
    return this.get(`/dashboard/auth/callback?code=${github.authorize(login)}&state=${state}`);
  }

  /** The session's CSRF token, as the page's forms carry it. */
  async csrfToken(): Promise<string> {
    const page = await this.get("/dashboard");
    const match = /name="csrf" value="([^"]+)"/.exec(page.text);
    if (!match) throw new Error(`no CSRF token on the page (status ${page.status})`);
    return match[1]!;
  }
}
