import nock from "nock";
import { gitBlobSha } from "../fixtures/git-objects.js";
import { serveLfs } from "./serve-lfs.js";

export const GITHUB_API = "https://api.github.com";

/** A file of a fixture commit: text, or bytes (GitHub calls it binary). */
export type FileFixture = string | Buffer;

export interface CommitFixture {
  sha: string;
  files: Record<string, FileFixture>;
}

interface GraphqlBlob {
  text: string | null;
  byteSize: number;
  isBinary: boolean;
  isTruncated: boolean;
  oid: string;
}

/**
 * Serves a repository to the app from plain objects: the compare (merge base), recursive
 * trees and the batched GraphQL blob reads (plus REST blobs for binary files), so a test
 * describes files, not HTTP. Every GraphQL alias asked is recorded.
 */
export class FakeRepository {
  readonly owner: string;
  readonly repo: string;
  private readonly commits = new Map<string, CommitFixture>();
  /** The `<commit>:<path>` expressions asked through GraphQL, per request. */
  readonly graphqlRequests: string[][] = [];

  /** Whether serveContents also serves the Git LFS objects of the fixtures' pointers (test/helpers/serve-lfs.ts). */
  private readonly lfs: boolean;

  constructor(options: { owner: string; repo: string; commits: ReadonlyArray<CommitFixture>; lfs?: boolean }) {
    this.owner = options.owner;
    this.repo = options.repo;
    this.lfs = options.lfs ?? true;
    for (const commit of options.commits) this.commits.set(commit.sha, commit);
  }

  /** Adds commits a later read may ask for (a story that moves on after its first reads). */
  addCommits(commits: ReadonlyArray<CommitFixture>): this {
    for (const commit of commits) this.commits.set(commit.sha, commit);
    return this;
  }

  private get api() {
    return nock(GITHUB_API);
  }

  /** `GET /compare/{base}...{head}` answering the merge base (the base commit unless said otherwise). */
  serveCompare(base: string, head: string, mergeBase = base): this {
    this.api
      .get(`/repos/${this.owner}/${this.repo}/compare/${base}...${head}`)
      .query({ per_page: "1" })
      .reply(200, { merge_base_commit: { sha: mergeBase }, files: [] });
    return this;
  }

  /** `GET /git/trees/{commit}?recursive=true`, with its directories like GitHub lists them. */
  serveTree(sha: string, options: { truncated?: boolean } = {}): this {
    this.api
      .get(`/repos/${this.owner}/${this.repo}/git/trees/${sha}`)
      .query({ recursive: "true" })
      .reply(200, { sha, url: "", truncated: options.truncated ?? false, tree: this.treeOf(sha) });
    return this;
  }

  /**
   * GraphQL blob reads and REST blob reads, for as many requests as the app makes (optional: a PR without
   * model files reads none), and the Git LFS objects the app reads by range for the format scan.
   */
  serveContents(): this {
    if (this.lfs) serveLfs({ owner: this.owner, repo: this.repo, batch: "optional" });
    nock(GITHUB_API)
      .persist()
      // file reads only: the sign-off comment reads are FakeIssueTracker's (or a test's own)
      .post(
        "/graphql",
        (body: { query?: unknown }) => typeof body.query === "string" && parseObjectAliases(body.query).length > 0,
      )
      .optionally()
      .reply(200, (_uri, body) => ({
        data: this.answerGraphql(body as { query: string; variables: Record<string, unknown> }),
      }));
    nock(GITHUB_API)
      .persist()
      .get(new RegExp(`^/repos/${this.owner}/${this.repo}/git/blobs/[0-9a-f]{40}$`))
      .optionally()
      .reply((uri) => {
        const sha = uri.split("/").pop() ?? "";
        const content = this.blobBySha(sha);
        return content === undefined
          ? [404, { message: "Not Found" }]
          : [
              200,
              {
                sha,
                size: content.length,
                encoding: "base64",
                content: content.toString("base64").replace(/(.{60})/g, "$1\n"),
              },
            ];
      });
    return this;
  }

  /** Everything a pull-request evaluation reads about files: merge base, both trees, contents. */
  servePullRequest(base: string, head: string, mergeBase = base): this {
    this.serveCompare(base, head, mergeBase).serveTree(mergeBase);
    if (head !== mergeBase) this.serveTree(head);
    return this.serveContents();
  }

  private treeOf(sha: string) {
    const commit = this.commit(sha);
    const directories = new Set<string>();
    const blobs = Object.entries(commit.files).map(([path, content]) => {
      const parts = path.split("/");
      for (let depth = 1; depth < parts.length; depth++) directories.add(parts.slice(0, depth).join("/"));
      return {
        path,
        mode: "100644",
        type: "blob",
        sha: gitBlobSha(content),
        size: Buffer.byteLength(content),
        url: "",
      };
    });
    const trees = [...directories].map((path) => ({
      path,
      mode: "040000",
      type: "tree",
      sha: gitBlobSha(`tree ${path}`),
      url: "",
    }));
    return [...trees, ...blobs].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private answerGraphql(body: { query: string; variables: Record<string, unknown> }): {
    repository: Record<string, GraphqlBlob | null>;
  } {
    if (body.variables.owner !== this.owner || body.variables.name !== this.repo)
      throw new Error(`GraphQL asked for ${String(body.variables.owner)}/${String(body.variables.name)}`);
    const aliases = parseObjectAliases(body.query);
    this.graphqlRequests.push(aliases.map((a) => a.expression));
    const repository: Record<string, GraphqlBlob | null> = {};
    for (const { alias, expression } of aliases) {
      const separator = expression.indexOf(":");
      const content = this.commits.get(expression.slice(0, separator))?.files[expression.slice(separator + 1)];
      repository[alias] = content === undefined ? null : graphqlBlob(content);
    }
    return { repository };
  }

  private blobBySha(sha: string): Buffer | undefined {
    for (const commit of this.commits.values()) {
      for (const content of Object.values(commit.files)) if (gitBlobSha(content) === sha) return Buffer.from(content);
    }
    return undefined;
  }

  private commit(sha: string): CommitFixture {
    const commit = this.commits.get(sha);
    if (!commit) throw new Error(`no fixture commit ${sha}`);
    return commit;
  }
}

/** The `alias: object(expression: "...")` fields of a GraphQL query, with the string literal decoded. */
export function parseObjectAliases(query: string): Array<{ alias: string; expression: string }> {
  const pattern = /(\w+):\s*object\(expression:\s*("(?:[^"\\]|\\.)*")\)/g;
  return [...query.matchAll(pattern)].map((match) => ({
    alias: match[1] ?? "",
    expression: JSON.parse(match[2] ?? '""') as string,
  }));
}

function graphqlBlob(content: FileFixture): GraphqlBlob {
  const oid = gitBlobSha(content);
  if (typeof content === "string")
    return { oid, text: content, byteSize: Buffer.byteLength(content), isBinary: false, isTruncated: false };
  return { oid, text: null, byteSize: content.length, isBinary: true, isTruncated: false };
}
