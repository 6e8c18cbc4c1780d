import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  CatFileBatchReader,
  fileContent,
  parseCatFileBatch,
  parseLsTree,
  readContents,
  snapshotAt,
} from "../../src/cli/git-snapshot.js";
import { streamGit } from "../../src/cli/git.js";
import { MAX_HASHED_FILE_BYTES } from "../../src/core/detect/snapshot.js";
import { TestRepo } from "./git-repo.js";

const sha = (n: string): string => n.repeat(40);

describe("parseLsTree", () => {
  it.each([
    {
      name: "a blob with its size",
      out: `100644 blob ${sha("a")}     120\tmodels/m/model.yaml\x00`,
      expected: [{ path: "models/m/model.yaml", blobSha: sha("a"), size: 120, mode: "100644" }],
    },
    {
      name: "an executable and a symlink keep their modes",
      out: `100755 blob ${sha("b")}       5\trun.sh\x00120000 blob ${sha("c")}      11\tlink\x00`,
      expected: [
        { path: "run.sh", blobSha: sha("b"), size: 5, mode: "100755" },
        { path: "link", blobSha: sha("c"), size: 11, mode: "120000" },
      ],
    },
    {
      name: "a submodule is skipped",
      out: `160000 commit ${sha("d")}       -\tvendor/lib\x00100644 blob ${sha("e")} 0\tempty\x00`,
      expected: [{ path: "empty", blobSha: sha("e"), size: 0, mode: "100644" }],
    },
    {
      name: "paths with spaces, tabs and non-ASCII are kept verbatim (-z)",
      out: `100644 blob ${sha("f")}       1\tmy models/modèle\t1.pt\x00`,
      expected: [{ path: "my models/modèle\t1.pt", blobSha: sha("f"), size: 1, mode: "100644" }],
    },
    { name: "no files", out: "", expected: [] },
  ])("$name", ({ out, expected }) => {
    expect([...parseLsTree(Buffer.from(out, "utf8")).values()]).toEqual(expected);
  });
});

describe("parseCatFileBatch", () => {
  it("splits records by their sizes, even when contents hold newlines; missing objects are absent", () => {
    const out = Buffer.concat([
      Buffer.from(`${sha("1")} blob 7\nline1\nx\n`),
      Buffer.from(`${sha("2")} missing\n`),
      Buffer.from(`${sha("3")} blob 0\n\n`),
      Buffer.from(`${sha("4")} blob 3\n`),
      Buffer.from([0, 10, 255]),
      Buffer.from("\n"),
    ]);
    const blobs = parseCatFileBatch(out);
    expect([...blobs.keys()]).toEqual([sha("1"), sha("3"), sha("4")]);
    expect(blobs.get(sha("1"))?.toString()).toBe("line1\nx");
    expect(blobs.get(sha("3"))?.length).toBe(0);
    expect([...(blobs.get(sha("4")) ?? [])]).toEqual([0, 10, 255]);
  });
});

describe("CatFileBatchReader", () => {
  it("hands out every whole blob however the answer is cut into chunks", () => {
    const records = Array.from({ length: 40 }, (_, i) => {
      if (i % 9 === 4) return { oid: sha(String(i % 10)), missing: true, bytes: Buffer.alloc(0) };
      // contents with newlines, empty ones, and one large enough to span many chunks
      const bytes = i === 7 ? Buffer.alloc(70_000, 10) : Buffer.from(`${"line\n".repeat(i)}${i}`);
      return { oid: `${String(i).padStart(2, "0")}${"f".repeat(38)}`, missing: false, bytes };
    });
    const answer = Buffer.concat(
      records.map((r) =>
        r.missing
          ? Buffer.from(`${r.oid} missing\n`)
          : Buffer.concat([Buffer.from(`${r.oid} blob ${r.bytes.length}\n`), r.bytes, Buffer.from("\n")]),
      ),
    );
    const expected = records.filter((r) => !r.missing).map((r) => [r.oid, r.bytes.toString("hex")]);
    for (const size of [1, 2, 7, 50, 4096, 65536, answer.length]) {
      const seen: string[][] = [];
      const reader = new CatFileBatchReader((oid, bytes) => seen.push([oid, bytes.toString("hex")]));
      for (let at = 0; at < answer.length; at += size) reader.push(answer.subarray(at, at + size));
      expect(seen, `chunks of ${size} bytes`).toEqual(expected);
    }
    expect([...parseCatFileBatch(answer).entries()].map(([oid, bytes]) => [oid, bytes.toString("hex")])).toEqual(
      expected,
    );
  });
});

