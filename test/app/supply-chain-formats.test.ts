import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { modelDigest } from "../../src/core/manifest/digest.js";
import { FakeRepository } from "../helpers/fake-repository.js";
import { commitSha, lfsPointerFor, sha256 } from "../fixtures/git-objects.js";
import { THREATS } from "../fixtures/threats.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import {
  serveCheckRunCreate,
  serveCheckRunLookup,
  serveNoPolicy,
  servePolicy,
  serveReviews,
} from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { serveLfs, type LfsRequests, type LfsServing } from "../helpers/serve-lfs.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/supply-chain/${name}`, import.meta.url));

/** A new model `scorer` whose one component is `weights/<file>`, stored as these bytes (a blob or an LFS pointer). */
function model(file: string, stored: string | Buffer, sha: string): Record<string, string | Buffer> {
  const components = [{ path: `weights/${file}`, kind: "weights" as const, sha256: sha }];
  const manifest = [
    "name: scorer",
    "version: 1.0.0",
    "modalities: [text]",
    "components:",
    `  - path: weights/${file}`,
    "    kind: weights",
    `    sha256: ${sha}`,
    "training_data: []",
    "evaluations:",
    "  - version: 1.0.0",
    `    model_digest: ${modelDigest(components)}`,
    "    date: 2026-11-20",
    "    evaluator: eve",
    "    result: pass",
    `    threats: {${THREATS.map((t) => `${t}: tested`).join(", ")}}`,
    "",
  ].join("\n");
  return { "models/scorer/model.yaml": manifest, [`models/scorer/weights/${file}`]: stored };
}

interface CheckRunBody {
  conclusion: string;
  output: { summary: string; text?: string; annotations?: Array<{ path: string; message: string }> };
}

async function judge(files: Record<string, string | Buffer>): Promise<CheckRunBody> {
  return (await judgeWithLfs(files)).body;
}

/**
 * The pull request's check run, its LFS objects served by a fake Git LFS server that expects exactly one
 * batch request (`lfs`), or by the repository's own (any number of requests) when `lfs` is not given.
 */
async function judgeWithLfs(
  files: Record<string, string | Buffer>,
  lfs?: Omit<LfsServing, "owner" | "repo" | "batch">,
): Promise<{ body: CheckRunBody; lfs: LfsRequests }> {
  const app = await createTestApp();
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  const requests = lfs ? serveLfs({ owner: OWNER, repo: REPO, batch: "once", ...lfs }) : { batches: [], downloads: [] };
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { "README.md": "models\n" } },
      { sha: HEAD, files: { "README.md": "models\n", ...files } },
    ],
    lfs: !lfs,
  }).servePullRequest(BASE, HEAD);
  serveReviews(OWNER, REPO, 7, []);
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
  await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));
  return { body: app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody, lfs: requests };
}

const formatAnnotations = (body: CheckRunBody): string[] =>
  (body.output.annotations ?? []).map((a) => a.message).filter((m) => m.includes("run code") || m.includes("pickle"));

