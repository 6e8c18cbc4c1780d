import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { getPrivateKey } from "@probot/get-private-key";

/** Where a setting's value came from (docs/operations.md, "What the server tells you at start"). */
export type SettingSource = "environment" | ".env" | "default";

export type Environment = Record<string, string | undefined>;

export interface ResolvedEnvironment {
  /** The variables the server runs with: the process's environment, completed from .env. */
  env: Environment;
  sourceOf(name: string): SettingSource;
}

/**
 * The process's environment wins over the .env file: a value set by the operator (`DATABASE_URL=… npm start`,
 * `docker run -e`, a Kubernetes env) is what runs. .env only fills what the environment leaves unset, and an empty
 * value counts as unset on both sides: `DATABASE_URL=` copied from .env.example never wipes a real one.
 */
export function resolveEnvironment(processEnv: Environment, dotEnv: Environment): ResolvedEnvironment {
  const env: Environment = { ...processEnv };
  const fromDotEnv = new Set<string>();
  for (const [name, value] of Object.entries(dotEnv)) {
    if (isSet(processEnv[name]) || !isSet(value)) continue;
    env[name] = value;
    fromDotEnv.add(name);
  }
  return {
    env,
    sourceOf: (name) => {
      if (fromDotEnv.has(name)) return ".env";
      return isSet(processEnv[name]) ? "environment" : "default";
    },
  };
}

