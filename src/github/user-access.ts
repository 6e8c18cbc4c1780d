/**
 * What a signed-in user's own token can read (docs/dashboard.md, "Who sees what"): the App's user authorisation
 * (the OAuth web flow's code exchange), the user, and the repositories of the App's installations the user can read.
 * Only this file calls GitHub with a user's token.
 */

export interface GitHubUserEndpoints {
  /** github.com, or the Enterprise Server's web address (where /login/oauth lives). */
  webUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Only installations of this App count (a token of another App never widens what is shown). */
  appId: number;
}

/** The token is not (or no longer) valid: the session ends and the user signs in again. */
export class UserTokenRejected extends Error {}

/** GitHub did not answer as expected: nothing is shown (fail closed), and the page says so. */
export class UserAccessUnreadable extends Error {}

export interface UserToken {
  token: string;
  /** Seconds until GitHub expires the token (GitHub Apps' expiring user tokens: 8 hours), when GitHub says. */
  expiresIn?: number;
}

export interface ReadableRepository {
  id: number;
  fullName: string;
  installationId: number;
}

/** Exchanges the authorisation code for the user's token (POST /login/oauth/access_token). */
export async function exchangeCode(
  endpoints: GitHubUserEndpoints,
  code: string,
  redirectUri: string | undefined,
): Promise<UserToken> {
  const body = new URLSearchParams({
    client_id: endpoints.clientId,
    client_secret: endpoints.clientSecret,
    code,
    ...(redirectUri ? { redirect_uri: redirectUri } : {}),
  });
  const response = await fetch(`${endpoints.webUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: {
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "modelgate",
    },
    body,
  }).catch((error: unknown) => {
    throw new UserAccessUnreadable(`GitHub could not be reached: ${(error as Error).message}`);
  });
  if (!response.ok) throw new UserAccessUnreadable(`GitHub answered ${response.status} to the code exchange`);
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: unknown;
    expires_in?: unknown;
    error?: unknown;
  };
  // GitHub answers 200 with an error for a used, expired or foreign code
  if (typeof answer.access_token !== "string" || answer.access_token === "")
    throw new UserTokenRejected(
      `GitHub refused the code${typeof answer.error === "string" ? ` (${answer.error})` : ""}`,
    );
  return {
    token: answer.access_token,
    ...(typeof answer.expires_in === "number" && answer.expires_in > 0 ? { expiresIn: answer.expires_in } : {}),
  };
}

/** The token's user (GET /user). */
export async function readUser(endpoints: GitHubUserEndpoints, token: string): Promise<{ id: number; login: string }> {
  const user = (await getJson(endpoints, token, "/user")) as { id?: unknown; login?: unknown };
  if (typeof user.id !== "number" || typeof user.login !== "string")
    throw new UserAccessUnreadable("GitHub's /user answer names no user");
  return { id: user.id, login: user.login };
}

/** More pages than this: the user's list is not read whole, so nothing is shown (fail closed). */
const MAX_PAGES = 100;

/**
 * The repositories of this App's installations that the token's user can read, as GitHub answers now
 * (GET /user/installations, then /user/installations/{id}/repositories for each).
 */
export async function readableRepositories(
  endpoints: GitHubUserEndpoints,
  token: string,
): Promise<ReadableRepository[]> {
  const installations = await allPages(endpoints, token, "/user/installations", "installations");
  const repositories: ReadableRepository[] = [];
  for (const installation of installations as Array<{ id?: unknown; app_id?: unknown }>) {
    if (typeof installation.id !== "number" || installation.app_id !== endpoints.appId) continue;
    const listed = await allPages(
      endpoints,
      token,
      `/user/installations/${installation.id}/repositories`,
      "repositories",
    );
    for (const repository of listed as Array<{ id?: unknown; full_name?: unknown }>) {
      if (typeof repository.id !== "number" || typeof repository.full_name !== "string")
        throw new UserAccessUnreadable("GitHub listed a repository without an id or name");
      repositories.push({ id: repository.id, fullName: repository.full_name, installationId: installation.id });
    }
  }
  return repositories;
}

async function allPages(
  endpoints: GitHubUserEndpoints,
  token: string,
  path: string,
  field: string,
): Promise<unknown[]> {
  const items: unknown[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = (await getJson(endpoints, token, `${path}?per_page=100&page=${page}`)) as Record<string, unknown>;
    const listed = answer[field];
    const total = answer.total_count;
    if (!Array.isArray(listed) || typeof total !== "number")
      throw new UserAccessUnreadable(`GitHub's ${path} answer has no ${field} list`);
    items.push(...listed);
    if (items.length >= total || listed.length === 0) return items;
  }
  throw new UserAccessUnreadable(`${path} lists more than ${MAX_PAGES * 100} entries`);
}

async function getJson(endpoints: GitHubUserEndpoints, token: string, path: string): Promise<unknown> {
  const response = await fetch(`${endpoints.apiBaseUrl}${path}`, {
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "user-agent": "modelgate",
      "x-github-api-version": "2022-11-28",
    },
  }).catch((error: unknown) => {
    throw new UserAccessUnreadable(`GitHub could not be reached: ${(error as Error).message}`);
  });
  if (response.status === 401) throw new UserTokenRejected("GitHub no longer accepts the token");
  if (!response.ok) throw new UserAccessUnreadable(`GitHub answered ${response.status} to ${path.split("?")[0]}`);
  return response.json().catch(() => {
    throw new UserAccessUnreadable(`GitHub's answer to ${path.split("?")[0]} is not JSON`);
  });
}
