import { describe, expect, it } from "vitest";
import type { RequirementStatus } from "../../../src/core/evaluate/types.js";
import { MAX_HASHED_FILE_BYTES } from "../../../src/core/detect/snapshot.js";
import { folderDigest } from "../../../src/core/manifest/digest.js";
import { MAX_FOLDER_FILES } from "../../../src/core/evaluate/hash-requirements.js";
import {
  DEFAULT_TRAINING_DATA,
  lfsPointer,
  lineContaining,
  sha256,
  testPolicy,
  type FileSpec,
  type ModelSpec,
} from "../../fixtures/manifests.js";
import { fraud, retrain, scenario } from "./scenario.js";

const WEIGHTS = "models/fraud/weights/model.safetensors";
const wrong = "ab".repeat(32);
const weights = (c: Partial<NonNullable<ModelSpec["components"]>[string]>): Partial<ModelSpec> => ({
  components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2", ...c } },
});
const upstream = (u: Record<string, unknown>): Partial<ModelSpec> => ({
  upstream: [
    {
      name: "base-model",
      source: "pkg:huggingface/acme/base@4f2a",
      kind: "weights",
      sha256: sha256("base"),
      ...u,
    } as NonNullable<ModelSpec["upstream"]>[number],
  ],
});

// a folder of shards: an LFS pointer, a small file and a nested file
const SHARDS: Record<string, FileSpec> = {
  [`${WEIGHTS}/shard-1.bin`]: lfsPointer("weights v9"),
  [`${WEIGHTS}/shard-2.bin`]: "shard two",
  [`${WEIGHTS}/nested/shard-2.bin`]: "shard two",
};
// written out by the definition: sorted `<sha256> <relative path>` lines, LFS oid for a pointer
const SHARDS_DIGEST = sha256(
  `${sha256("shard two")} nested/shard-2.bin\n${sha256("weights v9")} shard-1.bin\n${sha256("shard two")} shard-2.bin\n`,
);

interface HashCase {
  name: string;
  head?: Partial<ModelSpec>;
  files?: Record<string, FileSpec>;
  id: string;
  status: RequirementStatus;
  message: RegExp;
  provision?: string;
  line?: string;
}

