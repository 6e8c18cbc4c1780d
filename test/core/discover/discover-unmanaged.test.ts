import { describe, expect, it } from "vitest";
import { discoverUnmanaged, discoveryReads } from "../../../src/core/discover/discover-unmanaged.js";
import { defaultPolicy, type Policy } from "../../../src/core/policy/schema.js";
import type { UnmanagedModel } from "../../../src/core/detect/types.js";
import type { Snapshot } from "../../../src/core/detect/snapshot.js";
import { lfsPointer, snapshot, type TestFile } from "./snapshots.js";

const WEIGHTS = { binarySize: 4096, seed: "weights-v1" };
const WEIGHTS_V2 = { binarySize: 4096, seed: "weights-v2" };
const md5 = (c: string): string => c.repeat(32);

const dvcLock = (stages: Record<string, { deps?: Array<[string, string]>; outs?: Array<[string, string]> }>): string =>
  "schema: '2.0'\nstages:\n" +
  Object.entries(stages)
    .map(
      ([name, stage]) =>
        `  ${name}:\n    cmd: python ${name}.py\n` +
        (stage.deps
          ? "    deps:\n" +
            stage.deps.map(([p, m]) => `    - path: ${p}\n      hash: md5\n      md5: ${m}\n      size: 10\n`).join("")
          : "") +
        (stage.outs
          ? "    outs:\n" +
            stage.outs.map(([p, m]) => `    - path: ${p}\n      hash: md5\n      md5: ${m}\n      size: 10\n`).join("")
          : ""),
    )
    .join("");

const dvcStub = (path: string, hash: string, extra = ""): string =>
  `outs:\n- md5: ${hash}\n  size: 1000\n  hash: md5\n  path: ${path}\n${extra}`;

const card = (frontMatter: string, body = "# My model\n"): string => `---\n${frontMatter}\n---\n${body}`;

interface Case {
  name: string;
  base: Record<string, TestFile>;
  head: Record<string, TestFile>;
  declared?: string[];
  policy?: (p: Policy) => Policy;
  expected: UnmanagedModel[];
}

