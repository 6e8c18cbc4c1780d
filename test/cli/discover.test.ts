import { afterAll, describe, expect, it } from "vitest";
import { TestRepo, runModelgate } from "./git-repo.js";
import { lfsPointer } from "./model-fixtures.js";
import type { CheckJson } from "../../src/cli/check-json.js";

const md5 = (c: string): string => c.repeat(32);
const RAW_WEIGHTS = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x00, 0xff, 0xfe, 0x01, 0x02]);
const lock = (outs: string, deps = ""): string =>
  `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n${deps}    outs:\n${outs}`;
const out = (path: string, hash: string): string =>
  `    - path: ${path}\n      hash: md5\n      md5: ${hash}\n      size: 2048\n`;

interface Layout {
  name: string;
  /** Files on main, then the change on the branch (null deletes, {to} moves). */
  base: Record<string, string | Buffer>;
  change: Record<string, string | Buffer | null | { movedTo: string }>;
  unmanaged: CheckJson["unmanaged"];
}

const layouts: Layout[] = [
  {
    name: "a raw weights file",
    base: {},
    change: { "models/clf.onnx": RAW_WEIGHTS },
    unmanaged: [{ path: "models/clf.onnx", source: "artifact", change: "added" }],
  },
  {
    name: "a Git LFS pointer to weights",
    base: {},
    change: { "llm/model.gguf": lfsPointer("llm") },
    unmanaged: [{ path: "llm/model.gguf", source: "lfs", change: "added" }],
  },
  {
    name: "attack: an upper-case extension (stuff/model.SAFETENSORS)",
    base: {},
    change: { "stuff/model.SAFETENSORS": RAW_WEIGHTS },
    unmanaged: [{ path: "stuff/model.SAFETENSORS", source: "artifact", change: "added" }],
  },
  { name: "an LFS-tracked GIF (ignored)", base: {}, change: { "docs/demo.gif": lfsPointer("gif") }, unmanaged: [] },
  {
    name: "a dvc.yaml artifact declared type: model",
    base: { "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n" },
    change: {
      "dvc.yaml":
        "stages:\n  train:\n    cmd: python train.py\nartifacts:\n  churn:\n    path: models/churn\n    type: model\n",
    },
    unmanaged: [{ path: "models/churn", source: "dvc", change: "added" }],
  },
  {
    name: "a dvc.lock out whose md5 changed (retrain)",
    base: { "dvc.lock": lock(out("model.pkl", md5("a"))) },
    change: { "dvc.lock": lock(out("model.pkl", md5("b"))) },
    unmanaged: [{ path: "model.pkl", source: "dvc", change: "modified" }],
  },
  {
    name: "a dvc.lock md5 that changed only as a dependency (not reported)",
    base: { "dvc.lock": lock(out("metrics.json", md5("m")), `    deps:\n${out("model.pkl", md5("a"))}`) },
    change: { "dvc.lock": lock(out("metrics.json", md5("m")), `    deps:\n${out("model.pkl", md5("b"))}`) },
    unmanaged: [],
  },
  {
    name: "a .dvc file whose outs md5 is unchanged (not reported)",
    base: { "model.pt.dvc": `outs:\n- md5: ${md5("a")}\n  size: 100\n  path: model.pt\n` },
    change: { "model.pt.dvc": `# re-added\nouts:\n- md5: ${md5("a")}\n  size: 100\n  hash: md5\n  path: model.pt\n` },
    unmanaged: [],
  },
  {
    name: "an MLflow MLmodel file",
    base: {},
    change: { "mlruns/0/run/artifacts/model/MLmodel": "artifact_path: model\nflavors:\n  sklearn: {}\n" },
    unmanaged: [{ path: "mlruns/0/run/artifacts/model", source: "mlflow", change: "added" }],
  },
  {
    name: "a Hugging Face model card",
    base: {},
    change: {
      "hub/README.md": "---\nbase_model: mistralai/Mistral-7B-v0.1\npipeline_tag: text-generation\n---\n# Fine-tune\n",
    },
    unmanaged: [{ path: "hub/README.md", source: "hf-card", change: "added" }],
  },
  {
    name: "trap: a pure rename of weights (not a change)",
    base: { "old/model.safetensors": lfsPointer("same") },
    change: { "old/model.safetensors": { movedTo: "new/model.safetensors" } },
    unmanaged: [],
  },
  {
    name: "an LFS pointer replaced by raw bytes (still the LFS model: source lfs)",
    base: { "weights/model.bin": lfsPointer("v1") },
    change: { "weights/model.bin": RAW_WEIGHTS },
    unmanaged: [{ path: "weights/model.bin", source: "lfs", change: "modified" }],
  },
  {
    name: "an LFS pointer emptied (a deletion of the LFS model)",
    base: { "weights/model.bin": lfsPointer("v1") },
    change: { "weights/model.bin": "" },
    unmanaged: [{ path: "weights/model.bin", source: "lfs", change: "deleted" }],
  },
  {
    name: "trap: an empty file becoming an LFS pointer (an addition)",
    base: { "weights/model.bin": "" },
    change: { "weights/model.bin": lfsPointer("real") },
    unmanaged: [{ path: "weights/model.bin", source: "lfs", change: "added" }],
  },
];

const repos: TestRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.dispose();
});

describe("modelgate check discovers unmanaged models in a real repository", () => {
  it.each(layouts)("$name", async ({ base, change, unmanaged }) => {
    const repo = TestRepo.create();
    repos.push(repo);
    repo.write({ "README.txt": "project\n", ...base }).commit("base");
    repo.branch("change");
    for (const [path, content] of Object.entries(change)) {
      if (content === null) repo.remove(path);
      else if (typeof content === "object" && !Buffer.isBuffer(content)) repo.move(path, content.movedTo);
      else repo.write({ [path]: content });
    }
    repo.commit("change");
    const run = await runModelgate(["check", "--json", "--base", "main"], repo.dir);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.unmanaged).toEqual(unmanaged);
    expect(json.models).toEqual([]);
    // the default policy fails on shadow AI
    expect(run.code).toBe(unmanaged.length > 0 ? 1 : 0);
    expect(json.verdict).toBe(unmanaged.length > 0 ? "failure" : "success");
  });

  it("with unmanaged_artifacts: warn the finding is reported and nothing fails", async () => {
    const repo = TestRepo.create();
    repos.push(repo);
    repo.write({ ".github/modelgate.yml": "unmanaged_artifacts: warn\n" }).commit("policy");
    repo
      .branch("change")
      .write({ "m.ckpt": lfsPointer("ckpt") })
      .commit("checkpoint");
    const json = await runModelgate(["check", "--json", "--base", "main"], repo.dir);
    expect(json.code).toBe(0);
    const { base, head: _head, ...result } = JSON.parse(json.stdout) as CheckJson;
    expect(result).toEqual({
      verdict: "success",
      models: [],
      unmanaged: [{ path: "m.ckpt", source: "lfs", change: "added" }],
    });
    expect(base).toMatchObject({ given: "main", ref: "refs/heads/main" });
    const human = await runModelgate(["check", "--base", "main"], repo.dir);
    expect(human.stdout).toContain("! added    m.ckpt  (Git LFS pointer matching the artifact globs; warning only)");
  });
});
