import type { ProbotOctokit } from "probot";
import { MAX_HASHED_FILE_BYTES, type FileContent, type Snapshot, type TreeEntry } from "../core/detect/snapshot.js";
import { SECURITY_POLICY_PATHS, securityPolicyIn } from "../core/governance/disclosure.js";
import type { GovernanceFacts } from "../core/governance/gate-requirements.js";
import {
  DOCUMENT_HISTORY_DEPTH,
  REVIEWS_PATH,
  documentFile,
  documentStanding,
  parseReviewRecords,
  recordPullRequest,
  REVIEWS_HISTORY_DEPTH,
  type DocumentCommit,
  type ReviewsCommit,
  type DocumentStanding,
} from "../core/governance/documents.js";
import type { Policy } from "../core/policy/schema.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

interface BlobFields {
  text?: string | null;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
}

interface HistoryNode {
  oid: string;
  committedDate: string;
  author?: { user?: { login: string } | null; name?: string | null } | null;
  file?: { mode: number; object?: BlobFields | null } | null;
}

const BLOB_FIELDS = "... on Blob { text byteSize isBinary isTruncated }";

interface ReviewsNode {
  file?: { object?: BlobFields | null } | null;
  associatedPullRequests?: { nodes?: Array<{ number: number; merged: boolean } | null> | null } | null;
}

/** A GraphQL string literal (JSON's escaping is valid GraphQL). */
const literal = (text: string): string => JSON.stringify(text);

/**
 * The query of every document's history at `commit` (docs/governance.md): for each document the commits that
 * touched its path, newest first, with its content after each, and the review records with the history of their file
 * (to name the merged pull request that added each); one request.
 */
export function documentsQuery(commit: string, paths: ReadonlyArray<string>): string {
  const histories = paths.map(
    (path, index) =>
      `        d${index}: history(first: ${DOCUMENT_HISTORY_DEPTH + 1}, path: ${literal(path)}) { nodes { oid committedDate author { user { login } name } file(path: ${literal(path)}) { mode object { ${BLOB_FIELDS} } } } }`,
  );
  return [
    "query ($owner: String!, $name: String!) {",
    "  repository(owner: $owner, name: $name) {",
    `    commit: object(expression: ${literal(commit)}) {`,
    "      ... on Commit {",
    ...histories,
    `        reviewsHistory: history(first: ${REVIEWS_HISTORY_DEPTH + 1}, path: ${literal(REVIEWS_PATH)}) { nodes { file(path: ${literal(REVIEWS_PATH)}) { object { ${BLOB_FIELDS} } } associatedPullRequests(first: 1) { nodes { number merged } } } }`,
    "      }",
    "    }",
    `    reviews: object(expression: ${literal(`${commit}:${REVIEWS_PATH}`)}) { ${BLOB_FIELDS} }`,
    "  }",
    "}",
  ].join("\n");
}

/** GraphQL gives a tree entry's mode as a number (33188 = 0o100644). */
function modeText(mode: number): string {
  return mode.toString(8);
}

function textOf(blob: BlobFields | null | undefined): FileContent | undefined {
  if (!blob || typeof blob.byteSize !== "number") return undefined;
  if (blob.byteSize > MAX_HASHED_FILE_BYTES)
    return { kind: "unreadable", reason: `too large (${blob.byteSize} bytes)`, size: blob.byteSize };
  // exact only when GitHub calls it text and its UTF-8 length is the blob's size
  if (
    blob.isBinary ||
    blob.isTruncated ||
    typeof blob.text !== "string" ||
    Buffer.byteLength(blob.text, "utf8") !== blob.byteSize
  )
    return { kind: "unreadable", reason: "not text GitHub can show", size: blob.byteSize };
  return { kind: "text", text: blob.text, size: blob.byteSize };
}

/**
 * The standing of each document of `governance.documents` at `commit` of the default branch (docs/governance.md).
 * governance/reviews.yaml is read at that same commit: a record there reached the default branch through its owner
 * role's approval (`governance.review:<path>`); a pull request's head is never read here. A failed read throws
 * CouldNotEvaluate: the gate never passes on a document it did not read.
 */
