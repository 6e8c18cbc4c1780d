import type { ProbotOctokit } from "probot";
import { MAX_HASHED_FILE_BYTES, type FileContent } from "../core/detect/snapshot.js";
import { sha256Hex } from "../core/manifest/digest.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

/** GitHub answers one GraphQL request with many aliased objects; this keeps each request small. */
export const ALIASES_PER_GRAPHQL_REQUEST = 250;

export interface FileToRead {
  commit: string;
  path: string;
  blobSha: string;
}

export interface BlobFields {
  oid?: string;
  text?: string | null;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
}

export const BLOB_FIELDS = "... on Blob { oid text byteSize isBinary isTruncated }";

/**
 * Reads files of one repository at given commits: one GraphQL request per 250 distinct
 * blobs (files with the same blob SHA are read once), plus a REST blob read for each
 * small file GraphQL gives no exact text for (binary, truncated), so it can be hashed.
 * Returns contents by blob SHA.
 */
export async function readFileContents(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  files: ReadonlyArray<FileToRead>,
  /**
   * Paths also read at the head of the default branch (`HEAD:<path>`), in the same requests, into
   * this map by path (a path the branch does not hold stays absent): where re-evaluations land.
   */
  atDefaultBranch?: { paths: ReadonlyArray<string>; contents: Map<string, FileContent> },
): Promise<Map<string, FileContent>> {
  const distinct = new Map<string, FileToRead>();
  for (const file of files) if (!distinct.has(file.blobSha)) distinct.set(file.blobSha, file);
  // a default-branch file's blob is not known before it is read: blobSha "" until GitHub names it
  const onDefaultBranch = [...new Set(atDefaultBranch?.paths ?? [])].map((path) => ({
    commit: "HEAD",
    path,
    blobSha: "",
  }));
  const pending = [...distinct.values(), ...onDefaultBranch];
  const contents = new Map<string, FileContent>();
  for (let start = 0; start < pending.length; start += ALIASES_PER_GRAPHQL_REQUEST) {
    const chunk = pending.slice(start, start + ALIASES_PER_GRAPHQL_REQUEST);
    const blobs = await queryBlobs(octokit, { owner, repo }, chunk);
    for (const [index, file] of chunk.entries()) {
      const blob = blobs[index];
      if (file.blobSha !== "") {
        contents.set(file.blobSha, await contentOf(octokit, { owner, repo }, file, blob));
      } else if (blob && typeof blob.oid === "string") {
        const content = await contentOf(octokit, { owner, repo }, { ...file, blobSha: blob.oid }, blob);
        atDefaultBranch?.contents.set(file.path, content);
      }
    }
  }
  return contents;
}

/** The GraphQL document for a chunk: `f<i>: object(expression: "<commit>:<path>")`, the literal escaped by JSON rules (valid GraphQL). */
export function blobQuery(chunk: ReadonlyArray<Pick<FileToRead, "commit" | "path">>): string {
  const fields = chunk.map(
    (file, index) =>
      `    f${index}: object(expression: ${JSON.stringify(`${file.commit}:${file.path}`)}) { ${BLOB_FIELDS} }`,
  );
  return `query ($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${fields.join("\n")}\n  }\n}`;
}

async function queryBlobs(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  chunk: ReadonlyArray<FileToRead>,
): Promise<Array<BlobFields | null | undefined>> {
  let response: { repository: Record<string, BlobFields | null> | null };
  try {
    response = await octokit.graphql<typeof response>(blobQuery(chunk), { owner, name: repo });
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `${chunk.length} file(s) (GraphQL)`, ref: chunk[0]?.commit });
  }
  return chunk.map((_, index) => response.repository?.[`f${index}`]);
}

/** A blob GraphQL answered as a file's content (read again over REST when GraphQL gives no exact text). */
export async function contentOf(
  octokit: ProbotOctokit,
  location: { owner: string; repo: string },
  file: FileToRead,
  blob: BlobFields | null | undefined,
): Promise<FileContent> {
  if (!blob || typeof blob.byteSize !== "number") return { kind: "unreadable", reason: "missing" };
  const size = blob.byteSize;
  if (size > MAX_HASHED_FILE_BYTES)
    return {
      kind: "unreadable",
      reason: `too large to read (${size} bytes; modelgate reads files up to ${MAX_HASHED_FILE_BYTES} bytes)`,
      size,
    };
  // the text is exact only when GitHub calls the blob text and its UTF-8 length is the blob's size
  if (
    !blob.isBinary &&
    !blob.isTruncated &&
    typeof blob.text === "string" &&
    Buffer.byteLength(blob.text, "utf8") === size
  ) {
    return { kind: "text", text: blob.text, size };
  }
  const bytes = await readBlobBytes(octokit, location, file);
  const text = blob.isBinary ? undefined : decodeUtf8(bytes);
  return text === undefined
    ? { kind: "binary", sha256: sha256Hex(bytes), size: bytes.length, bytes }
    : { kind: "text", text, size: bytes.length };
}

async function readBlobBytes(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  file: FileToRead,
): Promise<Buffer> {
  try {
    const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: file.blobSha });
    return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the file ${file.path}`, ref: file.commit });
  }
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