describe("fileContent", () => {
  it.each([
    { name: "UTF-8 is text", bytes: Buffer.from("système: prompt\n"), kind: "text" },
    {
      name: "a byte-order mark stays in the text, so the text hashes to the file",
      bytes: Buffer.from("\uFEFFhello", "utf8"),
      kind: "text",
    },
    { name: "invalid UTF-8 is binary, hashed", bytes: Buffer.from([0x80, 0x81, 0xff]), kind: "binary" },
  ])("$name", ({ bytes, kind }) => {
    const content = fileContent(bytes);
    expect(content.kind).toBe(kind);
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (content.kind === "text") expect(createHash("sha256").update(content.text, "utf8").digest("hex")).toBe(hash);
    if (content.kind === "binary") expect(content.sha256).toBe(hash);
    expect(content.kind !== "unreadable" && content.size).toBe(bytes.length);
  });
});

describe("snapshotAt and readContents on a real repository", () => {
  const repo = TestRepo.create();
  afterAll(() => repo.dispose());

  it("lists the commit's blobs (not the working tree), skips submodules, reads with one batch", async () => {
    const big = Buffer.alloc(MAX_HASHED_FILE_BYTES + 1, 7);
    repo.write({
      "a/prompt.txt": "same\n",
      "b/copy.txt": "same\n",
      "w.bin": Buffer.from([0xff, 0x00, 0x01]),
      "big.pt": big,
    });
    repo.git("add", "-A");
    repo.git("update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/sub`);
    const commit = repo.commit("files");
    repo.write({ "a/prompt.txt": "changed in the working tree only\n" });

    const snapshot = await snapshotAt(repo.dir, commit);
    expect([...snapshot.entries.keys()].sort()).toEqual(["a/prompt.txt", "b/copy.txt", "big.pt", "w.bin"]);
    expect(snapshot.entries.get("big.pt")?.size).toBe(big.length);

    await readContents(repo.dir, [{ snapshot, paths: ["a/prompt.txt", "b/copy.txt", "w.bin", "big.pt", "not/there"] }]);
    expect(snapshot.contents.get("a/prompt.txt")).toEqual({ kind: "text", text: "same\n", size: 5 });
    expect(snapshot.contents.get("b/copy.txt")).toEqual({ kind: "text", text: "same\n", size: 5 });
    expect(snapshot.contents.get("w.bin")).toEqual({
      kind: "binary",
      sha256: createHash("sha256")
        .update(Buffer.from([0xff, 0, 1]))
        .digest("hex"),
      size: 3,
      bytes: Uint8Array.from([0xff, 0, 1]),
    });
    expect(snapshot.contents.get("big.pt")).toMatchObject({ kind: "unreadable", size: big.length });
    expect(snapshot.contents.get("big.pt")).toHaveProperty("reason", expect.stringContaining("too large"));
    expect(snapshot.contents.has("not/there")).toBe(false);
  });

  it("streamGit: a consumer that throws stops git and fails the read with its error", async () => {
    const commit = repo.git("rev-parse", "HEAD");
    const shas = Array.from({ length: 2000 }, () => `${commit}\n`).join("");
    let chunks = 0;
    const read = streamGit(repo.dir, ["cat-file", "--batch"], shas, () => {
      chunks++;
      throw new Error("the consumer gave up");
    });
    await expect(read).rejects.toThrow("the consumer gave up");
    expect(chunks).toBe(1);
  });
});