const cases: Case[] = [
  // artifacts matched by the globs
  {
    name: "a raw weights file added",
    base: {},
    head: { "models/a.safetensors": WEIGHTS },
    expected: [{ path: "models/a.safetensors", source: "artifact", change: "added" }],
  },
  {
    name: "a raw weights file replaced",
    base: { "m.onnx": WEIGHTS },
    head: { "m.onnx": WEIGHTS_V2 },
    expected: [{ path: "m.onnx", source: "artifact", change: "modified" }],
  },
  {
    name: "a raw weights file deleted",
    base: { "m.pt": WEIGHTS },
    head: {},
    expected: [{ path: "m.pt", source: "artifact", change: "deleted" }],
  },
  {
    name: "an LFS pointer to weights added",
    base: {},
    head: { "w/model.gguf": lfsPointer("a") },
    expected: [{ path: "w/model.gguf", source: "lfs", change: "added" }],
  },
  {
    name: "an LFS pointer to weights changed",
    base: { "model.bin": lfsPointer("a") },
    head: { "model.bin": lfsPointer("b") },
    expected: [{ path: "model.bin", source: "lfs", change: "modified" }],
  },
  {
    name: "an LFS pointer to weights deleted",
    base: { "model.bin": lfsPointer("a") },
    head: {},
    expected: [{ path: "model.bin", source: "lfs", change: "deleted" }],
  },
  {
    name: "a small text file with a model extension is still a model file",
    base: {},
    head: { "tiny.pkl": "not a pointer" },
    expected: [{ path: "tiny.pkl", source: "artifact", change: "added" }],
  },
  { name: "an LFS-tracked GIF is not a model", base: {}, head: { "docs/demo.gif": lfsPointer("gif") }, expected: [] },
  { name: "a file outside the globs is not a model", base: {}, head: { "data/train.csv": WEIGHTS }, expected: [] },
  {
    name: "custom artifact globs replace the defaults",
    base: {},
    head: { "m.weights": WEIGHTS, "m.onnx": WEIGHTS },
    policy: (p) => ({ ...p, models: { ...p.models, artifacts: ["**/*.weights"] } }),
    expected: [{ path: "m.weights", source: "artifact", change: "added" }],
  },
  // attack: the case of an extension never hides a model file (docs/security.md)
  {
    name: "attack: an upper-case extension is still a model file",
    base: {},
    head: { "stuff/model.SAFETENSORS": WEIGHTS },
    expected: [{ path: "stuff/model.SAFETENSORS", source: "artifact", change: "added" }],
  },
  {
    name: "attack: a mixed-case LFS pointer is still a model file",
    base: {},
    head: { "w/Model.GgUf": lfsPointer("a") },
    expected: [{ path: "w/Model.GgUf", source: "lfs", change: "added" }],
  },
  {
    name: "attack: custom globs match case-insensitively too",
    base: {},
    head: { "m.WEIGHTS": WEIGHTS },
    policy: (p) => ({ ...p, models: { ...p.models, artifacts: ["**/*.weights"] } }),
    expected: [{ path: "m.WEIGHTS", source: "artifact", change: "added" }],
  },
  // traps
  {
    name: "a pure rename with the same content is not a change",
    base: { "old/model.safetensors": lfsPointer("a") },
    head: { "new/model.safetensors": lfsPointer("a") },
    expected: [],
  },
  {
    name: "an empty file becoming an LFS pointer is an addition",
    base: { "model.safetensors": "" },
    head: { "model.safetensors": lfsPointer("a") },
    expected: [{ path: "model.safetensors", source: "lfs", change: "added" }],
  },
  {
    name: "an empty file becoming raw weights is an addition",
    base: { "model.pt": "" },
    head: { "model.pt": WEIGHTS },
    expected: [{ path: "model.pt", source: "artifact", change: "added" }],
  },
  {
    name: "weights emptied to a placeholder is a deletion",
    base: { "model.pt": lfsPointer("a") },
    head: { "model.pt": "" },
    expected: [{ path: "model.pt", source: "lfs", change: "deleted" }],
  },
  { name: "an empty placeholder added is not a model", base: {}, head: { "model.pt": "" }, expected: [] },
  // a pointer at either end makes the source lfs
  {
    name: "an LFS pointer replaced by raw bytes is still the LFS model changing",
    base: { "model.bin": lfsPointer("a") },
    head: { "model.bin": WEIGHTS },
    expected: [{ path: "model.bin", source: "lfs", change: "modified" }],
  },
  {
    name: "an LFS pointer replaced by a small non-pointer text is still the LFS model changing",
    base: { "model.pt": lfsPointer("a") },
    head: { "model.pt": "not a pointer" },
    expected: [{ path: "model.pt", source: "lfs", change: "modified" }],
  },
  {
    name: "raw weights replaced by an LFS pointer",
    base: { "model.onnx": WEIGHTS },
    head: { "model.onnx": lfsPointer("a") },
    expected: [{ path: "model.onnx", source: "lfs", change: "modified" }],
  },
  {
    name: "a small non-pointer text modified is a raw artifact",
    base: { "tiny.pkl": "v1" },
    head: { "tiny.pkl": "v2" },
    expected: [{ path: "tiny.pkl", source: "artifact", change: "modified" }],
  },
  // declared by a manifest
  {
    name: "a declared component is managed",
    base: {},
    head: { "fraud/weights/model.safetensors": lfsPointer("a") },
    declared: ["fraud/weights/model.safetensors"],
    expected: [],
  },
  {
    name: "a file inside a folder a component names is managed",
    base: {},
    head: { "fraud/weights/shard-1.safetensors": lfsPointer("a") },
    declared: ["fraud/weights"],
    expected: [],
  },
  {
    name: "a sibling of a declared file is not managed",
    base: {},
    head: { "fraud/weights/shadow.safetensors": lfsPointer("a") },
    declared: ["fraud/weights/model.safetensors"],
    expected: [{ path: "fraud/weights/shadow.safetensors", source: "lfs", change: "added" }],
  },
  {
    name: "a declared path at base still counts (removed with its manifest)",
    base: { "old/m.onnx": WEIGHTS },
    head: {},
    declared: ["old/m.onnx"],
    expected: [],
  },
  // DVC
  {
    name: "dvc.yaml artifact declared type: model appears (path relative to the dvc.yaml)",
    base: { "ml/dvc.yaml": "stages: {}\n" },
    head: {
      "ml/dvc.yaml":
        "stages: {}\nartifacts:\n  classifier:\n    path: models/classifier\n    type: model\n  raw:\n    path: data/raw\n    type: dataset\n",
    },
    expected: [{ path: "ml/models/classifier", source: "dvc", change: "added" }],
  },
  {
    name: "dvc.yaml artifact type: model removed",
    base: { "dvc.yaml": "artifacts:\n  clf:\n    path: models/clf.bin\n    type: model\n" },
    head: { "dvc.yaml": "stages: {}\n" },
    expected: [{ path: "models/clf.bin", source: "dvc", change: "deleted" }],
  },
  {
    name: "dvc.lock: a stage's out md5 changed for a type: model artifact (no model extension)",
    base: {
      "dvc.yaml": "artifacts:\n  clf:\n    path: models/classifier\n    type: model\n",
      "dvc.lock": dvcLock({ train: { deps: [["data/train.csv", md5("a")]], outs: [["models/classifier", md5("b")]] } }),
    },
    head: {
      "dvc.yaml": "artifacts:\n  clf:\n    path: models/classifier\n    type: model\n",
      "dvc.lock": dvcLock({ train: { deps: [["data/train.csv", md5("a")]], outs: [["models/classifier", md5("c")]] } }),
    },
    expected: [{ path: "models/classifier", source: "dvc", change: "modified" }],
  },
  {
    name: "dvc.lock: an out matching the artifact globs retrained",
    base: { "dvc.lock": dvcLock({ train: { outs: [["model.pkl", md5("b")]] } }) },
    head: { "dvc.lock": dvcLock({ train: { outs: [["model.pkl", md5("c")]] } }) },
    expected: [{ path: "model.pkl", source: "dvc", change: "modified" }],
  },
  {
    name: "dvc.lock: a new model out in a new stage is an addition; a removed one a deletion",
    base: { "sub/dvc.lock": dvcLock({ old: { outs: [["old.pt", md5("1")]] } }) },
    head: { "sub/dvc.lock": dvcLock({ train: { outs: [["new.pt", md5("2")]] } }) },
    expected: [
      { path: "sub/new.pt", source: "dvc", change: "added" },
      { path: "sub/old.pt", source: "dvc", change: "deleted" },
    ],
  },
  {
    name: "dvc.lock: an md5 that changes only as another stage's dependency is not a retrain",
    base: {
      "dvc.lock": dvcLock({
        train: { outs: [["model.pkl", md5("b")]] },
        evaluate: { deps: [["model.pkl", md5("a")]], outs: [["metrics.json", md5("m")]] },
      }),
    },
    head: {
      "dvc.lock": dvcLock({
        train: { outs: [["model.pkl", md5("b")]] },
        evaluate: { deps: [["model.pkl", md5("b")]], outs: [["metrics.json", md5("m")]] },
      }),
    },
    expected: [],
  },
  {
    name: "dvc.lock: a data output that is not a model is not reported",
    base: { "dvc.lock": dvcLock({ prepare: { outs: [["data/prepared.csv", md5("a")]] } }) },
    head: { "dvc.lock": dvcLock({ prepare: { outs: [["data/prepared.csv", md5("b")]] } }) },
    expected: [],
  },
  {
    name: "dvc.lock of the 1.0 schema (stages at the top level)",
    base: { "dvc.lock": `train:\n  cmd: python train.py\n  outs:\n  - path: model.pkl\n    md5: ${md5("a")}\n` },
    head: { "dvc.lock": `train:\n  cmd: python train.py\n  outs:\n  - path: model.pkl\n    md5: ${md5("b")}\n` },
    expected: [{ path: "model.pkl", source: "dvc", change: "modified" }],
  },
  {
    name: ".dvc file: outs md5 changed",
    base: { "models/model.pkl.dvc": dvcStub("model.pkl", md5("a")) },
    head: { "models/model.pkl.dvc": dvcStub("model.pkl", md5("b")) },
    expected: [{ path: "models/model.pkl", source: "dvc", change: "modified" }],
  },
  {
    name: ".dvc file: outs md5 unchanged (size and comment changed) is not a change",
    base: { "model.pkl.dvc": dvcStub("model.pkl", md5("a")) },
    head: {
      "model.pkl.dvc": "# tracked by DVC\n" + dvcStub("model.pkl", md5("a")).replace("size: 1000", "size: 2000"),
    },
    expected: [],
  },
  {
    name: ".dvc file: an out declared type: model counts without a model extension",
    base: {},
    head: { "clf.dvc": dvcStub("clf", `${md5("a")}.dir`, "  type: model\n") },
    expected: [{ path: "clf", source: "dvc", change: "added" }],
  },
  {
    name: ".dvc file: a tracked dataset is not a model",
    base: {},
    head: { "data.csv.dvc": dvcStub("data.csv", md5("a")) },
    expected: [],
  },
  {
    name: ".dvc file deleted: its model out is deleted",
    base: { "model.pt.dvc": dvcStub("model.pt", md5("a")) },
    head: {},
    expected: [{ path: "model.pt", source: "dvc", change: "deleted" }],
  },
  {
    name: "a DVC model out declared by a manifest is managed",
    base: {},
    head: { "fraud/model.pkl.dvc": dvcStub("model.pkl", md5("a")) },
    declared: ["fraud/model.pkl"],
    expected: [],
  },
  {
    name: "malformed dvc.lock at head: cannot tell, the lock itself is reported",
    base: { "dvc.lock": dvcLock({ train: { outs: [["model.pkl", md5("a")]] } }) },
    head: { "dvc.lock": "stages: [unclosed\n" },
    expected: [{ path: "dvc.lock", source: "dvc", change: "modified" }],
  },
  {
    name: "a .dvc file of the wrong shape: cannot tell, reported",
    base: {},
    head: { "x.dvc": "outs: not-a-list\n" },
    expected: [{ path: "x.dvc", source: "dvc", change: "added" }],
  },
  {
    name: "malformed dvc.yaml: reported, and every changed out counts as a model",
    base: { "dvc.yaml": "stages: {}\n", "dvc.lock": dvcLock({ prepare: { outs: [["data/prepared.csv", md5("a")]] } }) },
    head: {
      "dvc.yaml": "artifacts: [1, 2\n",
      "dvc.lock": dvcLock({ prepare: { outs: [["data/prepared.csv", md5("b")]] } }),
    },
    expected: [
      { path: "data/prepared.csv", source: "dvc", change: "modified" },
      { path: "dvc.yaml", source: "dvc", change: "modified" },
    ],
  },
  // MLflow
  {
    name: "an MLmodel file added: its folder is the model",
    base: {},
    head: { "mlruns/1/abc/artifacts/model/MLmodel": "flavors: {}\n" },
    expected: [{ path: "mlruns/1/abc/artifacts/model", source: "mlflow", change: "added" }],
  },
  {
    name: "an MLmodel file modified",
    base: { "export/MLmodel": "flavors: {}\n" },
    head: { "export/MLmodel": "flavors: {sklearn: {}}\n" },
    expected: [{ path: "export", source: "mlflow", change: "modified" }],
  },
  {
    name: "an MLmodel file deleted at the root",
    base: { MLmodel: "flavors: {}\n" },
    head: {},
    expected: [{ path: ".", source: "mlflow", change: "deleted" }],
  },
  {
    name: "an MLflow folder holding a declared component is managed",
    base: {},
    head: { "fraud/MLmodel": "flavors: {}\n" },
    declared: ["fraud/data/model.pth"],
    expected: [],
  },
  {
    name: "an MLmodel file even if its YAML is broken (no content needed)",
    base: {},
    head: { "m/MLmodel": "flavors: [\n" },
    expected: [{ path: "m", source: "mlflow", change: "added" }],
  },
  // Hugging Face model cards
  {
    name: "a model card (base_model) added",
    base: {},
    head: { "llm/README.md": card("base_model: meta-llama/Llama-3.1-8B\nlicense: llama3.1") },
    expected: [{ path: "llm/README.md", source: "hf-card", change: "added" }],
  },
  {
    name: "a model card (pipeline_tag) modified",
    base: { "README.md": card("pipeline_tag: text-classification") },
    head: { "README.md": card("pipeline_tag: text-classification", "# v2\n") },
    expected: [{ path: "README.md", source: "hf-card", change: "modified" }],
  },
  {
    name: "a README becoming a model card (model-index) is an addition",
    base: { "README.md": "# Project\n" },
    head: { "README.md": card("model-index:\n- name: m\n  results: []") },
    expected: [{ path: "README.md", source: "hf-card", change: "added" }],
  },
  {
    name: "a model card deleted",
    base: { "m/README.md": card("pipeline_tag: fill-mask") },
    head: {},
    expected: [{ path: "m/README.md", source: "hf-card", change: "deleted" }],
  },
  {
    name: "a README losing its card keys is a deletion",
    base: { "README.md": card("base_model: x") },
    head: { "README.md": "# Project\n" },
    expected: [{ path: "README.md", source: "hf-card", change: "deleted" }],
  },
  {
    name: "a README with other front matter is not a card",
    base: {},
    head: { "docs/README.md": card("title: Docs\nlayout: page") },
    expected: [],
  },
  {
    name: "a README that starts with a Markdown rule is not a card",
    base: {},
    head: { "README.md": "---\n\n# Title\n" },
    expected: [],
  },
  {
    name: "a README with broken front matter: cannot tell, reported",
    base: {},
    head: { "README.md": card("base_model: [unclosed") },
    expected: [{ path: "README.md", source: "hf-card", change: "added" }],
  },
  {
    name: "a card in a folder holding a declared component is managed",
    base: {},
    head: { "fraud/README.md": card("base_model: x") },
    declared: ["fraud/weights/model.safetensors"],
    expected: [],
  },
  {
    name: "a root card is not managed by a manifest elsewhere",
    base: {},
    head: { "README.md": card("base_model: x") },
    declared: ["fraud/weights/model.safetensors"],
    expected: [{ path: "README.md", source: "hf-card", change: "added" }],
  },
  // policy
  {
    name: "unmanaged_artifacts: off discovers nothing",
    base: {},
    head: { "m.onnx": WEIGHTS, MLmodel: "x: 1\n" },
    policy: (p) => ({ ...p, unmanaged_artifacts: "off" }),
    expected: [],
  },
  {
    name: "several sources at once, sorted by path",
    base: {},
    head: { "z.onnx": WEIGHTS, "a/MLmodel": "flavors: {}\n", "b.pkl.dvc": dvcStub("b.pkl", md5("a")) },
    expected: [
      { path: "a", source: "mlflow", change: "added" },
      { path: "b.pkl", source: "dvc", change: "added" },
      { path: "z.onnx", source: "artifact", change: "added" },
    ],
  },
];