describe("the check run classifies every component by its bytes (format:<path>)", () => {
  test("attack: a .pt with a malicious second member fails, naming the import and the member", async () => {
    const bytes = fixture("malicious-second-member.pt");
    const body = await judge(model("model.pt", bytes, sha256(bytes)));
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)).toEqual([
      "models/scorer/weights/model.pt (PyTorch zip) can run code when loaded: imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl: store it as safetensors (or another format that holds no code), or declare a format_exception with a justification and an expiry date [5.2.3-1, 5.2.4-1.2]",
    ]);
    expect(body.output.summary).toContain("format:weights/model.pt");
    expect(body.output.summary).toContain("posix.system");
  });

  test("attack: a pickle named .safetensors fails as the pickle it is", async () => {
    const bytes = fixture("pickle-named.safetensors");
    const body = await judge(model("model.safetensors", bytes, sha256(bytes)));
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)[0]).toContain(
      "model.safetensors (pickle (protocol 2)) can run code when loaded: imports posix.system",
    );
  });

  test("attack: a protocol-4 pickle importing posix.system through memoised strings fails", async () => {
    const bytes = fixture("stack-global-memo.pkl");
    const body = await judge(model("model.pkl", bytes, sha256(bytes)));
    expect(formatAnnotations(body)[0]).toContain("imports posix.system");
  });

  test("attack: an LFS object named .pt the app cannot read is presumed to hold a pickle", async () => {
    const { body } = await judgeWithLfs(model("model.pt", lfsPointerFor("weights"), sha256("weights")), {
      objects: new Map(),
    });
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)[0]).toContain(
      "a Git LFS object that could not be read: the Git LFS server answered 404 (Object does not exist), and its name says it may hold a pickle",
    );
  });

  test("a benign torch.save state dict passes and says what it is", async () => {
    const bytes = fixture("benign-state-dict.pt");
    const body = await judge(model("model.pt", bytes, sha256(bytes)));
    expect(formatAnnotations(body)).toEqual([]);
    expect(body.output.summary).toContain(
      "models/scorer/weights/model.pt (PyTorch zip): no code runs when it is loaded",
    );
  });

  test("attack: an LFS safetensors object the app cannot read (404 in the batch) fails closed, never safe", async () => {
    const { body, lfs } = await judgeWithLfs(model("model.safetensors", lfsPointerFor("weights"), sha256("weights")), {
      objects: new Map(),
    });
    expect(body.conclusion).toBe("failure");
    expect(lfs).toEqual({ batches: [[{ oid: sha256("weights"), size: 7 }]], downloads: [] });
    expect(unreadAnnotations(body)).toEqual([
      `models/scorer/weights/model.safetensors: not scanned: a Git LFS object that could not be read: the Git LFS server answered 404 (Object does not exist): ${NEVER_PASSES} [5.2.3-1, 5.2.4-1.2]`,
    ]);
    expect(body.output.summary).not.toContain("no code runs when it is loaded");
  });
});

const NEVER_PASSES =
  "a Git LFS object that is not read never passes (docs/supply-chain.md); make it readable, or declare a format_exception with a justification and an expiry date";

const unreadAnnotations = (body: CheckRunBody): string[] =>
  (body.output.annotations ?? []).map((a) => a.message).filter((m) => m.includes("not scanned"));

/** A real safetensors file as the safetensors library writes it (sorted header padded to 8 bytes): one F32 tensor of `floats`. */
function safetensors(floats: number): Buffer {
  const header = { weight: { dtype: "F32", shape: [floats], data_offsets: [0, floats * 4] } };
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json, "utf8"), Buffer.alloc(floats * 4)]);
}

const lfsModel = (file: string, bytes: Buffer) => model(file, lfsPointerFor(bytes), sha256(bytes));

