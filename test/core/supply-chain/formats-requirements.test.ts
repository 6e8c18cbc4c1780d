import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { RequirementStatus } from "../../../src/core/evaluate/types.js";
import {
  approvalFacts,
  lfsPointer,
  modelFiles,
  snapshot,
  testPolicy,
  type FileSpec,
  type ModelSpec,
} from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { fraud, scenario } from "../evaluate/scenario.js";
import type { FormatFacts } from "../../../src/core/supply-chain/formats/format-requirements.js";
import { scanFormat } from "../../../src/core/supply-chain/formats/scan.js";
import { bufferSource } from "../../../src/core/supply-chain/formats/byte-source.js";
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/supply-chain/${name}`, import.meta.url));

/** The retrain with one more component, `weights/<name>`, holding these bytes. */
const withWeights = (name: string, spec: NonNullable<ModelSpec["components"]>[string]): Partial<ModelSpec> => ({
  version: "1.1.0",
  components: { ...fraud.components, [`weights/${name}`]: spec },
});

interface Case {
  name: string;
  head: Partial<ModelSpec>;
  extraHeadFiles?: Record<string, FileSpec>;
  id: string;
  status: RequirementStatus;
  message: RegExp;
  formats?: "fail" | "warn";
}

const cases: Case[] = [
  {
    name: "a benign torch.save state dict",
    head: withWeights("model.pt", { kind: "weights", binary: fixture("benign-state-dict.pt") }),
    id: "format:weights/model.pt",
    status: "met",
    message: /^models\/fraud\/weights\/model\.pt \(PyTorch zip\): no code runs when it is loaded/,
  },
  {
    name: "a real safetensors file",
    head: withWeights("model.safetensors", { kind: "weights", binary: fixture("model.safetensors") }),
    id: "format:weights/model.safetensors",
    status: "met",
    message: /\(safetensors\): no code runs when it is loaded; 2 tensors/,
  },
  {
    name: "attack: a .pt with a malicious second member names the import and the member",
    head: withWeights("model.pt", { kind: "weights", binary: fixture("malicious-second-member.pt") }),
    id: "format:weights/model.pt",
    status: "failed",
    message:
      /can run code when loaded: imports posix\.system \(not on the weights_only allowlist\) in benign-state-dict\/extra\/payload\.pkl: store it as safetensors/,
  },
  {
    name: "attack: a pickle called .safetensors",
    head: withWeights("model.safetensors", { kind: "weights", binary: fixture("pickle-named.safetensors") }),
    id: "format:weights/model.safetensors",
    status: "failed",
    message: /\(pickle \(protocol 2\)\) can run code when loaded: imports posix\.system/,
  },
  {
    name: "warn: the same pickle only warns",
    head: withWeights("model.pkl", { kind: "weights", binary: fixture("reduce-protocol4.pkl") }),
    id: "format:weights/model.pkl",
    status: "met",
    message: /^warning: .* can run code when loaded: imports posix\.system/,
    formats: "warn",
  },
  {
    name: "a current exception counts and is shown",
    head: withWeights("model.pkl", {
      kind: "weights",
      binary: fixture("reduce-protocol4.pkl"),
      format_exception: { justification: "a sandboxed legacy loader", expires: "2026-12-31" },
    }),
    id: "format:weights/model.pkl",
    status: "met",
    message: /^exception until 2026-12-31: a sandboxed legacy loader \(.*imports posix\.system/,
  },
  {
    name: "attack: an expired exception does not count",
    head: withWeights("model.pkl", {
      kind: "weights",
      binary: fixture("reduce-protocol4.pkl"),
      format_exception: { justification: "a sandboxed legacy loader", expires: "2026-01-31" },
    }),
    id: "format:weights/model.pkl",
    status: "failed",
    message: /its format_exception expired on 2026-01-31/,
  },
  {
    name: "an LFS safetensors object the edge did not read is not scanned, never safe",
    head: withWeights("extra.safetensors", { kind: "weights", lfs: "w" }),
    id: "format:weights/extra.safetensors",
    status: "met",
    message: /not scanned: a Git LFS object whose content was not read/,
  },
  {
    name: "attack: an unread LFS object named .pt is presumed to hold a pickle",
    head: withWeights("model.pt", { kind: "weights", lfs: "w" }),
    id: "format:weights/model.pt",
    status: "failed",
    message: /not read, and its name says it may hold a pickle/,
  },
  {
    name: "attack: ONNX external data that leaves the model's folder",
    head: withWeights("model.onnx", { kind: "weights", binary: fixture("escaping-external-data.onnx") }),
    id: "format:weights/model.onnx",
    status: "failed",
    message: /external data "\.\.\/\.\.\/secrets\/key\.bin" climbs out with \.\./,
  },
  {
    name: "ONNX external data beside it, custom domains named",
    head: withWeights("model.onnx", { kind: "weights", binary: fixture("external-data.onnx") }),
    id: "format:weights/model.onnx",
    status: "met",
    message: /custom operator domains: com\.example\.ops; external data weights\.bin/,
  },
  {
    name: "attack: ONNX external data through a symbolic link",
    head: withWeights("model.onnx", { kind: "weights", binary: fixture("external-data.onnx") }),
    extraHeadFiles: { "models/fraud/weights/weights.bin": { symlink: "/etc/passwd" } },
    id: "format:weights/model.onnx",
    status: "failed",
    message: /goes through the symbolic link models\/fraud\/weights\/weights\.bin/,
  },
  {
    name: "a text prompt is no pickle",
    head: withWeights("model.safetensors", { kind: "weights", binary: fixture("model.safetensors") }),
    id: "format:prompts/system.txt",
    status: "met",
    message: /\(other\): no code runs/,
  },
];

describe("format:<component path>", () => {
  test.each(cases)("$name", ({ head, extraHeadFiles, id, status, message, formats }) => {
    const policy = testPolicy({ supply_chain: { formats: formats ?? "fail" } });
    const s = scenario({ head, policy, ...(extraHeadFiles ? { extraHeadFiles } : {}) });
    const requirement = s.req(id);
    expect(requirement.status).toBe(status);
    expect(requirement.message).toMatch(message);
    expect(requirement.path).toBe("models/fraud/model.yaml");
  });

  test("off: no format requirement", () => {
    const s = scenario({
      head: withWeights("model.pkl", { kind: "weights", binary: fixture("reduce-protocol4.pkl") }),
      policy: testPolicy({ supply_chain: { formats: "off" } }),
    });
    expect(s.ids("format:")).toEqual([]);
  });

  test("the edge's scan of a checked-out LFS object is judged like a blob", () => {
    const head = modelFiles({ ...fraud, ...withWeights("model.pt", { kind: "weights", lfs: "w" }) });
    const facts: FormatFacts = new Map([
      ["models/fraud/weights/model.pt", { scan: scanFormat(bufferSource(fixture("stack-global-memo.pkl"))) }],
    ]);
    const decision = evaluateGate({
      policy: testPolicy(),
      base: snapshot(modelFiles(fraud).files, "base"),
      head: snapshot(head.files, "head"),
      facts: approvalFacts(),
      now: TEST_NOW,
      formats: facts,
    });
    const requirement = decision.models[0]?.requirements.find((r) => r.id === "format:weights/model.pt");
    expect(requirement).toMatchObject({ status: "failed", message: expect.stringContaining("posix.system") });
  });

  test.each([
    [
      "fail",
      "failed",
      /^models\/fraud\/weights\/model\.safetensors: not scanned: a Git LFS object that could not be read: the batch said 404: a Git LFS object that is not read never passes/,
    ],
    [
      "warn",
      "met",
      /^models\/fraud\/weights\/model\.safetensors: not scanned: a Git LFS object that could not be read: the batch said 404$/,
    ],
  ] as const)(
    "attack: an LFS object the edge could not read, named .safetensors, under %s: %s",
    (level, status, message) => {
      const head = modelFiles({ ...fraud, ...withWeights("model.safetensors", { kind: "weights", lfs: "w" }) });
      const facts: FormatFacts = new Map([
        [
          "models/fraud/weights/model.safetensors",
          { notScanned: "a Git LFS object that could not be read: the batch said 404", failsClosed: true },
        ],
      ]);
      const decision = evaluateGate({
        policy: testPolicy({ supply_chain: { formats: level } }),
        base: snapshot(modelFiles(fraud).files, "base"),
        head: snapshot(head.files, "head"),
        facts: approvalFacts(),
        now: TEST_NOW,
        formats: facts,
      });
      const requirement = decision.models[0]?.requirements.find((r) => r.id === "format:weights/model.safetensors");
      expect(requirement?.status).toBe(status);
      expect(requirement?.message).toMatch(message);
    },
  );

  test("a folder component: every file in it is classified", () => {
    const s = scenario({
      head: {
        version: "1.1.0",
        components: { ...fraud.components, shards: { kind: "weights", sha256: null, present: false } },
      },
      extraHeadFiles: {
        "models/fraud/shards/a.safetensors": { binary: fixture("model.safetensors") },
        "models/fraud/shards/b.bin": { binary: fixture("reduce-protocol0.pkl") },
        "models/fraud/shards/c.bin": lfsPointer("x"),
      },
    });
    expect(s.req("format:shards").message).toMatch(/b\.bin: imports posix\.system.*c\.bin: a Git LFS object/);
  });
});
