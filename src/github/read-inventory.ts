import type { ProbotOctokit } from "probot";
import type { FileContent, Snapshot, TreeEntry } from "../core/detect/snapshot.js";
import { inventoryPolicy, inventoryReads, type RepositoryFacts } from "../core/inventory/repository-entry.js";
import { parsePolicy, POLICY_PATH, type PolicyResult } from "../core/policy/load-policy.js";
import { ownAppId } from "./app-identity.js";
import { listLabelledIssues } from "./app-issues.js";
import { asEndOfLifeIssue } from "./end-of-life-issues.js";
import { CouldNotEvaluate, describeFailure, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { ALIASES_PER_GRAPHQL_REQUEST, BLOB_FIELDS, contentOf, type BlobFields } from "./read-contents.js";
import { readBasePolicy } from "./read-policy.js";
import { readTree } from "./read-tree.js";

/** A repository as the installation's repository list gives it. */
export interface ListedRepository {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch: string;
  archived: boolean;
}

/** The App can no longer read the repository (404): it leaves the inventory. */
export class RepositoryGone extends Error {
  override name = "RepositoryGone";
}

/** Every repository the installation can read: one request per 100. */
export async function listInstallationRepositories(octokit: ProbotOctokit): Promise<ListedRepository[]> {
  let repositories: Array<{
    id: number;
    name: string;
    full_name: string;
    private: boolean;
    default_branch?: string;
    archived?: boolean;
    owner: { login: string };
  }>;
  try {
    repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  } catch (error) {
    throw new CouldNotEvaluate(`${describeFailure(error)} while listing the installation's repositories`, {
      cause: error,
    });
  }
  return repositories.map((repository) => ({
    id: repository.id,
    owner: repository.owner.login,
    name: repository.name,
    fullName: repository.full_name,
    private: repository.private,
    defaultBranch: repository.default_branch ?? "main",
    archived: repository.archived ?? false,
  }));
}

/** The organisation's policy (`<owner>/.github`), read once per owner and sweep: what a repository without its own file is judged by. */
export type OrganisationPolicies = (
  owner: string,
) => Promise<{ source: "organisation" | "none"; result: PolicyResult }>;

export function organisationPolicies(octokit: ProbotOctokit): OrganisationPolicies {
  const read = new Map<string, Promise<{ source: "organisation" | "none"; result: PolicyResult }>>();
  return (owner) => {
    let found = read.get(owner);
    if (!found) {
      found = readOrganisationPolicy(octokit, owner);
      read.set(owner, found);
    }
    return found;
  };
}

async function readOrganisationPolicy(
  octokit: ProbotOctokit,
  owner: string,
): Promise<{ source: "organisation" | "none"; result: PolicyResult }> {
  let text: unknown;
  try {
    ({ data: text } = await octokit.rest.repos.getContent({
      owner,
      repo: ".github",
      path: POLICY_PATH,
      mediaType: { format: "raw" },
    }));
  } catch (error) {
    if (httpStatus(error) === 404) return { source: "none", result: parsePolicy(undefined) };
    // the inventory still lists the repositories (with the defaults), and says why their policy is unknown
    const message = `the organisation policy ${owner}/.github ${POLICY_PATH} could not be read: ${describeFailure(error)}`;
    return { source: "organisation", result: { ok: false, errors: [{ path: POLICY_PATH, line: 1, message }] } };
  }
  if (typeof text !== "string") return { source: "organisation", result: notAFile(owner) };
  return { source: "organisation", result: parsePolicy(text, POLICY_PATH) };
}

function notAFile(where: string): PolicyResult {
  return { ok: false, errors: [{ path: POLICY_PATH, line: 1, message: `${POLICY_PATH} of ${where} is not a file` }] };
}

/**
 * What the inventory needs of one repository, read with as few requests as the repository allows
 * (docs/inventory.md, "The sweep"): its default branch's recursive tree, then the manifests, the policy and the
 * files discovery must see, in one GraphQL read by blob id (a second only when the repository's own policy
 * names other globs), and the end-of-life issues only when a model is decommissioned. An empty repository
 * reads nothing more; a repository GitHub no longer shows the App throws RepositoryGone.
 */
export async function readRepositoryFacts(
  octokit: ProbotOctokit,
  repository: ListedRepository & { installationId: number },
  options: { markerKey: string; organisationPolicy: OrganisationPolicies },
): Promise<RepositoryFacts> {
  const { owner, name: repo, defaultBranch } = repository;
  const identity = {
    installationId: repository.installationId,
    repositoryId: repository.id,
    fullName: repository.fullName,
    private: repository.private,
    defaultBranch,
  };
  const policyOf = (): Promise<RepositoryFacts["policy"]> => options.organisationPolicy(owner);
  let entries: Map<string, TreeEntry>;
  try {
    entries = await readTree(octokit, { owner, repo, commit: defaultBranch });
  } catch (error) {
    const status = httpStatus(error instanceof CouldNotEvaluate ? error.cause : error);
    if (status === 404) throw new RepositoryGone(`${repository.fullName} is not readable by the App (404)`);
    // GitHub answers 409 for the tree of a repository with no commit
    if (status === 409) return { repository: identity, snapshot: null, policy: await policyOf(), endOfLifeIssues: [] };
    throw error;
  }
  const ownPolicy = entries.get(POLICY_PATH);
  const firstPolicy = ownPolicy ? inventoryPolicy(parsePolicy(undefined)) : inventoryPolicy((await policyOf()).result);
  const wanted = new Set(inventoryReads(firstPolicy, entries));
  if (ownPolicy) wanted.add(POLICY_PATH);
  const contents = new Map<string, FileContent>();
  const location = { owner, repo };
  const head = await readBlobs(octokit, location, defaultBranch, entries, [...wanted], contents);

  let policy: RepositoryFacts["policy"];
  if (ownPolicy) {
    const text = contents.get(POLICY_PATH);
    policy = { source: "repository", result: await ownPolicyResult(octokit, repository, text) };
    // the repository's own globs may ask for files the defaults did not
    const more = inventoryReads(inventoryPolicy(policy.result), entries).filter((path) => !contents.has(path));
    if (more.length > 0) await readBlobs(octokit, location, defaultBranch, entries, more, contents);
  } else {
    policy = await policyOf();
  }
  const snapshot: Snapshot = { commit: head, entries, contents };
  // read only when the entry has a decommissioned model (readEndOfLifeIssues)
  return { repository: identity, snapshot, policy, endOfLifeIssues: [] };
}

/** The repository's own policy: its text as read, or Probot's full reading when it extends another file. */
async function ownPolicyResult(
  octokit: ProbotOctokit,
  repository: ListedRepository,
  text: FileContent | undefined,
): Promise<PolicyResult> {
  if (text?.kind !== "text") return notAFile(repository.fullName);
  if (/^_extends\s*:/m.test(text.text))
    return readBasePolicy(octokit, {
      owner: repository.owner,
      repo: repository.name,
      branch: repository.defaultBranch,
    });
  return parsePolicy(text.text, POLICY_PATH);
}

/**
 * Reads files by their blob ids (what the tree named: no newer push can slip in), 250 per GraphQL request; the
 * first request also names the commit the default branch points at. Returns that commit.
 */
async function readBlobs(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  defaultBranch: string,
  entries: ReadonlyMap<string, TreeEntry>,
  paths: ReadonlyArray<string>,
  contents: Map<string, FileContent>,
): Promise<string> {
  let head = "";
  const files = paths.flatMap((path) => {
    const entry = entries.get(path);
    return entry ? [{ path, blobSha: entry.blobSha }] : [];
  });
  for (let start = 0; start === 0 || start < files.length; start += ALIASES_PER_GRAPHQL_REQUEST) {
    const chunk = files.slice(start, start + ALIASES_PER_GRAPHQL_REQUEST);
    const fields = chunk.map(
      (file, index) => `    f${index}: object(oid: ${JSON.stringify(file.blobSha)}) { ${BLOB_FIELDS} }`,
    );
    const headField = `    head: object(expression: ${JSON.stringify(`refs/heads/${defaultBranch}`)}) { oid }`;
    const query = `query ($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${[headField, ...fields].join("\n")}\n  }\n}`;
    let response: { repository: (Record<string, BlobFields | null> & { head?: { oid?: string } | null }) | null };
    try {
      response = await octokit.graphql<typeof response>(query, { owner, name: repo });
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: `${chunk.length} file(s) (GraphQL)`, ref: defaultBranch });
    }
    head ||= response.repository?.head?.oid ?? "";
    for (const [index, file] of chunk.entries()) {
      const blob = response.repository?.[`f${index}`] as BlobFields | null | undefined;
      contents.set(file.path, await contentOf(octokit, { owner, repo }, { commit: defaultBranch, ...file }, blob));
    }
    if (files.length === 0) break;
  }
  return head;
}

/** The App's own end-of-life issues (the sweep reads them only when a model at the default branch is decommissioned). */
export async function readEndOfLifeIssues(
  octokit: ProbotOctokit,
  repository: Pick<ListedRepository, "owner" | "name">,
  policyResult: PolicyResult,
  markerKey: string,
): Promise<RepositoryFacts["endOfLifeIssues"]> {
  const policy = inventoryPolicy(policyResult);
  const label = policy.end_of_life.labels[0] ?? "model-eol";
  const { owner, name: repo } = repository;
  const issues = await listLabelledIssues(octokit, { owner, repo }, label);
  const appId = await ownAppId(octokit);
  return issues.flatMap((issue) => {
    const found = asEndOfLifeIssue(issue, appId, markerKey, { owner, repo });
    return found ? [{ ref: found.ref, url: found.htmlUrl, state: found.state, body: found.body }] : [];
  });
}
