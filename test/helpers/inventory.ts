import nock from "nock";
import type pg from "pg";
import { gitBlobSha } from "../fixtures/git-objects.js";
import { GITHUB_API } from "./fake-repository.js";

/** Empties the inventory's tables (each test starts with none; test/helpers/database.ts empties the others). */
export async function emptyInventory(pool: pg.Pool): Promise<void> {
  await pool.query(
    "TRUNCATE modelgate.inventory_repositories, modelgate.inventory_models, modelgate.inventory_versions, modelgate.inventory_decisions, modelgate.inventory_unmanaged",
  );
}

const servedBlobs = new Map<string, string | Buffer>();
const servedHeads = new Map<string, string>();

/** One repository of a fake installation, as the inventory reads it. */
export interface InventoryRepositoryFixture {
  id: number;
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  /** The default branch's commit. */
  head: string;
  files: Record<string, string | Buffer>;
}

/** `GET /installation/repositories`: the repositories the installation can read (one page). */
export function serveInstallationRepositories(repositories: ReadonlyArray<InventoryRepositoryFixture>): void {
  nock(GITHUB_API)
    .get("/installation/repositories")
    .query({ per_page: "100" })
    .reply(200, {
      total_count: repositories.length,
      repositories: repositories.map((repository) => ({
        id: repository.id,
        name: repository.name,
        full_name: `${repository.owner}/${repository.name}`,
        private: repository.private ?? true,
        default_branch: repository.defaultBranch ?? "main",
        archived: false,
        owner: { login: repository.owner },
      })),
    });
}

/** `GET <owner>/.github`'s policy: none (404) unless a text is given. */
export function serveOrganisationPolicy(owner: string, text: string | null = null): void {
  const scope = nock(GITHUB_API).get(`/repos/${owner}/.github/contents/${encodeURIComponent(".github/modelgate.yml")}`);
  if (text === null) scope.reply(404, { message: "Not Found" });
  else scope.reply(200, text, { "content-type": "application/vnd.github.raw" });
}

/**
 * What the inventory reads of one repository: its default branch's recursive tree, and GraphQL reads of blobs by
 * id (with the branch's commit), answered for as many requests as are made. `gone`: the tree answers 404.
 */
export function serveInventoryRepository(
  repository: InventoryRepositoryFixture,
  /** `gone`: the tree answers 404; `rateLimit`: the headers of the tree's answer. */
  options: { gone?: boolean; rateLimit?: Record<string, string> } = {},
): void {
  const branch = repository.defaultBranch ?? "main";
  // blobs are content-addressed and the head is the latest served: a repository served again (a push) answers anew
  for (const content of Object.values(repository.files)) servedBlobs.set(gitBlobSha(content), content);
  servedHeads.set(`${repository.owner}/${repository.name}`, repository.head);
  const tree = nock(GITHUB_API)
    .get(`/repos/${repository.owner}/${repository.name}/git/trees/${branch}`)
    .query({ recursive: "true" });
  if (options.gone) {
    tree.reply(404, { message: "Not Found" });
    return;
  }
  tree.reply(
    200,
    {
      sha: "f".repeat(40),
      truncated: false,
      tree: Object.entries(repository.files).map(([path, content]) => ({
        path,
        mode: "100644",
        type: "blob",
        sha: gitBlobSha(content),
        size: Buffer.byteLength(content),
      })),
    },
    options.rateLimit ?? {},
  );
  nock(GITHUB_API)
    .persist()
    .post("/graphql", (body: { variables?: { name?: unknown } }) => body.variables?.name === repository.name)
    .optionally()
    .reply(200, (_uri, body) => {
      const { query } = body as { query: string };
      const answer: Record<string, unknown> = {};
      if (query.includes(`head: object(expression: ${JSON.stringify(`refs/heads/${branch}`)})`))
        answer.head = { oid: servedHeads.get(`${repository.owner}/${repository.name}`) };
      for (const [, alias, oid] of query.matchAll(/(f\d+): object\(oid: "([0-9a-f]{40})"\)/g)) {
        const content = servedBlobs.get(oid!);
        if (content === undefined) {
          answer[alias!] = null;
          continue;
        }
        const binary = Buffer.isBuffer(content);
        answer[alias!] = {
          oid,
          text: binary ? null : content,
          byteSize: Buffer.byteLength(content),
          isBinary: binary,
          isTruncated: false,
        };
      }
      return { data: { repository: answer } };
    });
}
