import { describe, expect, it } from "vitest";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import type { ChangeKind } from "../../../src/core/policy/schema.js";
import {
  DEFAULT_TRAINING_DATA,
  lfsPointer,
  lineContaining,
  modelFiles,
  sha256,
  snapshot,
  testPolicy,
  type FileSpec,
  type ModelSpec,
} from "../../fixtures/manifests.js";

const policy = testPolicy();
const fraud: ModelSpec = {
  dir: "models/fraud",
  components: {
    "weights/model.safetensors": { kind: "weights", lfs: "weights v1" },
    "prompts/system.txt": { kind: "prompt", text: "You are a fraud analyst." },
  },
};
const fraudV1 = modelFiles(fraud);
const headOf = (changes: Partial<ModelSpec>): ReturnType<typeof modelFiles> => modelFiles({ ...fraud, ...changes });

interface Case {
  name: string;
  base: Record<string, FileSpec>;
  head: Record<string, FileSpec>;
  changes: Array<{
    name: string;
    kinds: ChangeKind[];
    findings?: Array<{ id: string; path: string; line: number }>;
    changedComponents?: string[];
    from?: string;
    to?: string;
  }>;
  errors?: Array<{ path: string; line: number; message: RegExp }>;
}

const retrained = headOf({
  version: "1.1.0",
  components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
});
const retrainedSameVersion = headOf({
  components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
});
const lowered = headOf({ version: "0.9.0" });
const dataChanged = headOf({
  version: "1.1.0",
  training_data: [{ ...DEFAULT_TRAINING_DATA, acquired_at: "2026-11-01T00:00:00Z" }],
});
const promptChanged = headOf({
  version: "1.0.1",
  components: {
    ...fraud.components,
    "prompts/system.txt": { kind: "prompt", text: "You are a careful fraud analyst." },
  },
});
const modalitiesChanged = headOf({ version: "1.0.1", modalities: ["tabular", "image"] });
const decommissioned = headOf({ status: "decommissioned" });
const decommissionedWithoutWeights = headOf({
  status: "decommissioned",
  components: { "prompts/system.txt": { kind: "prompt", text: "You are a fraud analyst." } },
});
const described = headOf({ description: "scores card transactions" });
const bumped = headOf({ version: "1.0.1" });
const renamed = modelFiles({ ...fraud, dir: "models/fraud-detector", name: "fraud" });
const otherKind = modelFiles({
  dir: "models/ranker",
  components: { "ranker.bin": { kind: "other", binary: "ranker v1" } },
});
const otherKindChanged = modelFiles({
  dir: "models/ranker",
  version: "2.0.0",
  components: { "ranker.bin": { kind: "other", binary: "ranker v2" } },
});
const reordered = modelFiles({
  ...fraud,
  components: {
    "prompts/system.txt": fraud.components!["prompts/system.txt"]!,
    "weights/model.safetensors": fraud.components!["weights/model.safetensors"]!,
  },
});
const everything = headOf({
  version: "2.0.0",
  description: "v2",
  components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
  training_data: [
    DEFAULT_TRAINING_DATA,
    { name: "chargebacks", source: "https://data.example.org/cb", acquired_at: "2026-10-02T00:00:00Z" },
  ],
});

// the placeholder is empty at base; the manifest already declares the real weights' hash
const realWeights = "real weights";
const placeholder = modelFiles({
  dir: "models/placeholder",
  components: { "model.onnx": { kind: "weights", text: "", sha256: sha256(realWeights) } },
});
const pointerFilled = { ...placeholder.files, "models/placeholder/model.onnx": lfsPointer(realWeights) };

const versionLine = (yaml: string): number => lineContaining(yaml, "version:");

