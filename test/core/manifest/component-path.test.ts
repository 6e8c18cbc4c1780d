import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { componentRepoPath } from "../../../src/core/manifest/load-manifest.js";

describe("componentRepoPath: the manifest's folder joined with the component path, normalized", () => {
  const manifests = [
    "model.yaml",
    "models/fraud/model.yaml",
    "./model.yaml",
    "a/./model.yaml",
    "a//b/model.yaml",
    "/abs/model.yaml",
    "a/../b/model.yaml",
    "a/b/",
  ];
  const components = [
    "w.bin",
    "weights/model.safetensors",
    "./w.bin",
    "a/./b",
    "a//b",
    "a/",
    ".",
    "..",
    "../x",
    "a/..",
    "x/.hidden",
    "...",
    "a/.../b",
    ".x",
    "x.",
  ];
  it.each(manifests.flatMap((m) => components.map((c) => ({ m, c }))))("$m + $c", ({ m, c }) => {
    expect(componentRepoPath(m, { path: c, kind: "weights" })).toBe(posix.normalize(posix.join(posix.dirname(m), c)));
  });
});