describe("discoverUnmanaged", () => {
  it.each(cases)("$name", ({ base, head, declared, policy, expected }) => {
    const effective = policy ? policy(defaultPolicy()) : defaultPolicy();
    expect(discoverUnmanaged(effective, snapshot(base), snapshot(head), new Set(declared ?? []))).toEqual(expected);
  });

  // what the edges do: read only what discoveryReads asks for, then discover
  it.each(cases)("with only the planned reads: $name", ({ base, head, declared, policy, expected }) => {
    const effective = policy ? policy(defaultPolicy()) : defaultPolicy();
    const reads = discoveryReads(effective, snapshot(base, { read: [] }), snapshot(head, { read: [] }));
    const found = discoverUnmanaged(
      effective,
      snapshot(base, { read: reads.base }),
      snapshot(head, { read: reads.head }),
      new Set(declared ?? []),
    );
    expect(found).toEqual(expected);
  });

  it("a file it could not read is reported as a raw artifact, never dropped", () => {
    const head = snapshot({ "m.bin": lfsPointer("a") }, { read: false });
    expect(discoverUnmanaged(defaultPolicy(), snapshot({}), head, new Set())).toEqual([
      { path: "m.bin", source: "artifact", change: "added" },
    ]);
  });

  it("a DVC file or card it could not read is reported (fail closed)", () => {
    const head = snapshot({ "x.dvc": dvcStub("data.csv", md5("a")), "README.md": "# hi\n" }, { read: false });
    expect(discoverUnmanaged(defaultPolicy(), snapshot({}), head, new Set())).toEqual([
      { path: "README.md", source: "hf-card", change: "added" },
      { path: "x.dvc", source: "dvc", change: "added" },
    ]);
  });
});