// a component that names a folder declares every file in it (docs/cli.md "Declared"): their changes are the model's
const shardedSpec: ModelSpec = {
  dir: "models/sharded",
  components: {
    weights: {
      kind: "weights",
      sha256: sha256("shards"),
      verified: false,
      justification: "sharded weights, hashed per shard upstream",
      present: false,
    },
  },
};
const sharded = (files: Record<string, FileSpec>, spec: Partial<ModelSpec> = {}): Record<string, FileSpec> => ({
  ...modelFiles({ ...shardedSpec, ...spec }).files,
  ...files,
});
const shardsV1 = { "models/sharded/weights/shard-1.safetensors": lfsPointer("shard 1 v1") };
const BIG_UNVERIFIED = {
  kind: "weights" as const,
  sha256: sha256("declared"),
  verified: false,
  justification: "too big to hash",
  present: false,
};
const SHARDED_HASH_UNCHANGED = {
  id: "component.hash_unchanged",
  path: "models/sharded/model.yaml",
  line: lineContaining(modelFiles(shardedSpec).yaml, "sha256:"),
};
// a component "." names the model's own folder, which holds the manifest: editing the manifest alone is not a retrain
const wholeFolder = (description: string, weights: string): Record<string, FileSpec> => ({
  ...modelFiles({
    dir: "models/whole",
    description,
    components: {
      ".": {
        kind: "weights",
        sha256: sha256("folder"),
        verified: false,
        justification: "the folder is the model",
        present: false,
      },
    },
  }).files,
  "models/whole/model.onnx": lfsPointer(weights),
});