describe("the app reads Git LFS objects by range requests for the format scan", () => {
  test("attack: a pickle stored in LFS as model.safetensors fails and names the import", async () => {
    const bytes = fixture("pickle-named.safetensors");
    const { body, lfs } = await judgeWithLfs(lfsModel("model.safetensors", bytes), {});
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)[0]).toContain(
      "model.safetensors (pickle (protocol 2)) can run code when loaded: imports posix.system",
    );
    expect(lfs).toEqual({
      batches: [[{ oid: sha256(bytes), size: bytes.length }]],
      downloads: [{ oid: sha256(bytes), range: `bytes=0-${bytes.length - 1}` }],
    });
  });

  test("a benign safetensors file in LFS passes after two range reads: its header and its last bytes", async () => {
    const bytes = safetensors(65536);
    const size = bytes.length;
    const { body, lfs } = await judgeWithLfs(lfsModel("model.safetensors", bytes), {});
    // a new model still waits for its sign-offs; its format requirement is met
    expect(body.conclusion).toBe("action_required");
    expect(formatAnnotations(body)).toEqual([]);
    expect(body.output.summary).toContain(
      "models/scorer/weights/model.safetensors (safetensors): no code runs when it is loaded; 1 tensors",
    );
    expect(lfs.downloads).toEqual([
      { oid: sha256(bytes), range: "bytes=0-131071" },
      { oid: sha256(bytes), range: `bytes=${size - 131072}-${size - 1}` },
    ]);
  });

  test("attack: a .pt in LFS with a malicious second member fails, naming the member", async () => {
    const bytes = fixture("malicious-second-member.pt");
    const { body, lfs } = await judgeWithLfs(lfsModel("model.pt", bytes), {});
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)).toEqual([
      "models/scorer/weights/model.pt (PyTorch zip) can run code when loaded: imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl: store it as safetensors (or another format that holds no code), or declare a format_exception with a justification and an expiry date [5.2.3-1, 5.2.4-1.2]",
    ]);
    expect(lfs.downloads).toEqual([{ oid: sha256(bytes), range: `bytes=0-${bytes.length - 1}` }]);
  });

  test("attack: a storage that ignores Range and sends a 3 GB object whole is cut off at 64 MiB: not scanned, failed", async () => {
    const oid = sha256("three gigabytes of weights");
    const size = 3_000_000_000;
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
    // nock pushes a stream without back pressure: 100 MiB stand for the 3 GB (test/github/lfs-objects.test.ts counts what is pulled)
    const { body, lfs } = await judgeWithLfs(model("model.safetensors", pointer, oid), {
      objects: new Map([[oid, Buffer.alloc(0)]]),
      download: () => [200, Readable.from(Array.from({ length: 100 }, () => Buffer.alloc(1024 * 1024, 0x20)))],
    });
    expect(body.conclusion).toBe("failure");
    expect(lfs.downloads).toEqual([{ oid, range: "bytes=0-131071" }]);
    expect(unreadAnnotations(body)).toEqual([
      `models/scorer/weights/model.safetensors: not scanned: a Git LFS object that could not be read: its storage ignored the range request and sent the whole object, more than the 67108864 bytes read at most: ${NEVER_PASSES} [5.2.3-1, 5.2.4-1.2]`,
    ]);
  });

  test("attack: a download address that is not https is refused: nothing is downloaded, the object fails closed", async () => {
    const bytes = safetensors(16);
    const { body, lfs } = await judgeWithLfs(lfsModel("model.safetensors", bytes), {
      href: (oid) => `http://github-cloud.githubusercontent.com/alambic/media/${oid}`,
    });
    expect(body.conclusion).toBe("failure");
    expect(lfs.downloads).toEqual([]);
    expect(unreadAnnotations(body)).toEqual([
      `models/scorer/weights/model.safetensors: not scanned: a Git LFS object that could not be read: its download address http://github-cloud.githubusercontent.com is not https: refused: ${NEVER_PASSES} [5.2.3-1, 5.2.4-1.2]`,
    ]);
  });

  test("attack: an LFS pointer naming an extension, which the app cannot read, fails closed whatever its name", async () => {
    const pointer = lfsPointerFor("weights").replace("oid ", `ext-0-encrypt sha256:${"c".repeat(64)}\noid `);
    const body = await judge(model("model.safetensors", pointer, sha256("weights")));
    expect(body.conclusion).toBe("failure");
    expect(unreadAnnotations(body)).toEqual([
      `models/scorer/weights/model.safetensors: not scanned: a Git LFS object whose pointer names extensions (its content is transformed): the app does not read it: ${NEVER_PASSES} [5.2.3-1, 5.2.4-1.2]`,
    ]);
  });

  test("under formats: warn an LFS object that cannot be read is reported, and the gate passes", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    servePolicy(OWNER, REPO, "main", "supply_chain:\n  formats: warn\n");
    const lfs = serveLfs({ owner: OWNER, repo: REPO, batch: "once", objects: new Map() });
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: { "README.md": "models\n" } },
        { sha: HEAD, files: { "README.md": "models\n", ...lfsModel("model.safetensors", safetensors(16)) } },
      ],
      lfs: false,
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, 7, []);
    new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);
    await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));
    const body = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody;
    expect(lfs.batches).toHaveLength(1);
    expect(body.conclusion).toBe("action_required");
    expect(unreadAnnotations(body)).toEqual([]);
    expect(body.output.summary).toContain(
      "models/scorer/weights/model.safetensors: not scanned: a Git LFS object that could not be read: the Git LFS server answered 404 (Object does not exist)",
    );
  });
});
