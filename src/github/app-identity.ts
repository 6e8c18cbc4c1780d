import type { ProbotOctokit } from "probot";

/**
 * The id of this GitHub App, read from the app authentication the installation client
 * carries (a locally signed JWT: no request). Used to act only on this app's check runs.
 */
export async function ownAppId(octokit: ProbotOctokit): Promise<number> {
  const auth = (await octokit.auth({ type: "app" })) as { appId?: unknown };
  const appId = Number(auth.appId);
  if (!Number.isInteger(appId) || appId <= 0) throw new Error("the GitHub App id is unknown: set APP_ID");
  return appId;
}