export async function readDocumentStandings(
  octokit: ProbotOctokit,
  { owner, repo, commit }: { owner: string; repo: string; commit: string },
  policy: Policy,
  now: Date,
): Promise<DocumentStanding[]> {
  const documents = policy.governance.documents;
  if (documents.length === 0) return [];
  let response: {
    repository: {
      commit:
        (Record<string, { nodes: HistoryNode[] } | undefined> & { reviewsHistory?: { nodes: ReviewsNode[] } }) | null;
      reviews: BlobFields | null;
    } | null;
  };
  try {
    response = await octokit.graphql<typeof response>(
      documentsQuery(
        commit,
        documents.map((d) => d.path),
      ),
      { owner, name: repo },
    );
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the governance documents (GraphQL)", ref: commit });
  }
  const reviews = textOf(response.repository?.reviews);
  const parsed = reviews?.kind === "text" ? parseReviewRecords(reviews.text) : undefined;
  const reviewsNodes = response.repository?.commit?.reviewsHistory?.nodes ?? [];
  const reviewsHistory = reviewsNodes.map(reviewsCommit);
  // the pull request only names the evidence: a record counts or not without it (documentStanding)
  const records = (parsed?.ok ? parsed.records : []).map((record) => {
    const pullRequest = recordPullRequest(record, reviewsHistory, reviewsNodes.length > REVIEWS_HISTORY_DEPTH);
    return pullRequest === undefined ? record : { ...record, pullRequest };
  });
  return documents.map((document, index) => {
    const nodes = response.repository?.commit?.[`d${index}`]?.nodes ?? [];
    const history: DocumentCommit[] = nodes.map((node) => {
      const content = textOf(node.file?.object);
      const author = node.author?.user?.login ?? node.author?.name ?? undefined;
      return {
        sha: node.oid,
        date: node.committedDate,
        ...(author ? { author } : {}),
        ...(content?.kind === "text" ? { text: content.text } : {}),
      };
    });
    // the newest commit that touched the path holds the document as it is at `commit`
    const newest = nodes[0]?.file;
    const entry: TreeEntry | undefined = newest
      ? { path: document.path, blobSha: "", mode: modeText(newest.mode) }
      : undefined;
    const file = documentFile(entry, newest ? textOf(newest.object) : undefined);
    return documentStanding(
      document,
      {
        file,
        history,
        historyTruncated: nodes.length > DOCUMENT_HISTORY_DEPTH,
        records,
        recordsAt: "on the default branch",
      },
      now,
    );
  });
}

/** One commit of governance/reviews.yaml's history: its records, and the merged pull request GitHub names for it. */
function reviewsCommit(node: ReviewsNode): ReviewsCommit {
  const content = textOf(node.file?.object);
  const parsed = content?.kind === "text" ? parseReviewRecords(content.text) : undefined;
  const merged = node.associatedPullRequests?.nodes?.find((pr) => pr?.merged === true);
  return {
    ...(parsed?.ok ? { records: parsed.records } : {}),
    ...(merged ? { pullRequest: merged.number } : {}),
  };
}

/**
 * The organisation's security policy, as GitHub falls back to it: SECURITY.md in the owner's `.github` repository
 * (its root, .github/ or docs/). Undefined when there is none, or the App cannot read that repository.
 */
export async function readOrganisationSecurityPolicy(
  octokit: ProbotOctokit,
  owner: string,
): Promise<string | undefined> {
  const fields = SECURITY_POLICY_PATHS.map(
    (path, index) => `    p${index}: object(expression: ${literal(`HEAD:${path}`)}) { ... on Blob { byteSize } }`,
  );
  const query = `query ($owner: String!) {\n  repository(owner: $owner, name: ".github") {\n${fields.join("\n")}\n  }\n}`;
  let response: { repository: Record<string, { byteSize?: number } | null> | null };
  try {
    response = await octokit.graphql<typeof response>(query, { owner });
  } catch (error) {
    // a missing or unreadable .github repository publishes nothing modelgate can show: no policy
    if (isNotFound(error)) return undefined;
    rethrowAsCouldNotEvaluate(error, { owner, repo: ".github", what: "the organisation's security policy (GraphQL)" });
  }
  const index = SECURITY_POLICY_PATHS.findIndex((_, i) => (response.repository?.[`p${i}`]?.byteSize ?? 0) > 0);
  return index === -1 ? undefined : `${owner}/.github: ${SECURITY_POLICY_PATHS[index]}`;
}

function isNotFound(error: unknown): boolean {
  const errors = (error as { errors?: Array<{ type?: string }> } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => e.type === "NOT_FOUND");
}

/**
 * What a gate needs of the governance records (docs/governance.md): the organisation's security policy when the
 * repository publishes none at `published`, and, for the release and deployment gates, the standing of the documents
 * marked `fail_release` at the default branch's head. Nothing is read that the policy does not ask for.
 */
export async function readGovernanceFacts(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  policy: Policy,
  { published, now, documents }: { published: Snapshot; now: Date; documents: boolean },
): Promise<GovernanceFacts> {
  const facts: GovernanceFacts = {};
  if (policy.governance.disclosure_policy && securityPolicyIn(published) === undefined) {
    const organisation = await readOrganisationSecurityPolicy(octokit, owner);
    if (organisation) facts.organisationSecurityPolicy = organisation;
  }
  if (documents) {
    const gating = {
      ...policy,
      governance: { ...policy.governance, documents: policy.governance.documents.filter((d) => d.fail_release) },
    };
    facts.documents = await readDocumentStandings(octokit, { owner, repo, commit: "HEAD" }, gating, now);
  }
  return facts;
}
