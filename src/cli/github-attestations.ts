import { Octokit } from "@octokit/rest";
import { describeFailure } from "../github/errors.js";
import { ATTESTATIONS_PER_DIGEST } from "../github/supply-chain-facts.js";
import { CliError } from "./cli-error.js";

export interface AttestationSource {
  owner: string;
  repo: string;
  token: string;
  /** REST API base, e.g. https://ghe.example.com/api/v3 (default https://api.github.com). */
  apiUrl?: string;
}

/**
 * `modelgate check --github OWNER/REPO` (docs/supply-chain.md, "Build provenance"): the artifact attestations of each
 * digest, read as the app reads them (one page, a 404 is none). GitHub not answering stops the check (exit 2): build
 * provenance is then neither met nor failed.
 */
export function attestationReader(
  source: AttestationSource,
): (digests: ReadonlyArray<string>) => Promise<Map<string, unknown[]>> {
  const octokit = new Octokit({ auth: source.token, ...(source.apiUrl ? { baseUrl: source.apiUrl } : {}) });
  return async (digests) => {
    const found = new Map<string, unknown[]>();
    for (const sha256 of digests) {
      try {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/attestations/{subject_digest}", {
          owner: source.owner,
          repo: source.repo,
          subject_digest: `sha256:${sha256}`,
          per_page: ATTESTATIONS_PER_DIGEST,
        });
        found.set(
          sha256,
          (data.attestations ?? []).flatMap((attestation) => (attestation.bundle ? [attestation.bundle] : [])),
        );
      } catch (error) {
        if ((error as { status?: number }).status === 404) found.set(sha256, []);
        else
          throw new CliError(
            `could not read the attestations of sha256:${sha256} from ${source.owner}/${source.repo}: ${describeFailure(error)}`,
          );
      }
    }
    return found;
  };
}

/** `--github OWNER/REPO [--api-url URL]` of `check`, with the token in GITHUB_TOKEN; absent: offline. */
export function checkGitHubOption(
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): AttestationSource | undefined {
  const slug = typeof values["github"] === "string" ? values["github"] : undefined;
  const apiUrl = typeof values["api-url"] === "string" ? values["api-url"] : undefined;
  if (slug === undefined) {
    if (apiUrl !== undefined) throw new CliError("--api-url is an option of --github OWNER/REPO");
    return undefined;
  }
  const match = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})$/.exec(slug);
  if (!match) throw new CliError(`--github wants OWNER/REPO, not "${slug}"`);
  const token = env["GITHUB_TOKEN"]?.trim();
  if (!token)
    throw new CliError("--github reads the attestations API with a token: set GITHUB_TOKEN (attestations: read)");
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl))
    throw new CliError(`--api-url wants an http(s) URL such as https://github.example.com/api/v3, not "${apiUrl}"`);
  return { owner: match[1]!, repo: match[2]!, token, ...(apiUrl ? { apiUrl } : {}) };
}
