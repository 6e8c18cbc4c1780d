import nock from "nock";
import { describe, expect, test } from "vitest";
import { MAX_HASHED_FILE_BYTES } from "../../../src/core/detect/snapshot.js";
import {
  ALIASES_PER_GRAPHQL_REQUEST,
  blobQuery,
  readFileContents,
  type FileToRead,
} from "../../../src/github/read-contents.js";
import { FakeRepository, GITHUB_API, parseObjectAliases } from "../../helpers/fake-repository.js";
import { commitSha, gitBlobSha, sha256 } from "../../fixtures/git-objects.js";
import { testOctokit } from "../../helpers/test-app.js";

const COMMIT = commitSha("c1");
const where = { owner: "acme", repo: "models" };

function filesToRead(files: Record<string, string | Buffer>, commit = COMMIT): FileToRead[] {
  return Object.entries(files).map(([path, content]) => ({ commit, path, blobSha: gitBlobSha(content) }));
}

describe("blobQuery", () => {
  test.each([
    ["a plain path", "models/fraud/model.yaml"],
    ["quotes", 'models/"quoted"/model.yaml'],
    ["a backslash", "models\\weird/model.yaml"],
    ["a newline", "models/line\nbreak.yaml"],
    ["unicode", "modèles/日本/😀.yaml"],
    ["a GraphQL-looking name", '") { evil } f9: object(expression: "x'],
  ])("escapes %s so the expression reaches GitHub unchanged", (_case, path) => {
    const aliases = parseObjectAliases(blobQuery([{ commit: COMMIT, path }]));
    expect(aliases).toEqual([{ alias: "f0", expression: `${COMMIT}:${path}` }]);
  });
});

describe("readFileContents", () => {
  test("reads text files in one request and a file shared by two commits once", async () => {
    const files = { "a/model.yaml": "name: a\n", "b/model.yaml": "name: b\n" };
    const other = commitSha("c2");
    const repository = new FakeRepository({
      ...where,
      commits: [
        { sha: COMMIT, files },
        { sha: other, files: { "a/model.yaml": "name: a\n" } },
      ],
    }).serveContents();

    const contents = await readFileContents(testOctokit(), where, [
      ...filesToRead(files),
      ...filesToRead({ "a/model.yaml": "name: a\n" }, other),
    ]);

    expect(repository.graphqlRequests).toEqual([[`${COMMIT}:a/model.yaml`, `${COMMIT}:b/model.yaml`]]);
    expect(contents.get(gitBlobSha("name: a\n"))).toEqual({ kind: "text", text: "name: a\n", size: 8 });
    expect(contents.get(gitBlobSha("name: b\n"))).toEqual({ kind: "text", text: "name: b\n", size: 8 });
  });

  test(`asks at most ${ALIASES_PER_GRAPHQL_REQUEST} files per GraphQL request`, async () => {
    const files = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`m${i}/model.yaml`, `name: m${i}\n`]));
    const repository = new FakeRepository({ ...where, commits: [{ sha: COMMIT, files }] }).serveContents();

    const contents = await readFileContents(testOctokit(), where, filesToRead(files));

    expect(repository.graphqlRequests.map((aliases) => aliases.length)).toEqual([250, 250, 100]);
    expect(contents.size).toBe(600);
  });

  test("hashes a small binary file read through the REST blob API", async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00]);
    const repository = new FakeRepository({
      ...where,
      commits: [{ sha: COMMIT, files: { "w/model.pt": bytes } }],
    }).serveContents();

    const contents = await readFileContents(testOctokit(), where, filesToRead({ "w/model.pt": bytes }));

    expect(repository.graphqlRequests).toHaveLength(1);
    expect(contents.get(gitBlobSha(bytes))).toEqual({ kind: "binary", sha256: sha256(bytes), size: 5, bytes });
  });

  test.each([
    ["missing (null object)", null, { kind: "unreadable", reason: "missing" }],
    [
      "too large to hash",
      { text: null, byteSize: MAX_HASHED_FILE_BYTES + 1, isBinary: true, isTruncated: false },
      {
        kind: "unreadable",
        reason: `too large to read (${MAX_HASHED_FILE_BYTES + 1} bytes; modelgate reads files up to ${MAX_HASHED_FILE_BYTES} bytes)`,
        size: MAX_HASHED_FILE_BYTES + 1,
      },
    ],
  ])("a file GitHub reports as %s is unreadable", async (_case, object, expected) => {
    nock(GITHUB_API)
      .post("/graphql")
      .reply(200, { data: { repository: { f0: object } } });

    const contents = await readFileContents(testOctokit(), where, [
      { commit: COMMIT, path: "x.bin", blobSha: "b".repeat(40) },
    ]);

    expect(contents.get("b".repeat(40))).toEqual(expected);
  });

  test("a truncated text is read in full through the blob API", async () => {
    const text = "é".repeat(10);
    nock(GITHUB_API)
      .post("/graphql")
      .reply(200, {
        data: { repository: { f0: { text: "é".repeat(3), byteSize: 20, isBinary: false, isTruncated: true } } },
      });
    nock(GITHUB_API)
      .get(`/repos/acme/models/git/blobs/${gitBlobSha(text)}`)
      .reply(200, { content: Buffer.from(text).toString("base64"), encoding: "base64" });

    const contents = await readFileContents(testOctokit(), where, filesToRead({ "p.txt": text }));

    expect(contents.get(gitBlobSha(text))).toEqual({ kind: "text", text, size: 20 });
  });

  test("GraphQL errors fail the evaluation closed, naming the repository", async () => {
    nock(GITHUB_API)
      .post("/graphql")
      .reply(200, { data: null, errors: [{ message: "Something went wrong" }] });

    await expect(readFileContents(testOctokit(), where, filesToRead({ "a.yaml": "a: 1\n" }))).rejects.toThrow(
      /while reading 1 file\(s\) \(GraphQL\) of acme\/models/,
    );
  });
});