const cases: Case[] = [
  { name: "no difference is no change", base: fraudV1.files, head: fraudV1.files, changes: [] },
  {
    name: "an added manifest is a new model",
    base: {},
    head: fraudV1.files,
    changes: [
      {
        name: "fraud",
        kinds: ["new_model"],
        to: "1.0.0",
        changedComponents: ["prompts/system.txt", "weights/model.safetensors"],
      },
    ],
  },
  {
    name: "new weights and a raised version are a retrain",
    base: fraudV1.files,
    head: retrained.files,
    changes: [
      {
        name: "fraud",
        kinds: ["retrain"],
        from: "1.0.0",
        to: "1.1.0",
        findings: [],
        changedComponents: ["weights/model.safetensors"],
      },
    ],
  },
  {
    name: "new weights without a version bump break the version rule",
    base: fraudV1.files,
    head: retrainedSameVersion.files,
    changes: [
      {
        name: "fraud",
        kinds: ["retrain"],
        findings: [
          { id: "version.raised", path: "models/fraud/model.yaml", line: versionLine(retrainedSameVersion.yaml) },
        ],
      },
    ],
  },
  {
    name: "a lowered version is a finding",
    base: fraudV1.files,
    head: lowered.files,
    changes: [
      {
        name: "fraud",
        kinds: ["version_bump"],
        from: "1.0.0",
        to: "0.9.0",
        findings: [{ id: "version.not_lowered", path: "models/fraud/model.yaml", line: versionLine(lowered.yaml) }],
      },
    ],
  },
  {
    name: "a changed dataset is a training_data change",
    base: fraudV1.files,
    head: dataChanged.files,
    changes: [{ name: "fraud", kinds: ["training_data"], findings: [] }],
  },
  {
    name: "a changed prompt is a configuration change",
    base: fraudV1.files,
    head: promptChanged.files,
    changes: [{ name: "fraud", kinds: ["configuration"], findings: [], changedComponents: ["prompts/system.txt"] }],
  },
  {
    name: "enabling a modality is a configuration change (5.1.3-1.2)",
    base: fraudV1.files,
    head: modalitiesChanged.files,
    changes: [{ name: "fraud", kinds: ["configuration"], findings: [] }],
  },
  {
    name: "a version change alone is a version bump",
    base: fraudV1.files,
    head: bumped.files,
    changes: [{ name: "fraud", kinds: ["version_bump"], findings: [] }],
  },
  {
    name: "status decommissioned is a decommission",
    base: fraudV1.files,
    head: decommissioned.files,
    changes: [{ name: "fraud", kinds: ["decommission"], findings: [] }],
  },
  {
    name: "removing the weights while decommissioning is disposal, not a retrain",
    base: fraudV1.files,
    head: Object.fromEntries(Object.entries(decommissionedWithoutWeights.files)),
    changes: [{ name: "fraud", kinds: ["decommission"], findings: [], changedComponents: [] }],
  },
  {
    name: "a deleted manifest of an active model is a decommission with a finding",
    base: fraudV1.files,
    head: {},
    changes: [
      {
        name: "fraud",
        kinds: ["decommission"],
        from: "1.0.0",
        findings: [{ id: "manifest.deleted_without_decommission", path: "models/fraud/model.yaml", line: 1 }],
      },
    ],
  },
  {
    name: "deleting a decommissioned model's manifest is allowed",
    base: decommissioned.files,
    head: {},
    changes: [{ name: "fraud", kinds: ["decommission"], findings: [] }],
  },
  {
    name: "deleting a component file while decommissioning is disposal too",
    base: fraudV1.files,
    head: headOf({
      status: "decommissioned",
      components: {
        ...fraud.components,
        "weights/model.safetensors": { kind: "weights", lfs: "weights v1", present: false },
      },
    }).files,
    changes: [{ name: "fraud", kinds: ["decommission"], findings: [], changedComponents: [] }],
  },
  {
    name: "removing a component of an already decommissioned model is metadata",
    base: decommissioned.files,
    head: decommissionedWithoutWeights.files,
    changes: [{ name: "fraud", kinds: ["metadata"], findings: [] }],
  },
  {
    name: "a new evaluation record alone is metadata",
    base: fraudV1.files,
    head: headOf({
      evaluations: [
        ...(fraudV1.manifest.evaluations as Array<Record<string, unknown>>),
        { version: "1.0.0", model_digest: fraudV1.digest, date: "2026-11-28", evaluator: "evaluator", result: "pass" },
      ],
    }).files,
    changes: [{ name: "fraud", kinds: ["metadata"], findings: [] }],
  },
  {
    name: "deprecating a model is metadata",
    base: fraudV1.files,
    head: headOf({ status: "deprecated" }).files,
    changes: [{ name: "fraud", kinds: ["metadata"], findings: [] }],
  },
  {
    name: "adding a component is an artefact change of its kind",
    base: fraudV1.files,
    head: headOf({
      version: "1.1.0",
      components: { ...fraud.components, "tokenizer.json": { kind: "tokenizer", text: "{}" } },
    }).files,
    changes: [{ name: "fraud", kinds: ["retrain"], changedComponents: ["tokenizer.json"], findings: [] }],
  },
  {
    name: "removing a prompt is a configuration change",
    base: fraudV1.files,
    head: headOf({
      version: "1.1.0",
      components: { "weights/model.safetensors": fraud.components!["weights/model.safetensors"]! },
    }).files,
    changes: [{ name: "fraud", kinds: ["configuration"], changedComponents: ["prompts/system.txt"], findings: [] }],
  },
  {
    name: "a lowered version with new weights is reported once, as lowered",
    base: fraudV1.files,
    head: headOf({
      version: "0.9.0",
      components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
    }).files,
    changes: [
      {
        name: "fraud",
        kinds: ["retrain"],
        findings: [{ id: "version.not_lowered", path: "models/fraud/model.yaml", line: 2 }],
      },
    ],
  },
  {
    name: "a description alone is metadata",
    base: fraudV1.files,
    head: described.files,
    changes: [{ name: "fraud", kinds: ["metadata"], findings: [] }],
  },
  { name: "a moved model with the same files is not a change", base: fraudV1.files, head: renamed.files, changes: [] },
  {
    name: "listing components in another order is not a change",
    base: fraudV1.files,
    head: reordered.files,
    changes: [],
  },
  {
    name: "an empty file turned into an LFS pointer is a retrain even if the declared hash is unchanged",
    base: placeholder.files,
    head: pointerFilled,
    changes: [
      {
        name: "placeholder",
        kinds: ["retrain"],
        changedComponents: ["model.onnx"],
        findings: [{ id: "version.raised", path: "models/placeholder/model.yaml", line: 2 }],
      },
    ],
  },
  {
    name: "a file changed inside a folder component is a retrain of its model",
    base: sharded(shardsV1),
    head: sharded({ "models/sharded/weights/shard-1.safetensors": lfsPointer("shard 1 v2") }),
    // attack: unverified, it keeps its declared hash (and digest, and sign-offs) while its content changed
    changes: [
      {
        name: "sharded",
        kinds: ["retrain"],
        changedComponents: ["weights"],
        findings: [{ id: "version.raised", path: "models/sharded/model.yaml", line: 2 }, SHARDED_HASH_UNCHANGED],
      },
    ],
  },
  {
    name: "a file added to a folder component is a retrain of its model",
    base: sharded(shardsV1),
    head: sharded({ ...shardsV1, "models/sharded/weights/extra.gguf": lfsPointer("extra") }, { version: "1.1.0" }),
    changes: [
      { name: "sharded", kinds: ["retrain"], changedComponents: ["weights"], findings: [SHARDED_HASH_UNCHANGED] },
    ],
  },
  {
    name: "attack: an unverified file that changed while its declared hash did not",
    base: sharded(
      { "models/sharded/model.bin": { unreadable: "too large", seed: "v1" } },
      { components: { "model.bin": BIG_UNVERIFIED } },
    ),
    head: sharded(
      { "models/sharded/model.bin": { unreadable: "too large", seed: "v2" } },
      { version: "1.1.0", components: { "model.bin": BIG_UNVERIFIED } },
    ),
    changes: [
      {
        name: "sharded",
        kinds: ["retrain"],
        changedComponents: ["model.bin"],
        findings: [
          {
            id: "component.hash_unchanged",
            path: "models/sharded/model.yaml",
            line: lineContaining(
              modelFiles({ ...shardedSpec, components: { "model.bin": BIG_UNVERIFIED } }).yaml,
              "sha256:",
            ),
          },
        ],
      },
    ],
  },
  { name: "an unchanged folder component is no change", base: sharded(shardsV1), head: sharded(shardsV1), changes: [] },
  {
    name: "a folder component holding the manifest: a manifest edit alone stays metadata",
    base: wholeFolder("v1", "w1"),
    head: wholeFolder("v1, described", "w1"),
    changes: [{ name: "whole", kinds: ["metadata"], findings: [] }],
  },
  {
    name: "a folder component holding the manifest: new weights in it are a retrain",
    base: wholeFolder("v1", "w1"),
    head: wholeFolder("v1", "w2"),
    changes: [{ name: "whole", kinds: ["retrain"], changedComponents: ["."] }],
  },
  {
    name: "a component of kind other is treated like weights",
    base: otherKind.files,
    head: otherKindChanged.files,
    changes: [{ name: "ranker", kinds: ["retrain"], findings: [] }],
  },
  {
    name: "several kinds are listed in the order of CHANGE_KINDS",
    base: fraudV1.files,
    head: everything.files,
    changes: [{ name: "fraud", kinds: ["retrain", "training_data", "metadata"], findings: [] }],
  },
  {
    name: "a model whose manifest now declares another name is deleted, the other is new",
    base: fraudV1.files,
    head: headOf({ name: "fraud-v2" }).files,
    changes: [
      {
        name: "fraud",
        kinds: ["decommission"],
        findings: [{ id: "manifest.deleted_without_decommission", path: "models/fraud/model.yaml", line: 1 }],
      },
      { name: "fraud-v2", kinds: ["new_model"] },
    ],
  },
  {
    name: "two manifests with one name at head: the second is an error",
    base: {},
    head: { ...fraudV1.files, ...modelFiles({ ...fraud, dir: "models/zz-copy", name: "fraud" }).files },
    changes: [{ name: "fraud", kinds: ["new_model"] }],
    errors: [
      {
        path: "models/zz-copy/model.yaml",
        line: 1,
        message: /model name "fraud" is already used by models\/fraud\/model.yaml/,
      },
    ],
  },
  {
    name: "an invalid manifest at head is an error with its line, and its model is not called deleted",
    base: fraudV1.files,
    head: { ...fraudV1.files, "models/fraud/model.yaml": fraudV1.yaml.replace("version: 1.0.0", "version: one") },
    changes: [],
    errors: [{ path: "models/fraud/model.yaml", line: 2, message: /version: must be a semantic version/ }],
  },
  {
    name: "a manifest that could not be read at head is an error",
    base: {},
    head: { "models/fraud/model.yaml": { unreadable: "too large to read" } },
    changes: [],
    errors: [{ path: "models/fraud/model.yaml", line: 1, message: /could not be read: too large to read/ }],
  },
  {
    name: "a manifest that was not fetched is an error (fail closed)",
    base: {},
    head: { "models/fraud/model.yaml": { text: fraudV1.yaml, read: false } },
    changes: [],
    errors: [{ path: "models/fraud/model.yaml", line: 1, message: /could not be read/ }],
  },
  {
    name: "a manifest invalid at base only is judged as new at head",
    base: { "models/fraud/model.yaml": "name: [" },
    head: fraudV1.files,
    changes: [{ name: "fraud", kinds: ["new_model"] }],
  },
];

