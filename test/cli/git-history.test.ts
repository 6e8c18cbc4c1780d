import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logFirstParent, manifestLoader, readTags, treesInLog } from "../../src/cli/git-history.js";
import { readContents, snapshotAt as listTree, type GitSnapshot } from "../../src/cli/git-snapshot.js";
import type { FileContent } from "../../src/core/detect/snapshot.js";
import { defaultPolicy } from "../../src/core/policy/schema.js";
import { TestRepo } from "./git-repo.js";

describe("treesInLog: the trees of first-parent commits replayed from `git log --raw`", () => {
  const repo = TestRepo.create("modelgate-trees-");
  const sub = TestRepo.create("modelgate-trees-sub-");
  afterAll(() => {
    repo.dispose();
    sub.dispose();
  });

  it("lists what `git ls-tree -r` lists at every commit: merges, deletions, renames, symlinks, type changes, submodules, non-ASCII paths", async () => {
    sub.write({ "x.txt": "x\n" }).commit("sub");
    repo.write({
      "a.txt": "a\n",
      "models/z/model.yaml": "name: z\n",
      "models/é/model.yaml": "name: e\n",
      "models/\u{1f600}/model.yaml": "name: s\n",
      "models/\uff5e/m.yaml": "x",
    });
    repo.commit("one");
    repo.branch("side").write({ "side/new.txt": "n\n", "a.txt": "a2\n" }).commit("side");
    repo.checkout("main").write({ "b.txt": "b\n" }).commit("main moves on");
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side");
    repo.move("b.txt", "c/b.txt").remove("models/z").commit("rename and delete");
    symlinkSync("a.txt", join(repo.dir, "link"));
    repo.write({ typechange: "file\n" }).commit("symlink");
    repo.remove("typechange");
    symlinkSync("a.txt", join(repo.dir, "typechange"));
    repo.commit("type change");
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/sub");
    repo.commit("submodule");
    repo.git("commit", "-q", "--allow-empty", "-m", "empty");

    const log = await logFirstParent(repo.dir, "HEAD");
    expect(log.map((c) => c.subject)).toEqual([
      "one",
      "main moves on",
      "merge side",
      "rename and delete",
      "symlink",
      "type change",
      "submodule",
      "empty",
    ]);
    const trees = treesInLog(log, new Set(log.map((c) => c.commit)));
    for (const c of log) {
      const listed = [...(await listTree(repo.dir, c.commit)).entries.values()].map(({ path, blobSha, mode }) => ({
        path,
        blobSha,
        mode,
      }));
      expect([...trees.get(c.commit)!.values()], c.subject).toEqual(listed);
    }
    // only the commits asked for
    expect([...treesInLog(log, new Set([log[1]!.commit])).keys()]).toEqual([log[1]!.commit]);
  });

  it("gives readTags the same tags as listing each tagged tree, for tags in the history and off it", async () => {
    const r = TestRepo.create("modelgate-tags-");
    try {
      const manifest = (version: string): string =>
        `name: m\nversion: ${version}\ncomponents:\n  - path: w.bin\n    kind: weights\n    sha256: ${"a".repeat(64)}\n`;
      r.write({ "models/m/model.yaml": manifest("1.0.0"), "models/m/w.bin": "w" }).commit("one");
      r.git("tag", "v1");
      r.branch("side")
        .write({
          "models/m/model.yaml": manifest("1.1.0"),
          "models/n/model.yaml": manifest("2.0.0").replace("name: m", "name: n"),
        })
        .commit("side");
      r.git("tag", "-a", "side-1", "-m", "off the first-parent history of main");
      r.checkout("main")
        .write({ "models/m/model.yaml": manifest("1.2.0") })
        .commit("two");
      r.git("tag", "-a", "v2", "-m", "release 2");
      const log = await logFirstParent(r.dir, "main");
      const replayed = await readTags(r.dir, defaultPolicy(), undefined, undefined, log);
      expect(replayed).toEqual(await readTags(r.dir, defaultPolicy()));
      expect(replayed.map((t) => [t.name, t.models.map((m) => `${m.name} ${m.version}`)])).toEqual([
        ["side-1", ["m 1.1.0", "n 2.0.0"]],
        ["v1", ["m 1.0.0"]],
        ["v2", ["m 1.2.0"]],
      ]);
    } finally {
      r.dispose();
    }
  });
});

describe("the audit's caches", () => {
  it("manifestLoader parses a path and text once, and never answers for another text or another path", () => {
    const load = manifestLoader();
    const v1 = "name: m\nversion: 1.0.0\ncomponents:\n  - path: w.bin\n    kind: weights\n";
    const v2 = v1.replace("1.0.0", "1.1.0");
    const first = load("models/m/model.yaml", v1);
    expect(load("models/m/model.yaml", `${v1}`)).toBe(first);
    const other = load("models/m/model.yaml", v2);
    expect(other).not.toBe(first);
    expect(other.ok && other.loaded.manifest.version).toBe("1.1.0");
    // the same text elsewhere is another manifest: its path and its components' paths are its own
    const moved = load("models/other/model.yaml", v1);
    expect(moved).not.toBe(first);
    expect(moved.ok && moved.loaded.path).toBe("models/other/model.yaml");
    expect(load("bad.yaml", "name: [").ok).toBe(false);
    expect(first.ok && first.loaded.manifest.version).toBe("1.0.0");
  });

  it("readContents takes known bytes by blob sha, reads the others and adds them, and never shares why a blob was unreadable", async () => {
    const r = TestRepo.create("modelgate-known-");
    try {
      r.write({ "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" }).commit("one");
      const snapshot: GitSnapshot = await listTree(r.dir, "HEAD");
      const sha = (path: string): string => snapshot.entries.get(path)!.blobSha;
      const known = new Map<string, FileContent>([
        [sha("a.txt"), { kind: "text", text: "from the cache", size: 14 }],
        [sha("b.txt"), { kind: "unreadable", reason: "too large (in another reader's words)" }],
      ]);
      await readContents(r.dir, [{ snapshot, paths: ["a.txt", "b.txt", "c.txt"] }], known);
      expect(snapshot.contents.get("a.txt")).toEqual({ kind: "text", text: "from the cache", size: 14 });
      expect(snapshot.contents.get("b.txt")).toEqual({ kind: "text", text: "b\n", size: 2 });
      expect(snapshot.contents.get("c.txt")).toEqual({ kind: "text", text: "c\n", size: 2 });
      expect(known.get(sha("c.txt"))).toEqual({ kind: "text", text: "c\n", size: 2 });
      // what is known is not replaced
      expect(known.get(sha("b.txt"))).toEqual({ kind: "unreadable", reason: "too large (in another reader's words)" });
    } finally {
      r.dispose();
    }
  });
});