interface ReadCase {
  name: string;
  base: Record<string, TestFile>;
  head: Record<string, TestFile>;
  alreadyRead?: { base?: string[]; head?: string[] };
  policy?: (p: Policy) => Policy;
  expected: { base: string[]; head: string[] };
}

const readCases: ReadCase[] = [
  {
    name: "a small added artifact is read at head to tell a pointer",
    base: {},
    head: { "m.bin": lfsPointer("a") },
    expected: { base: [], head: ["m.bin"] },
  },
  {
    name: "a deleted small artifact is read at base",
    base: { "m.bin": lfsPointer("a") },
    head: {},
    expected: { base: ["m.bin"], head: [] },
  },
  {
    name: "a large artifact cannot be a pointer: not read",
    base: {},
    head: { "m.bin": WEIGHTS },
    expected: { base: [], head: [] },
  },
  { name: "an empty artifact needs no read", base: {}, head: { "m.bin": "" }, expected: { base: [], head: [] } },
  {
    name: "an LFS-tracked GIF is not read",
    base: {},
    head: { "a.gif": lfsPointer("gif") },
    expected: { base: [], head: [] },
  },
  {
    name: "a modified small artifact is read at both ends (a pointer at either end makes it lfs)",
    base: { "m.bin": lfsPointer("a") },
    head: { "m.bin": lfsPointer("b") },
    expected: { base: ["m.bin"], head: ["m.bin"] },
  },
  {
    name: "a pointer replaced by raw weights is read at base only (the large end cannot be a pointer)",
    base: { "m.bin": lfsPointer("a") },
    head: { "m.bin": WEIGHTS },
    expected: { base: ["m.bin"], head: [] },
  },
  {
    name: "raw weights replaced by a pointer are read at head only",
    base: { "m.bin": WEIGHTS },
    head: { "m.bin": lfsPointer("a") },
    expected: { base: [], head: ["m.bin"] },
  },
  {
    name: "a pointer emptied is read at base only",
    base: { "m.bin": lfsPointer("a") },
    head: { "m.bin": "" },
    expected: { base: ["m.bin"], head: [] },
  },
  {
    name: "a modified artifact large at both ends is not read",
    base: { "m.bin": WEIGHTS },
    head: { "m.bin": WEIGHTS_V2 },
    expected: { base: [], head: [] },
  },
  {
    name: "an unchanged artifact is not read",
    base: { "m.bin": lfsPointer("a") },
    head: { "m.bin": lfsPointer("a") },
    expected: { base: [], head: [] },
  },
  {
    name: "a renamed artifact is not read",
    base: { "a/m.bin": lfsPointer("a") },
    head: { "b/m.bin": lfsPointer("a") },
    expected: { base: [], head: [] },
  },
  {
    name: "files already read are not asked again",
    base: {},
    head: { "m.bin": lfsPointer("a"), "README.md": "x" },
    alreadyRead: { head: ["m.bin", "README.md"] },
    expected: { base: [], head: [] },
  },
  {
    name: "a changed DVC file is read at both ends, with every dvc.yaml (they say which outputs are models)",
    base: {
      "dvc.lock": "a: 1\n",
      "dvc.yaml": "stages: {}\n",
      "other/dvc.yaml": "stages: {}\n",
      "old.dvc": "outs: []\n",
    },
    head: {
      "dvc.lock": "a: 2\n",
      "dvc.yaml": "stages: {}\n",
      "other/dvc.yaml": "stages: {}\n",
      "new.dvc": "outs: []\n#\n",
    },
    expected: {
      base: ["dvc.lock", "dvc.yaml", "old.dvc", "other/dvc.yaml"],
      head: ["dvc.lock", "dvc.yaml", "new.dvc", "other/dvc.yaml"],
    },
  },
  {
    name: "no DVC change: dvc.yaml is not read",
    base: { "dvc.yaml": "stages: {}\n" },
    head: { "dvc.yaml": "stages: {}\n", "x.txt": "x" },
    expected: { base: [], head: [] },
  },
  {
    name: "a changed README is read at both ends",
    base: { "m/README.md": "a" },
    head: { "m/README.md": "b" },
    expected: { base: ["m/README.md"], head: ["m/README.md"] },
  },
  {
    name: "an MLmodel file needs no read",
    base: {},
    head: { "m/MLmodel": "flavors: {}\n" },
    expected: { base: [], head: [] },
  },
  {
    name: "unmanaged_artifacts: off reads nothing",
    base: {},
    head: { "m.bin": lfsPointer("a"), "README.md": "x" },
    policy: (p) => ({ ...p, unmanaged_artifacts: "off" }),
    expected: { base: [], head: [] },
  },
];

