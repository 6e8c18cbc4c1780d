import type { Readable } from "node:stream";
import nock from "nock";
import { lfsContent } from "../fixtures/lfs-store.js";

/** Where the fake GitHub's Git LFS batch API lives (the repository's web address) and where its objects download from. */
export const LFS_WEB = "https://github.com";
export const LFS_STORAGE = "https://github-cloud.githubusercontent.com";

/** The basic auth the app must send to the batch API: the installation token (test-app.ts serves `ghs_test`). */
export const LFS_AUTHORIZATION = `Basic ${Buffer.from("x-access-token:ghs_test").toString("base64")}`;

/** What the app asked of the fake Git LFS server, in order. */
export interface LfsRequests {
  /** The objects of each batch request. */
  batches: Array<Array<{ oid: string; size: number }>>;
  /** Each download: the object and its Range header (undefined without one). */
  downloads: Array<{ oid: string; range: string | undefined }>;
}

export interface LfsServing {
  owner: string;
  repo: string;
  /**
   * "optional": any number of batch requests, or none (every story of a repository: test/helpers/fake-repository.ts);
   * "once": exactly one batch request, which a story about the format scan asserts.
   */
  batch?: "optional" | "once";
  /** Bytes by oid; else the content the fixtures' pointers were made from (test/fixtures/lfs-store.ts). */
  objects?: ReadonlyMap<string, Buffer>;
  /** The download address the batch answer gives (default: the storage host, https). */
  href?: (oid: string) => string;
  /** The installation token the app holds (default: test-app.ts's `ghs_test`). */
  token?: string;
  /** Serves a download itself (a storage that ignores Range); else a 206 of the asked range. */
  download?: (oid: string, range: string | undefined) => [number, Buffer | Readable, Record<string, string>?];
}

/**
 * A fake Git LFS server for `owner/repo` on github.com: the batch API (checking the request's shape and
 * credentials: a request that differs is unanswered, which fails the test) and ranged downloads.
 * An oid it does not hold is answered with the object error 404, as GitHub answers it.
 */
export function serveLfs(options: LfsServing): LfsRequests {
  const requests: LfsRequests = { batches: [], downloads: [] };
  const objectOf = (oid: string): Buffer | undefined => (options.objects ? options.objects.get(oid) : lfsContent(oid));
  const href = options.href ?? ((oid: string) => `${LFS_STORAGE}/alambic/media/${oid}`);
  let batch = nock(LFS_WEB, {
    reqheaders: {
      authorization: options.token
        ? `Basic ${Buffer.from(`x-access-token:${options.token}`).toString("base64")}`
        : LFS_AUTHORIZATION,
      accept: "application/vnd.git-lfs+json",
    },
  });
  if (options.batch !== "once") batch = batch.persist();
  const interceptor = batch.post(
    `/${options.owner}/${options.repo}.git/info/lfs/objects/batch`,
    (body: { operation?: unknown; transfers?: unknown; objects?: unknown }) =>
      body.operation === "download" &&
      JSON.stringify(body.transfers) === JSON.stringify(["basic"]) &&
      Array.isArray(body.objects),
  );
  (options.batch === "once" ? interceptor : interceptor.optionally()).reply(200, (_uri, body) => {
    // nock hands a body it did not recognise as JSON (its content type is Git LFS's) as text
    const parsed = (typeof body === "string" ? JSON.parse(body) : body) as {
      objects: Array<{ oid: string; size: number }>;
    };
    const asked = parsed.objects;
    requests.batches.push(asked);
    return {
      transfer: "basic",
      objects: asked.map(({ oid, size }) => {
        if (!objectOf(oid)) return { oid, size, error: { code: 404, message: "Object does not exist" } };
        return { oid, size, authenticated: true, actions: { download: { href: href(oid), expires_in: 3600 } } };
      }),
    };
  });
  nock(LFS_STORAGE)
    .persist()
    .get(/^\/alambic\/media\/[0-9a-f]{64}$/)
    .optionally()
    .reply(function (uri) {
      const oid = uri.split("/").pop() ?? "";
      const header = this.req.headers["range"];
      const range = Array.isArray(header) ? header.join(",") : header;
      requests.downloads.push({ oid, range });
      if (options.download) return options.download(oid, range);
      return rangeAnswer(objectOf(oid), range);
    });
  return requests;
}

/** A 206 with the asked bytes, as a storage that honours Range answers. */
export function rangeAnswer(
  object: Buffer | undefined,
  range: string | undefined,
): [number, Buffer | string, Record<string, string>?] {
  if (!object) return [404, "Not Found"];
  const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
  if (!match) return [200, object, { "content-length": String(object.length) }];
  const start = Number(match[1]);
  const end = Math.min(object.length - 1, Number(match[2]));
  return [206, object.subarray(start, end + 1), { "content-range": `bytes ${start}-${end}/${object.length}` }];
}
