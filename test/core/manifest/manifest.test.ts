import { describe, expect, it } from "vitest";
import { componentRepoPath, loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { modelDigest } from "../../../src/core/manifest/digest.js";
import { componentId, isFileComponent } from "../../../src/core/manifest/schema.js";
import { readBlockYaml } from "../../../src/core/yaml/block-yaml.js";

const H1 = "a".repeat(64);
const H2 = "B".repeat(64);
const PATH = "models/fraud/model.yaml";

const FULL = `name: fraud-detector
version: 2.1.0
status: active
description: Scores card transactions
modalities: [text]
components:
  - path: weights/model.safetensors
    kind: weights
    sha256: ${H1}
  - name: base-model
    source: pkg:huggingface/org/base@0123abc
    kind: weights
    sha256: ${H2}
    verified: false
    justification: vendor does not publish hashes
training_data:
  - name: transactions-2026q3
    source: https://example.org/data
    acquired_at: 2026-10-01T00:00:00Z
evaluations:
  - version: 2.1.0
    model_digest: sha256:${"c".repeat(64)}
    date: 2026-11-20
    evaluator: octocat
    result: pass
    threats:
      membership_inference: tested with shadow models
`;

function loaded(text: string) {
  const result = loadManifest(PATH, text);
  if (!result.ok) throw new Error(`unexpected errors ${JSON.stringify(result.errors)}`);
  return result.loaded;
}

function errorsOf(text: string) {
  const result = loadManifest(PATH, text);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("loadManifest", () => {
  it("reads a full manifest, lower-cases hashes and computes its digest", () => {
    const { manifest, digest, path } = loaded(FULL);
    expect(path).toBe(PATH);
    expect(manifest.name).toBe("fraud-detector");
    expect(manifest.components[1]).toEqual({
      name: "base-model",
      source: "pkg:huggingface/org/base@0123abc",
      kind: "weights",
      sha256: "b".repeat(64),
      verified: false,
      justification: "vendor does not publish hashes",
    });
    expect(manifest.evaluations[0]).toMatchObject({
      date: "2026-11-20",
      threats: { membership_inference: "tested with shadow models" },
    });
    expect(digest).toBe(modelDigest(manifest.components));
  });

  it("fills the defaults of a minimal manifest", () => {
    expect(loaded("name: m\nversion: 0.1.0\n").manifest).toEqual({
      name: "m",
      version: "0.1.0",
      status: "active",
      modalities: [],
      components: [],
      training_data: [],
      evaluations: [],
    });
  });

  it("locates fields for annotations", () => {
    const { lineOf } = loaded(FULL);
    expect(lineOf(["version"])).toBe(2);
    expect(lineOf(["components", 0, "sha256"])).toBe(9);
    expect(lineOf(["components", 1, "verified"])).toBe(14);
    expect(lineOf(["evaluations", 0, "model_digest"])).toBe(22);
  });

  it.each([
    {
      name: "version YAML reads as a number",
      text: "name: m\nversion: 1.0\n",
      line: 2,
      message: /^version: must be a string such as 2\.1\.0/,
    },
    {
      name: "version that is not semver",
      text: "name: m\nversion: v1.0.0\n",
      line: 2,
      message: "version: must be a semantic version, e.g. 2.1.0",
    },
    { name: "missing name", text: "version: 1.0.0\n", line: 1, message: /^name: / },
    { name: "name with a slash", text: "name: a/b\nversion: 1.0.0\n", line: 1, message: /^name: a model name is/ },
    { name: "unknown key", text: "name: m\nversion: 1.0.0\nowner: me\n", line: 3, message: 'unknown key "owner"' },
    {
      name: "unknown status",
      text: "name: m\nversion: 1.0.0\nstatus: retired\n",
      line: 3,
      message: /^status: Invalid option/,
    },
    {
      name: "component kind",
      text: `name: m\nversion: 1.0.0\ncomponents:\n  - path: w.bin\n    kind: weird\n`,
      line: 5,
      message: /^components\[0\]\.kind: Invalid option/,
    },
    {
      name: "short hash",
      text: `name: m\nversion: 1.0.0\ncomponents:\n  - path: w.bin\n    kind: weights\n    sha256: abc\n`,
      line: 6,
      message: "components[0].sha256: must be 64 hexadecimal characters (a SHA-256)",
    },
    {
      name: "path escaping the folder",
      text: "name: m\nversion: 1.0.0\ncomponents:\n  - path: ../../etc/passwd\n    kind: weights\n",
      line: 4,
      message: /^components\[0\]\.path: must be a path relative to the manifest/,
    },
    {
      name: "absolute path",
      text: "name: m\nversion: 1.0.0\ncomponents:\n  - path: /w.bin\n    kind: weights\n",
      line: 4,
      message: /^components\[0\]\.path: /,
    },
    {
      name: "upstream component without source",
      text: "name: m\nversion: 1.0.0\ncomponents:\n  - name: base\n    kind: weights\n",
      line: 4,
      message: /^components\[0\]\.source: /,
    },
    {
      name: "unknown component key",
      text: "name: m\nversion: 1.0.0\ncomponents:\n  - path: w.bin\n    kind: weights\n    sha: x\n",
      line: 6,
      message: 'components[0]: unknown key "sha"',
    },
    {
      name: "component listed twice",
      text: "name: m\nversion: 1.0.0\ncomponents:\n  - path: w.bin\n    kind: weights\n  - path: w.bin\n    kind: config\n",
      line: 6,
      message: 'components[1]: component "w.bin" is listed twice',
    },
    {
      name: "acquired_at not a date-time",
      text: "name: m\nversion: 1.0.0\ntraining_data:\n  - name: d\n    acquired_at: last week\n",
      line: 5,
      message: /^training_data\[0\]\.acquired_at: must be an ISO 8601 date-time/,
    },
    {
      name: "evaluation date",
      text: `name: m\nversion: 1.0.0\nevaluations:\n  - version: 1.0.0\n    model_digest: sha256:${H1}\n    date: 2026-13-45\n    evaluator: octocat\n    result: pass\n`,
      line: 6,
      message: /^evaluations\[0\]\.date: /,
    },
    {
      name: "evaluation digest without prefix",
      text: `name: m\nversion: 1.0.0\nevaluations:\n  - version: 1.0.0\n    model_digest: ${H1}\n    date: 2026-11-20\n    evaluator: octocat\n    result: pass\n`,
      line: 5,
      message: /^evaluations\[0\]\.model_digest: /,
    },
    {
      name: "empty threat answer",
      text: `name: m\nversion: 1.0.0\nevaluations:\n  - version: 1.0.0\n    model_digest: sha256:${H1}\n    date: 2026-11-20\n    evaluator: octocat\n    result: pass\n    threats:\n      evasion: "  "\n`,
      line: 10,
      message: "evaluations[0].threats.evasion: say how the threat was addressed",
    },
    { name: "duplicate key", text: "name: m\nversion: 1.0.0\nname: n\n", line: 3, message: /unique/ },
  ])("$name → error at its line", ({ text, line, message }) => {
    const errors = errorsOf(text);
    expect(errors[0]?.path).toBe(PATH);
    expect(errors[0]?.line).toBe(line);
    if (typeof message === "string") expect(errors[0]?.message).toBe(message);
    else expect(errors[0]?.message).toMatch(message);
  });

  // the fast YAML reader used to strip Unicode white space (trimEnd) that the yaml package keeps: the gate read "pass"
  // where every conformant tool reads "pass\u3000", and one CR anywhere (the full parser) flipped the verdict
  const BLOCK = FULL.replace("modalities: [text]\n", "modalities:\n  - text\n");
  const attack = (from: string, to: string): string => {
    // plain block YAML: what the fast reader reads
    expect(readBlockYaml(BLOCK)).toBeDefined();
    expect(BLOCK).toContain(from);
    return BLOCK.replace(from, to);
  };
  const withCr = (text: string): string => text.replace("\n", "\r\n");
  it.each([
    {
      name: "result: pass + U+3000",
      text: attack("result: pass", "result: pass\u3000"),
      line: 26,
      message: /^evaluations\[0\]\.result: Invalid option/,
    },
    {
      name: "version: 2.1.0 + U+200A",
      text: attack("version: 2.1.0\n", "version: 2.1.0\u200a\n"),
      line: 2,
      message: "version: must be a semantic version, e.g. 2.1.0",
    },
    {
      name: "sha256: <hex> + U+2003",
      text: attack(`sha256: ${H1}`, `sha256: ${H1}\u2003`),
      line: 10,
      message: "components[0].sha256: must be 64 hexadecimal characters (a SHA-256)",
    },
    {
      name: "component path + U+3000",
      text: attack("path: weights/model.safetensors", "path: weights/model.safetensors\u3000"),
      line: 8,
      message: /^components\[0\]\.path: must not hold control or invisible characters/,
    },
  ])("attack: $name is refused, with or without a CR in the file", ({ text, line, message }) => {
    const errors = errorsOf(text);
    expect(errorsOf(withCr(text))).toEqual(errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(line);
    if (typeof message === "string") expect(errors[0]?.message).toBe(message);
    else expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    { name: "a trailing U+3000", path: "'w.bin\u3000'" },
    { name: "a trailing no-break space", path: "w.bin\u00a0" },
    { name: "a zero-width space", path: "w\u200b.bin" },
    { name: "a byte-order mark", path: "weights/\ufeffw.bin" },
    { name: "a right-to-left override", path: "w\u202enib.exe" },
    { name: "a tab", path: '"w\\t.bin"' },
    { name: "a line separator", path: "'w\u2028.bin'" },
    { name: "a NUL", path: '"w\\0.bin"' },
    { name: "a C1 control", path: "w\u0085.bin" },
    { name: "a lone surrogate", path: '"w\\ud800.bin"' },
    { name: "a space ending a folder's name", path: "weights /w.bin" },
    { name: "a leading space", path: "' w.bin'" },
    { name: "a trailing space", path: "'w.bin '" },
  ])("attack: a component path with $name is refused", ({ path }) => {
    const errors = errorsOf(`name: m\nversion: 1.0.0\ncomponents:\n  - path: ${path}\n    kind: weights\n`);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [
        4,
        "components[0].path: must not hold control or invisible characters, white space other than a space, or a space at the start or end of a name",
      ],
    ]);
  });

  it.each(["my model/weights 1.bin", "モデル/重み.bin", "modèle/poids.bin", "."])(
    "a component path %s is accepted",
    (path) => {
      const { manifest } = loaded(`name: m\nversion: 1.0.0\ncomponents:\n  - path: ${path}\n    kind: weights\n`);
      expect(manifest.components.map(componentId)).toEqual([path]);
    },
  );

  it("reports every problem, each at its line", () => {
    const errors = errorsOf("name: m\nversion: 1.0\nstatus: gone\n");
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
  });
});

describe("components", () => {
  it.each([
    {
      manifest: "models/fraud/model.yaml",
      path: "weights/model.safetensors",
      expected: "models/fraud/weights/model.safetensors",
    },
    { manifest: "model.yaml", path: "w.bin", expected: "w.bin" },
    { manifest: "a/model.yaml", path: "./b/../c.bin", expected: "a/c.bin" },
  ])("$path beside $manifest is $expected in the repository", ({ manifest, path, expected }) => {
    expect(componentRepoPath(manifest, { path, kind: "weights" })).toBe(expected);
  });

  it("identifies a component by path or name", () => {
    const { manifest } = loaded(FULL);
    expect(manifest.components.map(componentId)).toEqual(["weights/model.safetensors", "base-model"]);
    expect(manifest.components.map(isFileComponent)).toEqual([true, false]);
  });
});
