import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { FetchedBytes, scanFetched, type NeededRange } from "../core/supply-chain/formats/fetched-bytes.js";
import type { FormatFact, FormatFacts } from "../core/supply-chain/formats/format-requirements.js";
import { errorMessage } from "./errors.js";

/**
 * What the app reads of Git LFS objects to scan their format (docs/supply-chain.md "Unsafe
 * serialisation"): one batch request for the download addresses, then range requests for only the
 * parts the scanner asks for. Beyond a bound the object is "not scanned", which fails closed.
 */
export const LFS_READ_LIMITS = {
  /** Objects asked in one batch request (the Git LFS client's own batch size). */
  objectsPerBatch: 100,
  requestsPerObject: 256,
  bytesPerObject: 64 * 1024 * 1024,
  requestsPerEvaluation: 1024,
  bytesPerEvaluation: 256 * 1024 * 1024,
  /** The first range asked, and one near the end: a safetensors header, a zip's end record and central directory. */
  firstRead: 128 * 1024,
  /** Any later range: a zip member's local header and first bytes. */
  laterRead: 16 * 1024,
  /** A pickle walked on is read in ranges that double up to this. */
  largestRead: 16 * 1024 * 1024,
  /** Bytes the scanner reads over all its passes on one object (each range fetched runs it again). */
  scanWork: 512 * 1024 * 1024,
  redirects: 3,
  /** The batch answer read at most. */
  batchAnswerBytes: 4 * 1024 * 1024,
  timeoutMs: 30_000,
};

export type LfsReadLimits = typeof LFS_READ_LIMITS;

export interface LfsObject {
  path: string;
  oid: string;
  size: number;
}

/** Requests and bytes spent reading LFS objects in one evaluation (shown in docs/performance.md). */
export interface LfsReadCost {
  batchRequests: number;
  rangeRequests: number;
  bytes: number;
}

class Unreadable extends Error {}

const batchAnswer = z.object({
  objects: z.array(
    z.object({
      oid: z.string(),
      size: z.number().optional(),
      actions: z
        .object({
          download: z.object({ href: z.string(), header: z.record(z.string(), z.string()).optional() }).optional(),
        })
        .optional(),
      error: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
    }),
  ),
});

/**
 * The format scans of these LFS objects of `repositoryUrl` (its web address, e.g.
 * https://github.com/acme/models), read with the installation's token. Every object gets a fact:
 * its scan, or why it was not scanned.
 */
export async function readLfsFormatFacts(
  octokit: ProbotOctokit,
  repositoryUrl: string,
  objects: ReadonlyArray<LfsObject>,
  options: { limits?: LfsReadLimits; cost?: LfsReadCost } = {},
): Promise<FormatFacts> {
  const facts = new Map<string, FormatFact>();
  if (objects.length === 0) return facts;
  const limits = options.limits ?? LFS_READ_LIMITS;
  const cost = options.cost ?? { batchRequests: 0, rangeRequests: 0, bytes: 0 };
  const http = fetchOf(octokit);
  const byOid = new Map<string, LfsObject[]>();
  for (const object of objects) byOid.set(object.oid, [...(byOid.get(object.oid) ?? []), object]);
  const unique = [...byOid.values()].map((sameOid) => sameOid[0] as LfsObject);
  const batchUrl = `${repositoryUrl.replace(/\/+$/, "")}.git/info/lfs/objects/batch`;

  let token: string | undefined;
  try {
    token = ((await octokit.auth({ type: "installation" })) as { token?: string }).token;
  } catch {
    token = undefined;
  }
  for (let i = 0; i < unique.length; i += limits.objectsPerBatch) {
    const chunk = unique.slice(i, i + limits.objectsPerBatch);
    let downloads: Map<string, { href: string; header: Record<string, string> } | string>;
    try {
      if (!token) throw new Unreadable("the installation has no token");
      downloads = await askBatch(http, batchUrl, token, chunk, limits);
      cost.batchRequests++;
    } catch (error) {
      cost.batchRequests += token ? 1 : 0;
      for (const object of chunk)
        setAll(facts, byOid, object.oid, unreadable(`the Git LFS batch request ${why(error)}`));
      continue;
    }
    for (const object of chunk) {
      const download = downloads.get(object.oid);
      if (download === undefined) setAll(facts, byOid, object.oid, unreadable("the Git LFS server did not list it"));
      else if (typeof download === "string") setAll(facts, byOid, object.oid, unreadable(download));
      else setAll(facts, byOid, object.oid, await scanObject(http, batchUrl, object, download, limits, cost));
    }
  }
  return facts;
}