/** The variables of `<cwd>/.env` ({} when there is none). */
export function readDotEnv(cwd: string): Environment {
  try {
    return parseEnv(readFileSync(join(cwd, ".env"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

/** Where the embedded Postgres lives when DATABASE_URL is not set. */
export function embeddedDataDir(env: Environment, cwd: string): string {
  const configured = env.MODELGATE_DATA_DIR?.trim();
  return configured ? resolve(cwd, configured) : join(cwd, "data", "postgres");
}

export const DEFAULT_HTTP_PORT = 3000;
export const DEFAULT_POSTGRES_PORT = 54329;

/**
 * Why the server cannot run with these settings, or undefined. Without the App's credentials Probot would serve its
 * own setup page (a smee.io channel, a personal-account form, webhooks to the site root); without WEBHOOK_SECRET it
 * would accept deliveries signed with the well-known secret "development". modelgate does neither.
 */
export function settingsProblem(env: Environment): string | undefined {
  if (isSet(env.PORT) && !isPort(env.PORT))
    return `modelgate does not start: PORT must be a port number (1-65535), not ${JSON.stringify(env.PORT)}.`;
  const missing: string[] = [];
  if (!isSet(env.APP_ID)) missing.push("APP_ID");
  if (!hasPrivateKey(env)) missing.push("PRIVATE_KEY (or PRIVATE_KEY_PATH)");
  if (!isSet(env.WEBHOOK_SECRET)) missing.push("WEBHOOK_SECRET");
  if (missing.length === 0) return undefined;
  const names =
    missing.length === 1 ? `${missing[0]} is` : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)} are`;
  return `modelgate does not start: ${names} not set in the environment or in .env. Register the GitHub App with \`npm run setup\` (it writes them to .env), or set them from the App's settings (docs/install.md), then start the server again.`;
}

function isPort(text: string): boolean {
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function hasPrivateKey(env: Environment): boolean {
  try {
    return Boolean(getPrivateKey({ env }));
  } catch {
    return false;
  }
}

/** What the start log says about the chosen database, port and data directory, and where each came from. */
export function startupSummary(resolved: ResolvedEnvironment, cwd: string): { fields: object; message: string } {
  const { env, sourceOf } = resolved;
  const port = Number(env.PORT) || DEFAULT_HTTP_PORT;
  const listening = `listens on port ${port} (${from("PORT", sourceOf)})`;
  if (isSet(env.DATABASE_URL)) {
    const database = describeDatabaseUrl(env.DATABASE_URL);
    return {
      fields: { database, database_from: sourceOf("DATABASE_URL"), port, port_from: sourceOf("PORT") },
      message: `modelgate uses the database ${database} (${from("DATABASE_URL", sourceOf)}) and ${listening}`,
    };
  }
  const dataDir = embeddedDataDir(env, cwd);
  const postgresPort = env.MODELGATE_POSTGRES_PORT?.trim() || String(DEFAULT_POSTGRES_PORT);
  return {
    fields: {
      database: `embedded 127.0.0.1:${postgresPort}`,
      database_from: sourceOf("DATABASE_URL"),
      data_dir: dataDir,
      data_dir_from: sourceOf("MODELGATE_DATA_DIR"),
      postgres_port_from: sourceOf("MODELGATE_POSTGRES_PORT"),
      port,
      port_from: sourceOf("PORT"),
    },
    message: `modelgate uses its embedded Postgres (DATABASE_URL is not set) with its data in ${dataDir} (${from("MODELGATE_DATA_DIR", sourceOf)}) on 127.0.0.1:${postgresPort} (${from("MODELGATE_POSTGRES_PORT", sourceOf)}), and ${listening}`,
  };
}

function from(name: string, sourceOf: (name: string) => SettingSource): string {
  const source = sourceOf(name);
  return source === "default"
    ? `default: ${name} is not set`
    : `${name} from ${source === ".env" ? ".env" : "the environment"}`;
}

/** host:port/database of a connection string — never its user or password. */
export function describeDatabaseUrl(connectionString: string): string {
  if (!URL.canParse(connectionString)) return "(a connection string that is not a URL: not shown)";
  const url = new URL(connectionString);
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default database)";
  return `${url.hostname || "(socket)"}:${url.port || "5432"}/${database}`;
}

/** What the dashboard's sign-in needs (docs/dashboard.md, "Enable it"). */
export interface DashboardSettings {
  /** The App's OAuth client id and secret (the App's settings page, or `npm run setup`). */
  clientId: string;
  clientSecret: string;
  appId: number;
  /** github.com, or `<GHE_PROTOCOL>://<GHE_HOST>` for GitHub Enterprise Server: where users authorise. */
  webUrl: string;
  apiBaseUrl: string;
  /** The server's public origin (PUBLIC_URL), when set: the OAuth callback and the Origin check use it. */
  publicOrigin?: string;
}

/**
 * The dashboard's settings, or why it is off: without GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET the server runs
 * and the dashboard answers 503 with this reason.
 */
export function dashboardSettings(env: Environment): DashboardSettings | { disabled: string } {
  const missing = ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"].filter((name) => !isSet(env[name]));
  if (missing.length > 0)
    return {
      disabled: `The dashboard is off: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set. Set the App's client id and secret (its settings page, "Client secrets"), or register the App with \`npm run setup\`, then restart the server (docs/dashboard.md).`,
    };
  let publicOrigin: string | undefined;
  if (isSet(env.PUBLIC_URL)) {
    if (!URL.canParse(env.PUBLIC_URL) || !/^https?:$/.test(new URL(env.PUBLIC_URL).protocol))
      return {
        disabled: `The dashboard is off: PUBLIC_URL is not an http(s) address: ${JSON.stringify(env.PUBLIC_URL)}.`,
      };
    publicOrigin = new URL(env.PUBLIC_URL).origin;
  }
  let webUrl = "https://github.com";
  let apiBaseUrl = "https://api.github.com";
  if (isSet(env.GHE_HOST)) {
    const protocol = env.GHE_PROTOCOL?.trim() || "https";
    if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(env.GHE_HOST.trim()) || (protocol !== "https" && protocol !== "http"))
      return { disabled: "The dashboard is off: GHE_HOST must be a host name and GHE_PROTOCOL https or http." };
    webUrl = `${protocol}://${env.GHE_HOST.trim()}`;
    apiBaseUrl = `${webUrl}/api/v3`;
  }
  return {
    clientId: env.GITHUB_CLIENT_ID!.trim(),
    clientSecret: env.GITHUB_CLIENT_SECRET!.trim(),
    appId: Number(env.APP_ID),
    webUrl,
    apiBaseUrl,
    ...(publicOrigin ? { publicOrigin } : {}),
  };
}
