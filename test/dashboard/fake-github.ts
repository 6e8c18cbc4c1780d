/**
 * A fake GitHub on 127.0.0.1 for the dashboard's stories: the App's user authorisation (the authorize page, the code
 * exchange) and the user endpoints the access rule reads, with each user's installations and repositories. It is
 * reached as a GitHub Enterprise Server (GHE_HOST, GHE_PROTOCOL=http), as the app reaches any GitHub.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const CLIENT_ID = "Iv1.dashboardtest";
export const CLIENT_SECRET = "dashboard-test-client-secret";
export const APP_ID = 4242;

export interface FakeUser {
  id: number;
  login: string;
  /** The repositories this user can read, per installation of the App. */
  repositories: Array<{ id: number; fullName: string; installationId: number }>;
}

export interface FakeRequest {
  method: string;
  path: string;
  authorization?: string;
}

export class FakeGitHub {
  readonly users = new Map<string, FakeUser>();
  readonly requests: FakeRequest[] = [];
  /** Where the App's registration sends the browser back (the dashboard's callback). */
  callbackUrl = "";
  /** Installations of another App the users can reach: never to be counted. */
  foreignInstallations: Array<{ id: number; repositories: Array<{ id: number; fullName: string }> }> = [];
  private readonly codes = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** GHE_HOST and GHE_PROTOCOL that point the app here. */
  get env(): Record<string, string> {
    return { GHE_HOST: this.url.replace("http://", ""), GHE_PROTOCOL: "http" };
  }

  addUser(user: FakeUser): void {
    this.users.set(user.login, user);
  }

  /** What GitHub does when `login` clicks "Authorize": a one-time code for the callback. */
  authorize(login: string): string {
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, login);
    return code;
  }

  /** A user token, as a user would get one for the API. */
  tokenFor(login: string): string {
    const token = `ghu_${randomBytes(12).toString("hex")}`;
    this.tokens.set(token, login);
    return token;
  }

  /** The user revoked the App's authorisation: every token of theirs stops working. */
  revokeTokensOf(login: string): void {
    for (const [token, owner] of this.tokens) if (owner === login) this.tokens.delete(token);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.url);
    this.requests.push({
      method: request.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    });
    if (url.pathname === "/login/oauth/authorize") return this.authorizePage(url, response);
    if (url.pathname === "/login/oauth/access_token" && request.method === "POST") {
      const form = new URLSearchParams(await body(request));
      const login = this.codes.get(form.get("code") ?? "");
      if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET)
        return json(response, 200, { error: "incorrect_client_credentials" });
      if (!login) return json(response, 200, { error: "bad_verification_code" });
      this.codes.delete(form.get("code")!);
      return json(response, 200, { access_token: this.tokenFor(login), token_type: "bearer", expires_in: 28800 });
    }
    const user = this.tokens.get((request.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (url.pathname.startsWith("/api/v3/") && !user) return json(response, 401, { message: "Bad credentials" });
    const person = this.users.get(user ?? "");
    if (!person) return json(response, 404, { message: "Not Found" });
    if (url.pathname === "/api/v3/user") return json(response, 200, { id: person.id, login: person.login });
    if (url.pathname === "/api/v3/user/installations") {
      const own = [...new Set(person.repositories.map((r) => r.installationId))].map((id) => ({ id, app_id: APP_ID }));
      const foreign = this.foreignInstallations.map((i) => ({ id: i.id, app_id: APP_ID + 1 }));
      const installations = [...own, ...foreign];
      return json(response, 200, { total_count: installations.length, installations });
    }
    const listing = /^\/api\/v3\/user\/installations\/(\d+)\/repositories$/.exec(url.pathname);
    if (listing) {
      const id = Number(listing[1]);
      const foreign = this.foreignInstallations.find((i) => i.id === id);
      const repositories = (
        foreign ? foreign.repositories : person.repositories.filter((r) => r.installationId === id)
      ).map((r) => ({ id: r.id, full_name: r.fullName }));
      // 100 per page, as GitHub pages
      const page = Number(url.searchParams.get("page") ?? "1");
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      return json(response, 200, {
        total_count: repositories.length,
        repositories: repositories.slice((page - 1) * perPage, page * perPage),
      });
    }
    json(response, 404, { message: "Not Found" });
  }

  /** GitHub's authorize page: one "Authorize" link per known user (the browser test picks one). */
  private authorizePage(url: URL, response: ServerResponse): void {
    const state = url.searchParams.get("state") ?? "";
    const valid = url.searchParams.get("client_id") === CLIENT_ID;
    const links = [...this.users.values()]
      .map((user) => {
        const callback = new URL(url.searchParams.get("redirect_uri") ?? this.callbackUrl);
        callback.searchParams.set("code", this.authorize(user.login));
        callback.searchParams.set("state", state);
        return `<li><a href="${callback.toString().replace(/&/g, "&amp;")}">Authorize modelgate as ${user.login}</a></li>`;
      })
      .join("");
    response.writeHead(valid ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    response.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize modelgate</title></head><body><h1>Authorize modelgate</h1><ul>${links}</ul></body></html>`,
    );
  }
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}