function setAll(facts: Map<string, FormatFact>, byOid: Map<string, LfsObject[]>, oid: string, fact: FormatFact): void {
  for (const object of byOid.get(oid) ?? []) facts.set(object.path, fact);
}

function unreadable(cause: string): FormatFact {
  return { notScanned: `a Git LFS object that could not be read: ${cause}`, failsClosed: true };
}

function why(error: unknown): string {
  return error instanceof Unreadable ? error.message : `failed (${errorMessage(error)})`;
}

/** The fetch the installation's client uses (tests record it), without the client's GitHub token. */
function fetchOf(octokit: ProbotOctokit): typeof fetch {
  const given = (octokit.request.endpoint.DEFAULTS.request as { fetch?: typeof fetch } | undefined)?.fetch;
  return given ?? fetch;
}

async function askBatch(
  http: typeof fetch,
  batchUrl: string,
  token: string,
  objects: ReadonlyArray<LfsObject>,
  limits: LfsReadLimits,
): Promise<Map<string, { href: string; header: Record<string, string> } | string>> {
  const response = await http(batchUrl, {
    method: "POST",
    headers: {
      accept: "application/vnd.git-lfs+json",
      "content-type": "application/vnd.git-lfs+json",
      authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
    },
    body: JSON.stringify({
      operation: "download",
      transfers: ["basic"],
      objects: objects.map(({ oid, size }) => ({ oid, size })),
      hash_algo: "sha256",
    }),
    redirect: "manual",
    signal: AbortSignal.timeout(limits.timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Unreadable(`was answered ${response.status}`);
  }
  const text = new TextDecoder().decode(await readBody(response, limits.batchAnswerBytes));
  let parsed: z.infer<typeof batchAnswer>;
  try {
    parsed = batchAnswer.parse(JSON.parse(text));
  } catch {
    throw new Unreadable("was answered with something that is not a Git LFS batch answer");
  }
  const downloads = new Map<string, { href: string; header: Record<string, string> } | string>();
  for (const answered of parsed.objects) {
    const asked = objects.find((o) => o.oid === answered.oid);
    if (!asked) continue;
    const download = answered.actions?.download;
    if (answered.error) {
      const code = answered.error.code ?? "an error";
      downloads.set(answered.oid, `the Git LFS server answered ${code} (${answered.error.message ?? "no message"})`);
    } else if (answered.size !== undefined && answered.size !== asked.size)
      downloads.set(
        answered.oid,
        `the Git LFS server gives it ${answered.size} bytes, not the pointer's ${asked.size}`,
      );
    else if (!download) downloads.set(answered.oid, "the Git LFS server gave no download address");
    else downloads.set(answered.oid, { href: download.href, header: download.header ?? {} });
  }
  return downloads;
}

/** Scans one object, fetching the ranges the scanner asks for until it needs none, within the bounds. */
async function scanObject(
  http: typeof fetch,
  batchUrl: string,
  object: LfsObject,
  download: { href: string; header: Record<string, string> },
  limits: LfsReadLimits,
  cost: LfsReadCost,
): Promise<FormatFact> {
  const fetched = new FetchedBytes(object.size);
  const spent = { requests: 0, bytes: 0 };
  try {
    for (;;) {
      const pass = scanFetched(fetched);
      if ("scan" in pass) return { scan: pass.scan };
      if (fetched.served > limits.scanWork)
        throw new Unreadable(`scanning it again after each range read goes past ${limits.scanWork} bytes`);
      const range = rangeToAsk(pass.need, fetched, object.size, limits);
      if (spent.requests >= limits.requestsPerObject)
        throw new Unreadable(`the scan needs more than ${limits.requestsPerObject} range requests`);
      if (cost.rangeRequests >= limits.requestsPerEvaluation)
        throw new Unreadable(`the evaluation's ${limits.requestsPerEvaluation} range requests are spent`);
      const budget = Math.min(limits.bytesPerObject - spent.bytes, limits.bytesPerEvaluation - cost.bytes);
      if (pass.need.length > budget)
        throw new Unreadable(
          `the scan needs more than ${limits.bytesPerObject} bytes of it (or the evaluation's ${limits.bytesPerEvaluation})`,
        );
      // a range cut to the budget still starts at the bytes needed
      const start = range.end - range.start > budget ? pass.need.offset : range.start;
      const end = Math.min(range.end, start + budget);
      const got = await readRange(http, batchUrl, download, object.size, start, end, budget, limits, {
        count: () => {
          spent.requests++;
          cost.rangeRequests++;
        },
        received: (n) => {
          spent.bytes += n;
          cost.bytes += n;
        },
      });
      fetched.add(got.start, got.bytes);
    }
  } catch (error) {
    return unreadable(error instanceof Unreadable ? error.message : `its download failed (${errorMessage(error)})`);
  }
}

/**
 * The range to ask for a missing one: at least `firstRead` for the first and for one near the end (the
 * file's last `firstRead` bytes: the zip end record, its comment, the central directory), `laterRead`
 * for others, and twice a sequential read's last range, up to `largestRead`.
 */
function rangeToAsk(
  need: NeededRange,
  fetched: FetchedBytes,
  size: number,
  limits: LfsReadLimits,
): { start: number; end: number } {
  const sequential = Math.min(limits.largestRead, 2 * fetched.heldJustBefore(need.offset));
  const first = fetched.held === 0 || need.offset + limits.firstRead > size;
  const length = Math.max(need.length, first ? limits.firstRead : limits.laterRead, sequential);
  const start = need.offset + length > size ? Math.max(0, size - length) : need.offset;
  return { start, end: Math.min(size, start + length) };
}

/** GET `start`..`end` (exclusive) of the object by a Range request, following redirects to https only. */
async function readRange(
  http: typeof fetch,
  batchUrl: string,
  download: { href: string; header: Record<string, string> },
  size: number,
  start: number,
  end: number,
  budget: number,
  limits: LfsReadLimits,
  meter: { count: () => void; received: (n: number) => void },
): Promise<{ start: number; bytes: Uint8Array }> {
  let url = allowedUrl(download.href, batchUrl);
  let headers: Record<string, string> = { ...download.header };
  for (let hop = 0; ; hop++) {
    meter.count();
    const response = await http(url.href, {
      headers: { ...headers, range: `bytes=${start}-${end - 1}` },
      redirect: "manual",
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= limits.redirects) throw new Unreadable(`its download redirects more than ${limits.redirects} times`);
      const next = allowedUrl(location, batchUrl, url);
      // the batch answer's headers (credentials) go to its own address only
      if (next.origin !== url.origin) headers = {};
      url = next;
      continue;
    }
    if (response.status === 206) {
      const served = contentRange(response.headers.get("content-range"));
      if (
        !served ||
        served.start !== start ||
        served.end >= end ||
        (served.total !== undefined && served.total !== size)
      ) {
        await response.body?.cancel();
        throw new Unreadable(`its storage answered a range other than bytes ${start}-${end - 1} of ${size}`);
      }
      const bytes = await readBody(response, served.end - served.start + 1, meter.received);
      if (bytes.length !== served.end - served.start + 1)
        throw new Unreadable("its storage sent fewer bytes than its range says");
      return { start, bytes };
    }
    if (response.status === 200) {
      // a server that ignores Range sends the whole object: taken only while within the bounds
      const whole = await readBody(response, Math.min(size, budget), meter.received).catch(async (error: unknown) => {
        if (error instanceof TooLong)
          throw new Unreadable(
            `its storage ignored the range request and sent the whole object, more than the ${Math.min(size, budget)} bytes read at most`,
          );
        throw error;
      });
      if (whole.length !== size) throw new Unreadable(`its storage sent ${whole.length} bytes, not ${size}`);
      return { start: 0, bytes: whole };
    }
    await response.body?.cancel();
    throw new Unreadable(`its download was answered ${response.status}`);
  }
}

/** A download address: https, or the configured GitHub's own origin (a GitHub Enterprise Server on http). */
function allowedUrl(address: string, batchUrl: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(address, base);
  } catch {
    throw new Unreadable("its download address is not a URL");
  }
  if (url.protocol !== "https:" && url.origin !== new URL(batchUrl).origin)
    throw new Unreadable(`its download address ${url.origin} is not https: refused`);
  return url;
}

function contentRange(header: string | null): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? "");
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return undefined;
  return match[3] === "*" ? { start, end } : { start, end, total: Number(match[3]) };
}

class TooLong extends Error {}

/** The body, read until `max` bytes: a longer one is cut off (the stream is cancelled), never buffered whole. */
async function readBody(response: Response, max: number, received?: (n: number) => void): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new TooLong(`more than ${max} bytes`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    received?.(value.length);
    if (total > max) {
      await reader.cancel();
      throw new TooLong(`more than ${max} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}
