/**
 * The dashboard's stories (docs/dashboard.md): sign in through a fake GitHub's OAuth web flow, filter, export, the
 * API, two users and a private repository, CSRF, sessions across a restart, logout. Real Postgres; the app is the
 * server's own dashboard handler on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { testDatabase, testDatabaseUrl } from "../helpers/database.js";
import { allowRequestsToThisMachine } from "../helpers/use-nock.js";
import {
  Client,
  emptyDashboard,
  inventoryOn,
  PRIVATE_REPO,
  PUBLIC_REPO,
  SHADOW_REPO,
  seedInventory,
  startDashboard,
  type DashboardInstance,
} from "./dashboard-world.js";
import { FakeGitHub } from "./fake-github.js";

allowRequestsToThisMachine();

let github: FakeGitHub;
let app: DashboardInstance;
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  const database = await testDatabase();
  await emptyDashboard(database.pool);
  github = await new FakeGitHub().start();
  stops.push(() => github.stop());
  github.addUser({ id: 1, login: "alice", repositories: [PUBLIC_REPO, PRIVATE_REPO, SHADOW_REPO] });
  github.addUser({ id: 2, login: "bob", repositories: [PUBLIC_REPO, SHADOW_REPO] });
  app = await instance();
  await seedInventory(inventoryOn(app.pool));
});

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

async function instance(env: Record<string, string> = {}): Promise<DashboardInstance> {
  const started = await startDashboard(github, await testDatabaseUrl(), env);
  github.callbackUrl = `${started.url}/dashboard/auth/callback`;
  stops.push(() => started.stop());
  return started;
}

async function signedIn(login: string, on: DashboardInstance = app): Promise<Client> {
  const client = new Client(on.url);
  const answer = await client.signIn(github, login);
  expect(answer.status).toBe(303);
  return client;
}

const SESSION = "__Host-modelgate-session";

describe("signing in", () => {
  test("sign in with GitHub: the state is checked, the code exchanged, and the session cookie is __Host-, HttpOnly, Secure and SameSite", async () => {
    const browser = new Client(app.url);
    const first = await browser.get("/dashboard");
    expect(first.status).toBe(200);
    expect(first.text).toContain('href="/dashboard/auth/login"');

    const { state, authorize } = await browser.startSignIn();
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe("Iv1.dashboardtest");
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.get("__Host-modelgate-oauth")).toBe(state);

    const callback = await browser.get(`/dashboard/auth/callback?code=${github.authorize("alice")}&state=${state}`);
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("/dashboard");
    const sessionCookie = callback.setCookies.find((c) => c.startsWith(`${SESSION}=`))!;
    expect(sessionCookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(sessionCookie).not.toMatch(/Domain=/i);
    expect(browser.cookies.has("__Host-modelgate-oauth")).toBe(false);

    const models = await browser.get("/dashboard");
    expect(models.status).toBe(200);
    expect(models.text).toContain("Signed in as <strong>alice</strong>");
    expect(models.text).toContain("secret-llm");
    expect(models.text).toContain("fraud-detector");
    // only the session's hash is stored, and the token only encrypted
    const { rows } = await app.pool.query<{ id_hash: string; token_box: Buffer }>(
      "SELECT id_hash, token_box FROM modelgate.dashboard_sessions",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).not.toBe(browser.cookies.get(SESSION));
    expect(rows[0]!.token_box.toString("latin1")).not.toContain("ghu_");
  });

  test("attack: a callback with a state this browser was not given (login CSRF) is refused and the code is never exchanged", async () => {
    const attacker = new Client(app.url);
    const { state } = await attacker.startSignIn();
    const victim = new Client(app.url);

    const answer = await victim.get(`/dashboard/auth/callback?code=${github.authorize("bob")}&state=${state}`);

    expect(answer.status).toBe(400);
    expect(answer.text).toContain("could not be verified");
    expect(victim.cookies.has(SESSION)).toBe(false);
    expect(github.requests.filter((r) => r.path === "/login/oauth/access_token")).toEqual([]);
  });

  test("attack: a replayed state (the same callback twice) is refused the second time", async () => {
    const browser = new Client(app.url);
    const { state } = await browser.startSignIn();
    const stateCookie = browser.cookies.get("__Host-modelgate-oauth")!;
    expect(
      (await browser.get(`/dashboard/auth/callback?code=${github.authorize("alice")}&state=${state}`)).status,
    ).toBe(303);

    const replay = new Client(app.url);
    replay.cookies.set("__Host-modelgate-oauth", stateCookie);
    const answer = await replay.get(`/dashboard/auth/callback?code=${github.authorize("bob")}&state=${state}`);

    expect(answer.status).toBe(400);
    expect(replay.cookies.has(SESSION)).toBe(false);
  });

  test("attack: a state the attacker made up, set as both cookie and parameter, is refused (the server never issued it)", async () => {
    const forged = "A".repeat(43);
    const browser = new Client(app.url);
    browser.cookies.set("__Host-modelgate-oauth", forged);

    const answer = await browser.get(`/dashboard/auth/callback?code=${github.authorize("bob")}&state=${forged}`);

    expect(answer.status).toBe(400);
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  test("a wrong or missing state is refused; a state expires after 10 minutes", async () => {
    const browser = new Client(app.url);
    const { state } = await browser.startSignIn();
    expect((await browser.get(`/dashboard/auth/callback?code=x&state=${state.slice(1)}x`)).status).toBe(400);
    expect((await browser.get(`/dashboard/auth/callback?code=x`)).status).toBe(400);

    const late = new Client(app.url);
    const started = await late.startSignIn();
    await app.pool.query("UPDATE modelgate.dashboard_oauth_states SET expires_at = now() - interval '1 second'");
    const answer = await late.get(`/dashboard/auth/callback?code=${github.authorize("alice")}&state=${started.state}`);
    expect(answer.status).toBe(400);
  });
});

describe("sign-ins in progress", () => {
  test("attack: anyone can start sign-ins, but at most 10,000 states are kept: the next is refused, not stored", async () => {
    await app.pool.query(
      "INSERT INTO modelgate.dashboard_oauth_states SELECT md5(i::text), now() + interval '10 minutes' FROM generate_series(1, 10000) i",
    );
    const answer = await new Client(app.url).get("/dashboard/auth/login");
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("Too many sign-ins");
    const { rows } = await app.pool.query<{ n: string }>("SELECT count(*) AS n FROM modelgate.dashboard_oauth_states");
    expect(rows[0]!.n).toBe("10000");
  });

  test("signing in again in the same browser ends its earlier session", async () => {
    const alice = await signedIn("alice");
    const earlier = alice.cookies.get(SESSION)!;
    expect((await alice.signIn(github, "alice")).status).toBe(303);
    expect(alice.cookies.get(SESSION)).not.toBe(earlier);
    const old = new Client(app.url);
    old.cookies.set(SESSION, earlier);
    expect((await old.get("/dashboard")).text).toContain("Sign in with GitHub");
  });
});

describe("two users and a private repository", () => {
  test('attack: the audit pack of "all repositories" holds only the ones the user can read', async () => {
    const bob = await signedIn("bob");
    const answer = await bob.post("/dashboard/export/audit.json", { csrf: await bob.csrfToken(), all: "1" });
    expect(answer.status).toBe(200);
    const pack = JSON.parse(answer.text) as { repositories: Array<{ repository: { name: string } }> };
    expect(pack.repositories.map((r) => r.repository.name)).toEqual(["acme/fraud-models", "acme/notebooks"]);
    expect(answer.text).not.toContain("secret");
  });

  test("attack: bob never sees alice's private repository in any view, export or API answer, nor by guessing its id", async () => {
    const alice = await signedIn("alice");
    expect((await alice.get("/dashboard")).text).toContain("secret-llm");
    expect((await alice.get(`/dashboard/repositories/${PRIVATE_REPO.id}/models/secret-llm`)).status).toBe(200);

    const bob = await signedIn("bob");
    const csrf = await bob.csrfToken();
    const answers = [
      await bob.get("/dashboard"),
      await bob.get("/dashboard?filter=failing"),
      await bob.get("/dashboard/repositories"),
      await bob.get("/dashboard/unmanaged"),
      await bob.get("/dashboard/provisions"),
      await bob.post("/dashboard/export/inventory.csv", { csrf }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain("secret");
      expect(answer.text).not.toContain(String(PRIVATE_REPO.id));
    }
    expect(answers[0]!.text).toContain("fraud-detector");

    // guessing the private repository's id in every address that takes one
    const guessed = [
      await bob.get(`/dashboard/repositories/${PRIVATE_REPO.id}/models/secret-llm`),
      await bob.get(`/dashboard?repository=${PRIVATE_REPO.id}`),
      await bob.post("/dashboard/export/audit.json", { csrf, repository: String(PRIVATE_REPO.id) }),
      await bob.post("/dashboard/export/audit.json", {
        csrf,
        repository: [String(PUBLIC_REPO.id), String(PRIVATE_REPO.id)],
      }),
    ];
    expect(guessed.map((a) => a.status)).toEqual([404, 200, 404, 404]);
    for (const answer of guessed) expect(answer.text).not.toContain("secret-llm");
    expect(guessed[1]!.text).toContain("No model matches");

    // the API with bob's own token
    const token = github.tokenFor("bob");
    const bearer = { authorization: `Bearer ${token}` };
    const api = new Client(app.url);
    const apiAnswers = [
      await api.get("/api/v1/repositories", bearer),
      await api.get("/api/v1/models", bearer),
      await api.get("/api/v1/unmanaged", bearer),
      await api.get(`/api/v1/models?repository=${PRIVATE_REPO.id}`, bearer),
    ];
    for (const answer of apiAnswers) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain("secret");
    }
    const timeline = await api.get(`/api/v1/repositories/${PRIVATE_REPO.id}/models/secret-llm`, bearer);
    expect(timeline.status).toBe(404);
    expect(timeline.text).not.toContain("secret-llm");
    expect(JSON.parse(apiAnswers[0]!.text).repositories.map((r: { fullName: string }) => r.fullName)).toEqual([
      "acme/fraud-models",
      "acme/notebooks",
    ]);
  });

  test("attack: an installation of another App that the user can reach does not widen what the dashboard shows", async () => {
    github.foreignInstallations = [
      { id: 99, repositories: [{ id: PRIVATE_REPO.id, fullName: PRIVATE_REPO.fullName }] },
    ];
    const bob = await signedIn("bob");
    expect((await bob.get("/dashboard")).text).not.toContain("secret-llm");
  });

  test("access is checked with GitHub live and trusted for 60 s: a repository bob loses leaves his view after the cache", async () => {
    const bob = await signedIn("bob");
    await bob.get("/dashboard");
    await bob.get("/dashboard/unmanaged");
    const listings = () => github.requests.filter((r) => r.path.startsWith("/api/v3/user/installations?")).length;
    expect(listings()).toBe(1);

    github.users.get("bob")!.repositories = [SHADOW_REPO];
    expect((await bob.get("/dashboard")).text).toContain("fraud-detector");
    await app.pool.query("UPDATE modelgate.dashboard_access SET checked_at = now() - interval '61 seconds'");
    const after = await bob.get("/dashboard");
    expect(after.text).not.toContain("fraud-detector");
    expect(listings()).toBe(2);
  });

  test("a token GitHub no longer accepts ends the session", async () => {
    const bob = await signedIn("bob");
    github.revokeTokensOf("bob");
    const answer = await bob.get("/dashboard");
    expect(answer.status).toBe(401);
    expect(answer.text).toContain("sign in again");
    expect(bob.cookies.has(SESSION)).toBe(false);
    const { rows } = await app.pool.query("SELECT 1 FROM modelgate.dashboard_sessions");
    expect(rows).toHaveLength(0);
  });
});

describe("filters and exports", () => {
  const names = (text: string) =>
    ["fraud-detector", "churn", "legacy-scorer", "secret-llm"].filter((n) => text.includes(`/models/${n}"`));

  test("each filter selects the models it names", async () => {
    const alice = await signedIn("alice");
    const expectations: Array<[string, string[]]> = [
      ["", ["fraud-detector", "churn", "legacy-scorer", "secret-llm"]],
      ["?filter=not-evaluated", ["churn"]],
      ["?filter=expiring", ["legacy-scorer", "secret-llm"]],
      ["?filter=awaiting-sign-off", ["churn"]],
      ["?filter=failing", ["secret-llm"]],
      ["?filter=in-production", ["fraud-detector"]],
      ["?filter=in-production&environment=staging", []],
      ["?filter=disposal-open", ["legacy-scorer"]],
      ["?filter=expiring&filter=failing", ["secret-llm"]],
      [`?repository=${PUBLIC_REPO.id}`, ["fraud-detector", "churn", "legacy-scorer"]],
    ];
    for (const [query, expected] of expectations) {
      const answer = await alice.get(`/dashboard${query}`);
      expect(answer.status, query).toBe(200);
      expect(names(answer.text), query).toEqual(expected);
    }
    const wrong = await alice.get("/dashboard?filter=everything");
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("Unknown filter");
  });

  test("the CSV export follows the filters, and a cell that would be a formula is prefixed with '", async () => {
    const alice = await signedIn("alice");
    const csrf = await alice.csrfToken();
    const csv = await alice.post("/dashboard/export/inventory.csv", { csrf, filter: "not-evaluated" });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="modelgate-inventory-2026-12-07.csv"');
    const lines = csv.text.trimEnd().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^"acme\/fraud-models","churn","0.3.0",/);
    expect(lines[1]).toContain('"security-lead"');
  });

  test("the audit pack's JSON holds the chosen repositories, their findings and the organisation's provisions", async () => {
    const alice = await signedIn("alice");
    const csrf = await alice.csrfToken();
    const answer = await alice.post("/dashboard/export/audit.json", {
      csrf,
      repository: [String(PUBLIC_REPO.id), String(SHADOW_REPO.id)],
    });
    expect(answer.status).toBe(200);
    const pack = JSON.parse(answer.text);
    expect(pack.format).toBe("modelgate-organisation-audit/1");
    expect(pack.repositories.map((r: { repository: { name: string } }) => r.repository.name)).toEqual([
      "acme/fraud-models",
      "acme/notebooks",
    ]);
    const fraud = pack.repositories[0];
    expect(fraud.summary).toMatchObject({ models: 3, unmanaged: 0 });
    expect(fraud.findings.map((f: { id: string }) => f.id)).toEqual([
      "F-unevaluated-churn",
      "F-awaiting-churn",
      "F-expired-legacy-scorer",
      "F-eol-open-legacy-scorer",
    ]);
    expect(pack.repositories[1].unmanaged).toHaveLength(1);
    const eol = pack.provisions.find((p: { id: string }) => p.id === "5.5.1-2");
    expect(eol.withGaps).toEqual([{ repositoryId: PUBLIC_REPO.id, fullName: "acme/fraud-models" }]);
    expect(JSON.stringify(pack)).not.toContain("secret");
  });
});

describe("CSRF", () => {
  test("attack: a logout posted from another site (its Origin) is refused and the session lives on", async () => {
    const alice = await signedIn("alice");
    const csrf = await alice.csrfToken();
    const answer = await alice.post("/dashboard/auth/logout", { csrf }, { origin: "https://evil.example" });
    expect(answer.status).toBe(403);
    expect((await alice.get("/dashboard")).text).toContain("Signed in as");
  });

  test("attack: a state change without the session's CSRF token, or with another session's, is refused", async () => {
    const alice = await signedIn("alice");
    const bob = await signedIn("bob");
    const bobsToken = await bob.csrfToken();
    expect((await alice.post("/dashboard/auth/logout", {})).status).toBe(403);
    expect((await alice.post("/dashboard/auth/logout", { csrf: bobsToken })).status).toBe(403);
    expect((await alice.post("/dashboard/export/inventory.csv", { csrf: bobsToken })).status).toBe(403);
    expect((await alice.get("/dashboard")).text).toContain("Signed in as <strong>alice</strong>");
  });

  test("attack: a POST without an Origin, or marked cross-site by the browser, is refused", async () => {
    const alice = await signedIn("alice");
    const csrf = await alice.csrfToken();
    const noOrigin = await alice.request("POST", "/dashboard/auth/logout", `csrf=${csrf}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(noOrigin.status).toBe(403);
    const crossSite = await alice.post("/dashboard/auth/logout", { csrf }, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    expect((await alice.get("/dashboard")).text).toContain("Signed in as");
  });

  test("attack: the API ignores cookies: a signed-in browser's session does not answer there", async () => {
    const alice = await signedIn("alice");
    const answer = await alice.get("/api/v1/models");
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="modelgate"');
    expect(answer.text).not.toContain("fraud-detector");
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("sessions", () => {
  test("logout revokes the session: the old cookie opens nothing, on this instance or another", async () => {
    const alice = await signedIn("alice");
    const stolen = alice.cookies.get(SESSION)!;
    const csrf = await alice.csrfToken();
    const logout = await alice.post("/dashboard/auth/logout", { csrf });
    expect(logout.status).toBe(303);
    expect(logout.setCookies).toContain(`${SESSION}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);

    const second = await instance();
    for (const base of [app.url, second.url]) {
      const replay = new Client(base);
      replay.cookies.set(SESSION, stolen);
      const answer = await replay.get("/dashboard");
      expect(answer.text).not.toContain("Signed in as");
      expect(answer.text).toContain("Sign in with GitHub");
    }
  });

  test("a session survives a restart and works on a second replica of the same database", async () => {
    const alice = await signedIn("alice");
    const cookie = alice.cookies.get(SESSION)!;
    await app.stop();

    const restarted = await instance();
    const again = new Client(restarted.url);
    again.cookies.set(SESSION, cookie);
    const answer = await again.get("/dashboard");
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("Signed in as <strong>alice</strong>");
    expect(answer.text).toContain("secret-llm");
  });

  test("a session ends when it expires, and an unknown cookie is no session", async () => {
    const alice = await signedIn("alice");
    await app.pool.query("UPDATE modelgate.dashboard_sessions SET expires_at = now() - interval '1 second'");
    expect((await alice.get("/dashboard")).text).toContain("Sign in with GitHub");
    const guess = new Client(app.url);
    guess.cookies.set(SESSION, "B".repeat(43));
    expect((await guess.get("/dashboard/unmanaged")).status).toBe(401);
  });
});

describe("the page", () => {
  test("every page carries a strict Content-Security-Policy, loads nothing from another origin and runs no script", async () => {
    const alice = await signedIn("alice");
    for (const path of [
      "/dashboard",
      "/dashboard/repositories",
      "/dashboard/unmanaged",
      "/dashboard/provisions",
      `/dashboard/repositories/${PUBLIC_REPO.id}/models/fraud-detector`,
    ]) {
      const answer = await alice.get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-security-policy")).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.text).not.toMatch(/<script|\son[a-z]+=|style="/i);
      expect(answer.text).not.toMatch(/\s(src|action)="(https?:)?\/\//i);
      expect(answer.text).toContain('<a class="skip" href="#main">Skip to content</a>');
    }
  });

  test("attack: markup in a file name from a repository is shown as text", async () => {
    const bob = await signedIn("bob");
    const inventory = inventoryOn(app.pool);
    await inventory.replaceRepository(
      {
        repository: {
          installationId: 11,
          repositoryId: SHADOW_REPO.id,
          fullName: SHADOW_REPO.fullName,
          private: false,
          defaultBranch: "main",
          headSha: null,
          hasPolicy: false,
          policyProblem: null,
          manifestProblems: [],
        },
        models: [],
        unmanaged: [
          {
            path: '<img src=x onerror="alert(1)">.pt',
            kind: "artifact",
            reason: "a .pt file",
            evidence: { kind: "artifact", glob: "**/*.pt" },
          },
        ],
      },
      new Date(),
    );
    const answer = await bob.get("/dashboard/unmanaged");
    expect(answer.text).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pt");
    expect(answer.text).not.toContain("<img");
  });

  test("one model's timeline shows each version's evidence and links", async () => {
    const alice = await signedIn("alice");
    const answer = await alice.get(`/dashboard/repositories/${PUBLIC_REPO.id}/models/fraud-detector`);
    expect(answer.text).toContain("Version 2.1.0");
    expect(answer.text).toContain("security-lead: carol");
    expect(answer.text).toContain('<a href="https://github.com/acme/fraud-models/runs/77">Production</a>');
  });
});

describe("without the App's client id and secret", () => {
  test("the dashboard and the API answer 503 with the reason; other paths are left to the server", async () => {
    const off = await instance({ GITHUB_CLIENT_ID: "", GITHUB_CLIENT_SECRET: "" });
    const client = new Client(off.url);
    const page = await client.get("/dashboard");
    expect(page.status).toBe(503);
    expect(page.text).toContain("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set");
    expect((await client.get("/api/v1/models")).status).toBe(503);
    expect((await client.get("/health")).text).toBe("not the dashboard");
  });
});
