import { parse } from "yaml";

/** The webhook path the server listens on (Probot's default; `WEBHOOK_PATH` changes it). */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** The variables the registration reads (see .env.example and docs/install.md). */
export interface SetupEnvironment {
  /** The organisation that will own the App (and the only account a private App installs on). */
  GH_ORG?: string | undefined;
  /** GitHub Enterprise Server: the host name only, e.g. `github.example.com`. */
  GHE_HOST?: string | undefined;
  /** GitHub Enterprise Server: `https` (default) or `http`. */
  GHE_PROTOCOL?: string | undefined;
  /** Local development: the smee.io channel GitHub delivers to. */
  WEBHOOK_PROXY_URL?: string | undefined;
  /** The public address of the server GitHub will deliver webhooks to (default: the address the setup page is opened at). */
  PUBLIC_URL?: string | undefined;
  WEBHOOK_PATH?: string | undefined;
}

/** A GitHub App manifest (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). */
export interface AppManifest {
  name: string;
  url: string;
  description?: string;
  public: boolean;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  /** Where GitHub sends a user back after signing in to the dashboard (docs/dashboard.md). */
  callback_urls: string[];
  /** The dashboard asks users to sign in when they open it, never when the App is installed. */
  request_oauth_on_install: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
}

/** What app.yml holds: the manifest without the addresses the setup page adds. */
export type AppYml = Omit<
  AppManifest,
  "hook_attributes" | "redirect_url" | "callback_urls" | "request_oauth_on_install"
>;

/** Where the App is registered, and the GitHub it talks to. */
export interface RegistrationTarget {
  /** The organisation that will own the App; `undefined` for a personal account. */
  organisation: string | undefined;
  /** The page the manifest is posted to. */
  createAppUrl: string;
  /** The REST API base (github.com or `<protocol>://<GHE_HOST>/api/v3`). */
  apiBaseUrl: string;
}

const ORGANISATION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const HOST_NAME = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/** The GitHub host and its API, from GHE_HOST and GHE_PROTOCOL (as Probot builds them). */
export function githubHost(env: SetupEnvironment): { webUrl: string; apiBaseUrl: string } {
  if (!env.GHE_HOST) return { webUrl: "https://github.com", apiBaseUrl: "https://api.github.com" };
  if (!HOST_NAME.test(env.GHE_HOST)) {
    throw new Error(
      `GHE_HOST must be the host name of the GitHub Enterprise Server (e.g. github.example.com), not a URL: ${JSON.stringify(env.GHE_HOST)}`,
    );
  }
  const protocol = env.GHE_PROTOCOL || "https";
  if (protocol !== "https" && protocol !== "http")
    throw new Error(`GHE_PROTOCOL must be https or http, not ${JSON.stringify(protocol)}`);
  const webUrl = `${protocol}://${env.GHE_HOST}`;
  return { webUrl, apiBaseUrl: `${webUrl}/api/v3` };
}

/**
 * The account the App is registered on. A private App (`public: false`) can only be installed
 * on the account that owns it, so an App meant for an organisation must be registered by it:
 * without GH_ORG the registration is refused unless a personal App is asked for.
 */
export function registrationTarget(env: SetupEnvironment, options: { personal?: boolean } = {}): RegistrationTarget {
  const { webUrl, apiBaseUrl } = githubHost(env);
  const organisation = env.GH_ORG?.trim() || undefined;
  if (organisation === undefined && !options.personal) {
    throw new Error(
      "GH_ORG is not set: the App would be registered on your personal account and, being private, could not be installed on your organisation. " +
        "Set GH_ORG to the organisation's login (or pass --personal to register it for your own repositories).",
    );
  }
  if (organisation !== undefined && !ORGANISATION_NAME.test(organisation))
    throw new Error(`GH_ORG is not an organisation login: ${JSON.stringify(organisation)}`);
  const owner = organisation === undefined ? "" : `/organizations/${organisation}`;
  return { organisation, createAppUrl: `${webUrl}${owner}/settings/apps/new`, apiBaseUrl };
}

/** Reads app.yml: the App's name, permissions and events (one place for both the manifest flow and the docs' manual steps). */
export function readAppYml(text: string): AppYml {
  const yml = parse(text) as Partial<AppManifest> | null;
  if (!yml || typeof yml.name !== "string" || !yml.default_permissions || !Array.isArray(yml.default_events)) {
    throw new Error("app.yml must name the App and list its default_permissions and default_events");
  }
  return {
    name: yml.name,
    url: yml.url ?? "https://github.com",
    ...(yml.description ? { description: yml.description } : {}),
    public: yml.public === true,
    default_permissions: yml.default_permissions,
    default_events: yml.default_events,
  };
}

/**
 * The manifest the setup page posts to GitHub. Webhooks go to the server's webhook route (not the
 * site root): the smee.io channel when WEBHOOK_PROXY_URL is set, else PUBLIC_URL or the address the
 * setup page was opened at. GitHub sends the browser back to `setupBaseUrl` with the code. The dashboard's sign-in
 * comes back to PUBLIC_URL (or that address) at /dashboard/auth/callback.
 */
export function appManifest(appYml: AppYml, env: SetupEnvironment, setupBaseUrl: string): AppManifest {
  const serverUrl = (env.PUBLIC_URL || setupBaseUrl).replace(/\/+$/, "");
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  const hookUrl = env.WEBHOOK_PROXY_URL || `${serverUrl}${webhookPath.startsWith("/") ? "" : "/"}${webhookPath}`;
  return {
    ...appYml,
    hook_attributes: { url: hookUrl, active: true },
    redirect_url: `${setupBaseUrl.replace(/\/+$/, "")}/probot/setup`,
    callback_urls: [`${serverUrl}/dashboard/auth/callback`],
    request_oauth_on_install: false,
  };
}
