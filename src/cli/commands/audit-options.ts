import type { ParseArgsConfig } from "node:util";
import type { GitHubEvidence } from "../../core/audit/types.js";
import { defaultMarkerKey } from "../../marker-key.js";
import { CliError } from "../cli-error.js";
import type { LocalHistory } from "../github-evidence.js";

export const AUDIT_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  ref: { type: "string" },
  output: { type: "string", short: "o" },
  github: { type: "string" },
  "api-url": { type: "string" },
  "app-id": { type: "string" },
};

export const DEFAULT_AUDIT_DIR = "modelgate-audit";

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The audit's options, checked; --github needs a token (GITHUB_TOKEN) and the App's id (--app-id or APP_ID). */
export function auditOptions(
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): { ref?: string; output: string; github?: (local: LocalHistory) => Promise<GitHubEvidence> } {
  const ref = str(values["ref"]);
  const output = str(values["output"]) ?? DEFAULT_AUDIT_DIR;
  const slug = str(values["github"]);
  if (slug === undefined) {
    if (values["api-url"] !== undefined || values["app-id"] !== undefined)
      throw new CliError("--api-url and --app-id are options of --github OWNER/REPO");
    return { ...(ref !== undefined ? { ref } : {}), output };
  }
  const match = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})$/.exec(slug);
  if (!match) throw new CliError(`--github wants OWNER/REPO, not "${slug}"`);
  const token = env["GITHUB_TOKEN"]?.trim();
  if (!token)
    throw new CliError(
      "--github reads GitHub with a token: set GITHUB_TOKEN (read access to the repository's contents, issues, pull requests and checks)",
    );
  const appIdText = str(values["app-id"]) ?? env["APP_ID"];
  if (appIdText === undefined || !/^\d+$/.test(appIdText)) {
    throw new CliError(
      "--github needs the modelgate App's id (--app-id ID or APP_ID): only its check runs and issues are evidence",
    );
  }
  const apiUrl = str(values["api-url"]);
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl))
    throw new CliError(`--api-url wants an http(s) URL such as https://github.example.com/api/v3, not "${apiUrl}"`);
  let markerKey: string | undefined;
  try {
    markerKey = defaultMarkerKey(env);
  } catch {
    // no key: markers are read unverified and the report says so
    markerKey = undefined;
  }
  const target = {
    owner: match[1]!,
    repo: match[2]!,
    token,
    appId: Number(appIdText),
    ...(apiUrl ? { apiUrl } : {}),
    ...(markerKey ? { markerKey } : {}),
  };
  // the GitHub client is loaded only when GitHub is read: an offline audit starts faster without it
  const github = async (local: LocalHistory): Promise<GitHubEvidence> =>
    (await import("../github-evidence.js")).readGitHubEvidence(target, local);
  return { ...(ref !== undefined ? { ref } : {}), output, github };
}