describe("detectChanges", () => {
  it.each(cases)("$name", ({ base, head, changes, errors }) => {
    const result = detectChanges(policy, snapshot(base, "base"), snapshot(head, "head"));
    expect(result.errors.map((e) => ({ path: e.path, line: e.line, message: e.message }))).toEqual(
      (errors ?? []).map((e) => ({ path: e.path, line: e.line, message: expect.stringMatching(e.message) })),
    );
    expect(result.changes.map((c) => c.name)).toEqual(changes.map((c) => c.name));
    changes.forEach((expected, i) => {
      const actual = result.changes[i]!;
      expect(actual.kinds).toEqual(expected.kinds);
      if (expected.findings)
        expect(actual.findings.map((f) => ({ id: f.id, path: f.path, line: f.line }))).toEqual(expected.findings);
      if (expected.changedComponents) expect(actual.changedComponents).toEqual(expected.changedComponents);
      if (expected.from) expect(actual.fromVersion).toBe(expected.from);
      if (expected.to) expect(actual.toVersion).toBe(expected.to);
    });
  });

  it("binds a change to head's digest, and a deletion to base's", () => {
    const changed = detectChanges(policy, snapshot(fraudV1.files), snapshot(retrained.files)).changes[0]!;
    expect(changed.digest).toBe(retrained.digest);
    expect(changed.manifestPath).toBe("models/fraud/model.yaml");
    const deleted = detectChanges(policy, snapshot(fraudV1.files), snapshot({})).changes[0]!;
    expect(deleted.digest).toBe(fraudV1.digest);
    expect(deleted.base?.path).toBe("models/fraud/model.yaml");
    expect(deleted.head).toBeUndefined();
  });

  it("explains each finding with its provision", () => {
    const [retrain] = detectChanges(policy, snapshot(fraudV1.files), snapshot(retrainedSameVersion.files)).changes;
    expect(retrain?.findings[0]).toMatchObject({
      provision: "5.4.1-2",
      message: expect.stringContaining("a retrained model is a new version"),
    });
    const [deleted] = detectChanges(policy, snapshot(fraudV1.files), snapshot({})).changes;
    expect(deleted?.findings[0]).toMatchObject({
      provision: "5.5.1-1",
      message: expect.stringContaining("status: decommissioned"),
    });
  });

  it("returns every valid manifest at both ends, for declared-file checks", () => {
    const other = modelFiles({ dir: "models/other" });
    const result = detectChanges(
      policy,
      snapshot({ ...fraudV1.files, ...other.files }),
      snapshot({ ...retrained.files, ...other.files }),
    );
    expect(result.models.base.map((m) => m.path).sort()).toEqual([
      "models/fraud/model.yaml",
      "models/other/model.yaml",
    ]);
    expect(result.models.head.map((m) => m.path).sort()).toEqual([
      "models/fraud/model.yaml",
      "models/other/model.yaml",
    ]);
    expect(result.changes.map((c) => c.name)).toEqual(["fraud"]);
  });

  it("only files matching policy.models.manifests are manifests", () => {
    const custom = testPolicy({ models: { manifests: ["ml/**/manifest.yaml"] } });
    const moved = {
      "ml/fraud/manifest.yaml": fraudV1.yaml,
      "ml/fraud/weights/model.safetensors": lfsPointer("weights v1"),
    };
    expect(detectChanges(custom, snapshot({}), snapshot(fraudV1.files)).changes).toEqual([]);
    expect(detectChanges(custom, snapshot({}), snapshot(moved)).changes.map((c) => c.kinds)).toEqual([["new_model"]]);
  });
});