const hashCases: HashCase[] = [
  {
    name: "an LFS pointer whose oid is the declared hash",
    id: `hash:weights/model.safetensors`,
    status: "met",
    message: /LFS pointer oid matches/,
  },
  {
    name: "an LFS pointer with another oid",
    head: weights({ sha256: wrong }),
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: new RegExp(`declared ${wrong}, the LFS pointer's oid is ${sha256("weights v2")}`),
    line: `sha256: ${wrong}`,
  },
  {
    name: "an LFS pointer with ext-* lines",
    files: { [WEIGHTS]: lfsPointer("weights v2", [`ext-0-encrypt sha256:${"c".repeat(64)}`]) },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /ext-\* lines: its oid is not the file's hash/,
  },
  {
    name: "a text file hashed as UTF-8",
    id: "hash:prompts/system.txt",
    status: "met",
    message: /content hash matches/,
  },
  {
    name: "a text file whose content changed after hashing",
    files: { "models/fraud/prompts/system.txt": "You are a fraud analyst!" },
    head: { version: "1.1.0" },
    id: "hash:prompts/system.txt",
    status: "failed",
    message: new RegExp(
      `declared ${sha256("You are a fraud analyst.")}, file is ${sha256("You are a fraud analyst!")}`,
    ),
  },
  {
    name: "a binary file hashed by the reader",
    head: weights({ lfs: undefined, binary: "\u0000onnx" }),
    id: "hash:weights/model.safetensors",
    status: "met",
    message: /content hash matches/,
  },
  {
    name: "no declared sha256",
    head: weights({ sha256: null }),
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /no sha256 declared for weights\/model\.safetensors/,
  },
  {
    name: "an unreadable file without justification",
    files: { [WEIGHTS]: { unreadable: "the read failed" } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message:
      /could not be read \(the read failed\): its sha256 cannot be verified; store it with Git LFS, or mark it verified: false with a justification/,
  },
  {
    name: "an unreadable file marked verified: false with a justification",
    head: weights({ verified: false, justification: "stored in the model registry, checked at deploy" }),
    files: { [WEIGHTS]: { unreadable: "the read failed" } },
    id: "hash:weights/model.safetensors",
    status: "met",
    message: /^not verified: stored in the model registry, checked at deploy/,
    provision: "5.2.4-1.2, 5.2.3-2",
  },
  {
    name: "verified: false without a justification does not excuse an unreadable file",
    head: weights({ verified: false }),
    files: { [WEIGHTS]: { unreadable: "the read failed" } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /cannot be verified/,
  },
  {
    name: "a missing file",
    head: weights({ present: false }),
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /models\/fraud\/weights\/model\.safetensors is missing/,
  },
  // a folder component is hashed from its files (docs/configuration.md "Folder components")
  {
    name: "a folder whose declared sha256 is its folder digest",
    head: weights({ present: false, sha256: SHARDS_DIGEST }),
    files: SHARDS,
    id: "hash:weights/model.safetensors",
    status: "met",
    message: /models\/fraud\/weights\/model\.safetensors: folder digest matches the declared sha256/,
  },
  {
    name: "attack: a file changed inside a folder no longer matches its declared digest",
    head: weights({ present: false, sha256: SHARDS_DIGEST }),
    files: { ...SHARDS, [`${WEIGHTS}/shard-2.bin`]: "shard two, retrained" },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: new RegExp(
      `declared ${SHARDS_DIGEST}, the folder digest is ${folderDigest([
        { relativePath: "nested/shard-2.bin", sha256: sha256("shard two") },
        { relativePath: "shard-1.bin", sha256: sha256("weights v9") },
        { relativePath: "shard-2.bin", sha256: sha256("shard two, retrained") },
      ])}`,
    ),
  },
  {
    name: "attack: a file added to a folder no longer matches its declared digest",
    head: weights({ present: false, sha256: SHARDS_DIGEST }),
    files: { ...SHARDS, [`${WEIGHTS}/extra.bin`]: "extra" },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /the folder digest is [0-9a-f]{64}/,
  },
  {
    name: "attack: verified: false does not excuse a folder that cannot be hashed (a file too large and not in LFS)",
    head: weights({ present: false, sha256: SHARDS_DIGEST, verified: false, justification: "too big to hash" }),
    files: { ...SHARDS, [`${WEIGHTS}/huge.bin`]: { unread: "huge", size: MAX_HASHED_FILE_BYTES + 1 } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message:
      /is a folder whose file huge\.bin is too large to hash \(1048577 bytes\): a folder is hashed from every file in it/,
  },
  {
    name: "attack: a symbolic link inside a folder fails it",
    head: weights({ present: false, sha256: SHARDS_DIGEST }),
    files: { ...SHARDS, [`${WEIGHTS}/link.bin`]: { symlink: "../../../etc/passwd" } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /is a folder whose file link\.bin is a symbolic link/,
  },
  {
    name: "a folder of more files than modelgate hashes is refused",
    head: weights({ present: false, sha256: SHARDS_DIGEST }),
    files: Object.fromEntries(
      Array.from({ length: MAX_FOLDER_FILES + 1 }, (_, i) => [`${WEIGHTS}/part-${i}.bin`, `part ${i}`]),
    ),
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /is a folder of 1001 files, more than 1000: declare its parts as components/,
  },
  {
    name: "a file too large to hash",
    files: { [WEIGHTS]: { unread: "huge", size: MAX_HASHED_FILE_BYTES + 1 } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /is too large to hash \(1048577 bytes\)/,
  },
  {
    name: "a symbolic link is not the artefact",
    files: { [WEIGHTS]: { symlink: "../../shared/model.safetensors" } },
    id: "hash:weights/model.safetensors",
    status: "failed",
    message: /symbolic link/,
  },
  {
    name: "an upstream component marked unverified without a justification",
    head: upstream({ verified: false }),
    id: "hash:base-model",
    status: "failed",
    message: /upstream component base-model is not verified and has no justification/,
    provision: "5.2.4-1.2, 5.2.3-2",
    line: "verified: false",
  },
  {
    name: "an upstream component marked unverified with a justification",
    head: upstream({ verified: false, justification: "vendor publishes no hashes" }),
    id: "hash:base-model",
    status: "met",
    message: /^not verified: vendor publishes no hashes$/,
    provision: "5.2.4-1.2, 5.2.3-2",
  },
  // modelgate cannot fetch an upstream artefact: a hash alone proves nothing until someone says it was verified
  {
    name: "an upstream component with a declared hash but no verified: true",
    head: upstream({}),
    id: "hash:base-model",
    status: "failed",
    message: /upstream component base-model is not verified \(no verified: true\) and has no justification/,
    provision: "5.2.4-1.2, 5.2.3-2",
  },
  {
    name: "an upstream component declared verified",
    head: upstream({ verified: true }),
    id: "hash:base-model",
    status: "met",
    message: new RegExp(
      `declared verified by the manifest: sha256 ${sha256("base")} of upstream pkg:huggingface/acme/base@4f2a`,
    ),
  },
];

describe("hash verification (5.2.4-1.2, 5.2.3-2)", () => {
  it.each(hashCases)("$name: $status", ({ head, files, id, status, message, provision, line }) => {
    const s = scenario({ head: { ...retrain, ...head }, ...(files ? { extraHeadFiles: files } : {}) });
    const requirement = s.req(id);
    expect(requirement.status).toBe(status);
    expect(requirement.message).toMatch(message);
    expect(requirement.provision).toBe(provision ?? "5.2.4-1.2");
    expect(requirement.path).toBe("models/fraud/model.yaml");
    if (line) expect(requirement.line).toBe(lineContaining(s.head.yaml, line));
  });

  it("checks every component of a changed model, not only the changed ones", () => {
    expect(scenario().ids("hash:")).toEqual(["hash:weights/model.safetensors", "hash:prompts/system.txt"]);
  });

  it("annotates a mismatch at the sha256 line of that component", () => {
    const s = scenario({
      head: {
        components: {
          "prompts/system.txt": { kind: "prompt", text: "p", sha256: wrong },
          "weights/model.safetensors": { kind: "weights", lfs: "weights v2" },
        },
      },
    });
    expect(s.req("hash:prompts/system.txt").line).toBe(lineContaining(s.head.yaml, `sha256: ${wrong}`));
    expect(s.req("hash:weights/model.safetensors").status).toBe("met");
  });

  it("is not checked when the policy does not require hashes", () => {
    expect(
      scenario({
        head: weights({ sha256: null }),
        policy: testPolicy({ supply_chain: { require_hashes: false } }),
      }).ids("hash:"),
    ).toEqual([]);
  });

  it("is not checked for a model being decommissioned (its files may already be gone)", () => {
    const s = scenario({
      head: {
        version: "1.0.0",
        status: "decommissioned",
        components: { "weights/model.safetensors": { kind: "weights", lfs: "weights v1", present: false } },
      },
    });
    expect(s.model.kinds).toEqual(["decommission"]);
    expect(s.ids("hash:")).toEqual([]);
    expect(s.ids("data:")).toEqual([]);
  });
});

interface DataCase {
  name: string;
  dataset: Record<string, unknown>;
  status: RequirementStatus;
  message: RegExp;
}

const dataCases: DataCase[] = [
  {
    name: "a URL and an acquisition time",
    dataset: DEFAULT_TRAINING_DATA,
    status: "met",
    message: /from https:\/\/data\.example\.org\/transactions\/2026q3, acquired 2026-10-01T00:00:00Z/,
  },
  {
    name: "a purl source",
    dataset: { ...DEFAULT_TRAINING_DATA, source: "pkg:huggingface/datasets/acme/transactions@v3" },
    status: "met",
    message: /from pkg:huggingface/,
  },
  {
    name: "an object store URL",
    dataset: { ...DEFAULT_TRAINING_DATA, source: "s3://acme-data/transactions/2026q3/" },
    status: "met",
    message: /from s3:\/\//,
  },
  {
    name: "no source",
    dataset: { name: "transactions-2026q3", acquired_at: "2026-10-01T00:00:00Z" },
    status: "failed",
    message: /training data transactions-2026q3: add source: the URL or purl/,
  },
  {
    name: "a source that is neither URL nor purl",
    dataset: { ...DEFAULT_TRAINING_DATA, source: "the shared drive" },
    status: "failed",
    message: /source "the shared drive" is neither a URL nor a purl/,
  },
  {
    name: "no acquisition time",
    dataset: { name: "transactions-2026q3", source: "https://data.example.org/t" },
    status: "failed",
    message: /add acquired_at: when it was acquired/,
  },
  {
    name: "neither",
    dataset: { name: "transactions-2026q3" },
    status: "failed",
    message: /add source: .*; add acquired_at/,
  },
];

describe("training data provenance (5.2.4-2, 5.2.4-2.1)", () => {
  it.each(dataCases)("$name: $status", ({ dataset, status, message }) => {
    const s = scenario({ head: { training_data: [dataset] } });
    const requirement = s.req("data:transactions-2026q3");
    expect(requirement).toMatchObject({ status, provision: "5.2.4-2, 5.2.4-2.1", path: "models/fraud/model.yaml" });
    expect(requirement.message).toMatch(message);
  });

  it("is not checked when the policy does not require provenance", () => {
    const s = scenario({
      head: { training_data: [{ name: "x" }] },
      policy: testPolicy({ supply_chain: { require_data_provenance: false } }),
    });
    expect(s.ids("data:")).toEqual([]);
  });
});