describe("discoveryReads", () => {
  it.each(readCases)("$name", ({ base, head, alreadyRead, policy, expected }) => {
    const effective = policy ? policy(defaultPolicy()) : defaultPolicy();
    const reads = discoveryReads(
      effective,
      snapshot(base, { read: alreadyRead?.base ?? [] }),
      snapshot(head, { read: alreadyRead?.head ?? [] }),
    );
    expect(reads).toEqual(expected);
  });

  it("a modified artifact of unknown size is read at both ends", () => {
    const withoutSizes = (s: Snapshot): Snapshot => ({
      ...s,
      entries: new Map([...s.entries].map(([path, { size: _size, ...entry }]) => [path, entry])),
    });
    const reads = discoveryReads(
      defaultPolicy(),
      withoutSizes(snapshot({ "m.bin": lfsPointer("a") }, { read: [] })),
      withoutSizes(snapshot({ "m.bin": WEIGHTS }, { read: [] })),
    );
    expect(reads).toEqual({ base: ["m.bin"], head: ["m.bin"] });
  });

  it("after reading what it asked, discovery asks for nothing more", () => {
    const base = snapshot(
      { "dvc.lock": dvcLock({ t: { outs: [["m.pkl", md5("a")]] } }), "README.md": "# x\n" },
      { read: [] },
    );
    const head = snapshot(
      {
        "dvc.lock": dvcLock({ t: { outs: [["m.pkl", md5("b")]] } }),
        "README.md": card("base_model: x"),
        "w.bin": lfsPointer("w"),
      },
      { read: [] },
    );
    const reads = discoveryReads(defaultPolicy(), base, head);
    const full = {
      base: snapshot(
        { "dvc.lock": dvcLock({ t: { outs: [["m.pkl", md5("a")]] } }), "README.md": "# x\n" },
        { read: reads.base },
      ),
      head: snapshot(
        {
          "dvc.lock": dvcLock({ t: { outs: [["m.pkl", md5("b")]] } }),
          "README.md": card("base_model: x"),
          "w.bin": lfsPointer("w"),
        },
        { read: reads.head },
      ),
    };
    expect(discoveryReads(defaultPolicy(), full.base, full.head)).toEqual({ base: [], head: [] });
    expect(discoverUnmanaged(defaultPolicy(), full.base, full.head, new Set())).toEqual([
      { path: "README.md", source: "hf-card", change: "added" },
      { path: "m.pkl", source: "dvc", change: "modified" },
      { path: "w.bin", source: "lfs", change: "added" },
    ]);
  });
});
