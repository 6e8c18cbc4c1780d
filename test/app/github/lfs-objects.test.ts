import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { bufferSource } from "../../../src/core/supply-chain/formats/byte-source.js";
import { scanFormat } from "../../../src/core/supply-chain/formats/scan.js";
import { LFS_READ_LIMITS, readLfsFormatFacts, type LfsReadCost } from "../../../src/github/lfs-objects.js";
import { requestUrl } from "../../helpers/request-recorder.js";
import { LFS_AUTHORIZATION } from "../../helpers/serve-lfs.js";
import { sha256 } from "../../fixtures/git-objects.js";
import { testOctokit } from "../../helpers/test-app.js";

const REPOSITORY = "https://github.com/acme/models";
const BATCH = `${REPOSITORY}.git/info/lfs/objects/batch`;
const STORAGE = "https://github-cloud.githubusercontent.com/alambic/media";
const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/supply-chain/${name}`, import.meta.url));

type Download = (url: string, range: string | undefined) => Response;

/** A fake Git LFS server as a fetch: the batch answer for `objects`, downloads by `download` (a 206 of the range by default). */
function lfsServer(objects: Map<string, Buffer | number>, download?: Download) {
  const asked: string[] = [];
  const http: typeof fetch = async (input, init) => {
    const url = requestUrl(input);
    const headers = new Headers(init?.headers);
    asked.push(`${init?.method ?? "GET"} ${url}${headers.get("range") ? ` ${headers.get("range")}` : ""}`);
    if (url === BATCH) {
      expect(headers.get("authorization")).toBe(LFS_AUTHORIZATION);
      const body = JSON.parse(String(init?.body)) as { objects: Array<{ oid: string; size: number }> };
      return Response.json({
        objects: body.objects.map(({ oid, size }) =>
          objects.has(oid)
            ? { oid, size, actions: { download: { href: `${STORAGE}/${oid}` } } }
            : { oid, size, error: { code: 404, message: "Object does not exist" } },
        ),
      });
    }
    if (download) return download(url, headers.get("range") ?? undefined);
    const bytes = objects.get(url.split("/").pop() ?? "");
    const match = /^bytes=(\d+)-(\d+)$/.exec(headers.get("range") ?? "");
    if (!Buffer.isBuffer(bytes) || !match) return new Response("no", { status: 404 });
    const start = Number(match[1]);
    const end = Math.min(bytes.length - 1, Number(match[2]));
    return new Response(bytes.subarray(start, end + 1), {
      status: 206,
      headers: { "content-range": `bytes ${start}-${end}/${bytes.length}` },
    });
  };
  return { octokit: testOctokit(http), asked };
}

const object = (path: string, bytes: Buffer) => ({ path, oid: sha256(bytes), size: bytes.length });

describe("readLfsFormatFacts: the app's range reads of Git LFS objects", () => {
  test.each([
    ["a benign torch.save state dict", "benign-state-dict.pt"],
    ["a .pt with a malicious second member", "malicious-second-member.pt"],
    ["a legacy torch.save pickle stream", "legacy-state-dict.pt"],
    ["a zip of .npy files", "arrays.npz"],
  ])("%s read by small ranges is judged exactly as the whole file", async (_case, name) => {
    const bytes = fixture(name);
    const { octokit, asked } = lfsServer(new Map([[sha256(bytes), bytes]]));
    const cost: LfsReadCost = { batchRequests: 0, rangeRequests: 0, bytes: 0 };
    // ranges of 64 bytes: the scan needs many passes, each one the bytes it lacked
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("w/model.pt", bytes)], {
      limits: { ...LFS_READ_LIMITS, firstRead: 64, laterRead: 64 },
      cost,
    });
    expect(facts.get("w/model.pt")).toEqual({ scan: scanFormat(bufferSource(bytes)) });
    expect(cost.batchRequests).toBe(1);
    expect(cost.rangeRequests).toBe(asked.length - 1);
    expect(cost.rangeRequests).toBeGreaterThan(1);
    expect(cost.bytes).toBeLessThanOrEqual(bytes.length * 2);
  });

  test("one batch request for every object, one range each for small ones; two paths of one object read it once", async () => {
    const a = fixture("model.safetensors");
    const b = fixture("pickle-named.safetensors");
    const { octokit, asked } = lfsServer(
      new Map([
        [sha256(a), a],
        [sha256(b), b],
      ]),
    );
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("a", a), object("b", b), object("c", a)]);
    expect(asked).toEqual([
      `POST ${BATCH}`,
      `GET ${STORAGE}/${sha256(a)} bytes=0-${a.length - 1}`,
      `GET ${STORAGE}/${sha256(b)} bytes=0-${b.length - 1}`,
    ]);
    expect(facts.get("c")).toEqual(facts.get("a"));
    expect(facts.get("b")).toMatchObject({ scan: { format: "pickle (protocol 2)" } });
  });

  test("attack: a storage that ignores Range is read no further than the bound: the stream is cancelled", async () => {
    const oid = sha256("a huge object");
    let pulled = 0;
    let cancelled = false;
    const { octokit } = lfsServer(new Map([[oid, 3_000_000_000]]), () => {
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(endless, { status: 200 });
    });
    const limits = { ...LFS_READ_LIMITS, bytesPerObject: 4 * 1024 * 1024 };
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [{ path: "w", oid, size: 3_000_000_000 }], { limits });
    expect(facts.get("w")).toEqual({
      notScanned:
        "a Git LFS object that could not be read: its storage ignored the range request and sent the whole object, more than the 4194304 bytes read at most",
      failsClosed: true,
    });
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(6 * 1024 * 1024);
  });

  test("attack: a redirect to http:// is refused and not followed", async () => {
    const bytes = fixture("model.safetensors");
    const { octokit, asked } = lfsServer(
      new Map([[sha256(bytes), bytes]]),
      (url) =>
        new Response(null, { status: 302, headers: { location: `http://evil.example/${url.split("/").pop()}` } }),
    );
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("w", bytes)]);
    expect(facts.get("w")).toEqual({
      notScanned:
        "a Git LFS object that could not be read: its download address http://evil.example is not https: refused",
      failsClosed: true,
    });
    expect(asked.filter((a) => a.includes("evil.example"))).toEqual([]);
  });

  test("attack: a 206 of another range than asked is refused", async () => {
    const bytes = fixture("model.safetensors");
    const { octokit } = lfsServer(
      new Map([[sha256(bytes), bytes]]),
      () =>
        new Response(bytes.subarray(8), {
          status: 206,
          headers: { "content-range": `bytes 8-${bytes.length - 1}/${bytes.length}` },
        }),
    );
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("w", bytes)]);
    expect(facts.get("w")).toMatchObject({
      notScanned: expect.stringContaining("answered a range other than bytes 0-191 of 192"),
      failsClosed: true,
    });
  });

  test("beyond the scan work allowed per object (the scan runs again after each range) the object is not scanned", async () => {
    const bytes = fixture("benign-state-dict.pt");
    const { octokit } = lfsServer(new Map([[sha256(bytes), bytes]]));
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("w", bytes)], {
      limits: { ...LFS_READ_LIMITS, firstRead: 64, laterRead: 64, scanWork: 4096 },
    });
    expect(facts.get("w")).toEqual({
      notScanned:
        "a Git LFS object that could not be read: scanning it again after each range read goes past 4096 bytes",
      failsClosed: true,
    });
  });

  test("beyond the range requests allowed per object the object is not scanned, never judged on part of it", async () => {
    const bytes = fixture("benign-state-dict.pt");
    const { octokit } = lfsServer(new Map([[sha256(bytes), bytes]]));
    const facts = await readLfsFormatFacts(octokit, REPOSITORY, [object("w", bytes)], {
      limits: { ...LFS_READ_LIMITS, firstRead: 64, laterRead: 64, requestsPerObject: 3 },
    });
    expect(facts.get("w")).toEqual({
      notScanned: "a Git LFS object that could not be read: the scan needs more than 3 range requests",
      failsClosed: true,
    });
  });
});
