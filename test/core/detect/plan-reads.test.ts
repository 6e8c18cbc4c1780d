import { describe, expect, it } from "vitest";
import { plannedReads } from "../../../src/core/detect/plan-reads.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import type { FileContent, Snapshot } from "../../../src/core/detect/snapshot.js";
import { MAX_HASHED_FILE_BYTES } from "../../../src/core/detect/snapshot.js";
import {
  approvalFacts,
  modelFiles,
  snapshot,
  testPolicy,
  withoutContents,
  type FileSpec,
} from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";

const policy = testPolicy();

function models(count: number, version: string, weights: string): Record<string, FileSpec> {
  const files: Record<string, FileSpec> = {};
  for (let i = 0; i < count; i++) {
    Object.assign(
      files,
      modelFiles({
        dir: `models/m${i}`,
        version,
        components: {
          "model.safetensors": { kind: "weights", lfs: `${weights} ${i}` },
          "prompt.txt": { kind: "prompt", text: `prompt ${i}` },
        },
      }).files,
    );
  }
  return files;
}

/** What an edge does: start with the trees only, read what plannedReads asks, until it asks nothing. */
function readLikeAnEdge(full: { base: Snapshot; head: Snapshot }): {
  base: Snapshot;
  head: Snapshot;
  rounds: Array<{ base: string[]; head: string[] }>;
} {
  let base = withoutContents(full.base);
  let head = withoutContents(full.head);
  const rounds: Array<{ base: string[]; head: string[] }> = [];
  for (;;) {
    const reads = plannedReads(policy, base, head);
    if (reads.base.length === 0 && reads.head.length === 0) break;
    rounds.push(reads);
    if (rounds.length > 5) throw new Error("plannedReads does not converge");
    const fill = (s: Snapshot, from: Snapshot, paths: string[]): Snapshot => {
      const contents = new Map<string, FileContent>(s.contents);
      for (const path of paths)
        contents.set(path, from.contents.get(path) ?? { kind: "unreadable", reason: "not read in this test" });
      return { ...s, contents };
    };
    base = fill(base, full.base, reads.base);
    head = fill(head, full.head, reads.head);
  }
  return { base, head, rounds };
}

describe("plannedReads", () => {
  it("asks first for every manifest at both ends, and nothing that is already read or absent", () => {
    const base = snapshot(models(2, "1.0.0", "w1"), "base");
    const head = snapshot({ ...models(2, "1.0.0", "w1"), ...modelFiles({ dir: "models/new" }).files }, "head");
    const reads = plannedReads(
      policy,
      withoutContents(base),
      withoutContents(head, (p) => p === "models/m0/model.yaml"),
    );
    expect(reads.base).toEqual(expect.arrayContaining(["models/m0/model.yaml", "models/m1/model.yaml"]));
    expect(reads.head).toEqual(expect.arrayContaining(["models/m1/model.yaml", "models/new/model.yaml"]));
    expect(reads.head).not.toContain("models/m0/model.yaml");
    expect([...reads.base, ...reads.head].filter((p) => p.endsWith("prompt.txt"))).toEqual([]);
  });

  it("reads every file of a folder component at head, so the edge verifies it like a file (folder digest)", () => {
    const folder = (shard: string) => ({
      ...modelFiles({
        dir: "models/sharded",
        version: shard === "v1" ? "1.0.0" : "1.1.0",
        components: { weights: { kind: "weights", sha256: "0".repeat(64), present: false } },
      }).files,
      "models/sharded/weights/a.bin": `a ${shard}`,
      "models/sharded/weights/deep/b.bin": "b",
    });
    const { head, rounds } = readLikeAnEdge({
      base: snapshot(folder("v1"), "base"),
      head: snapshot(folder("v2"), "head"),
    });
    expect(rounds.flatMap((r) => r.head)).toEqual(
      expect.arrayContaining(["models/sharded/weights/a.bin", "models/sharded/weights/deep/b.bin"]),
    );
    expect(head.contents.get("models/sharded/weights/deep/b.bin")).toMatchObject({ kind: "text", text: "b" });
    const model = evaluateGate({
      policy,
      base: snapshot(folder("v1"), "base"),
      head,
      facts: approvalFacts(),
      now: TEST_NOW,
    }).models[0];
    expect(model?.requirements.find((r) => r.id === "hash:weights")?.message).toMatch(
      /the folder digest is [0-9a-f]{64}/,
    );
  });

  it("then asks for the head component files of the models that changed only", () => {
    const base = snapshot(models(2, "1.0.0", "w1"), "base");
    const head = snapshot(
      {
        ...models(1, "1.0.0", "w1"),
        ...modelFiles({
          dir: "models/m1",
          version: "2.0.0",
          components: {
            "model.safetensors": { kind: "weights", lfs: "w2 1" },
            "prompt.txt": { kind: "prompt", text: "prompt 1" },
          },
        }).files,
      },
      "head",
    );
    const manifestsRead = (p: string): boolean => p.endsWith("model.yaml");
    const reads = plannedReads(policy, withoutContents(base, manifestsRead), withoutContents(head, manifestsRead));
    expect(reads.head).toEqual(expect.arrayContaining(["models/m1/model.safetensors", "models/m1/prompt.txt"]));
    expect(reads.head.filter((p) => p.startsWith("models/m0/"))).toEqual([]);
    expect(reads.base.filter((p) => p.endsWith("prompt.txt"))).toEqual([]);
  });

  it("does not ask for a component file too large to hash, nor for one missing from the tree", () => {
    const fixture = modelFiles({
      dir: "models/big",
      components: {
        "model.onnx": { kind: "weights", text: "x" },
        "gone.txt": { kind: "config", text: "c", present: false },
      },
    });
    const files: Record<string, FileSpec> = {
      ...fixture.files,
      "models/big/model.onnx": { unread: "big", size: MAX_HASHED_FILE_BYTES + 1 },
    };
    const reads = plannedReads(
      policy,
      snapshot({}),
      withoutContents(snapshot(files), (p) => p.endsWith("model.yaml")),
    );
    expect(reads.head).not.toContain("models/big/model.onnx");
    expect(reads.head).not.toContain("models/big/gone.txt");
  });

  it("is empty once everything needed is read", () => {
    const base = snapshot(models(1, "1.0.0", "w1"), "base");
    const head = snapshot(models(1, "1.1.0", "w2"), "head");
    expect(plannedReads(policy, base, head)).toEqual({ base: [], head: [] });
  });

  it.each([1, 10, 60])(
    "takes the same number of rounds for %i changed models, and the result equals reading everything",
    (count) => {
      const full = {
        base: snapshot(models(count, "1.0.0", "w1"), "base"),
        head: snapshot(models(count, "1.1.0", "w2"), "head"),
      };
      const read = readLikeAnEdge(full);
      expect(read.rounds.length).toBe(2);
      const facts = approvalFacts();
      const expected = evaluateGate({ policy, ...full, facts, now: TEST_NOW });
      const actual = evaluateGate({ policy, base: read.base, head: read.head, facts, now: TEST_NOW });
      expect(actual).toEqual(expected);
      expect(actual.models).toHaveLength(count);
      expect(
        actual.models.every((m) =>
          m.requirements.filter((r) => r.id.startsWith("hash:")).every((r) => r.status === "met"),
        ),
      ).toBe(true);
    },
  );
});
