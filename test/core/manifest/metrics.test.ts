import { describe, expect, it } from "vitest";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { modelFiles } from "../../fixtures/manifests.js";

const fixture = modelFiles({ dir: "models/fraud" });

/** The fixture's manifest with its evaluation record's `metrics`/`dataset` lines replaced by `lines`. */
function withRecordLines(lines: string[]): string {
  return `${fixture.yaml.trimEnd()}\n${lines.map((line) => `    ${line}`).join("\n")}\n`;
}

function load(lines: string[]) {
  const result = loadManifest(fixture.manifestPath, withRecordLines(lines));
  return result.ok
    ? { ok: true as const, record: result.loaded.manifest.evaluations[0] }
    : { ok: false as const, errors: result.errors.map((e) => e.message) };
}

describe("evaluation records' metrics and dataset (docs/regression.md)", () => {
  it("reads metrics and the dataset they were measured on", () => {
    const result = load([
      "metrics:",
      "  accuracy: 0.91",
      "  attack_success_rate: 0.04",
      "  f1.macro: 0.88",
      "  loss-eval: -1.5",
      "dataset:",
      "  name: holdout-2026q3",
      `  sha256: ${"a".repeat(64)}`,
    ]);
    expect(result.ok && result.record).toMatchObject({
      metrics: { accuracy: 0.91, attack_success_rate: 0.04, "f1.macro": 0.88, "loss-eval": -1.5 },
      dataset: { name: "holdout-2026q3", sha256: "a".repeat(64) },
    });
  });

  it("huge and tiny finite numbers are kept as they are", () => {
    const result = load([
      "metrics:",
      "  tokens: 1.7976931348623157e308",
      "  tiny: 5e-324",
      "  count: 12345678901234567890",
    ]);
    expect(result.ok && result.record?.metrics).toEqual({
      tokens: 1.7976931348623157e308,
      tiny: 5e-324,
      count: Number("12345678901234567890"),
    });
  });

  it.each([
    [
      "a .nan value",
      ["metrics:", "  accuracy: .nan"],
      /^evaluations\[0\]\.metrics\.accuracy: Invalid input: expected number, received NaN$/,
    ],
    [
      "a .NaN value",
      ["metrics:", "  accuracy: .NaN"],
      /metrics\.accuracy: Invalid input: expected number, received NaN/,
    ],
    [
      "an .inf value",
      ["metrics:", "  accuracy: .inf"],
      /metrics\.accuracy: Invalid input: expected number, received Infinity$/,
    ],
    [
      "a -.inf value",
      ["metrics:", "  loss: -.Inf"],
      /metrics\.loss: Invalid input: expected number, received -Infinity$/,
    ],
    ["a number beyond a double (1e309 reads as Infinity)", ["metrics:", "  accuracy: 1e309"], /received Infinity$/],
    [
      "a number written as text",
      ["metrics:", "  accuracy: '0.9'"],
      /metrics\.accuracy: Invalid input: expected number/,
    ],
    ["a boolean", ["metrics:", "  accuracy: true"], /expected number/],
    ["a list", ["metrics:", "  accuracy: [0.9]"], /expected number/],
    ["a name with markup", ["metrics:", "  '<img src=x>': 1"], /a metric name is letters, digits/],
    ["a name with a pipe (a table cell)", ["metrics:", "  'acc|uracy': 1"], /a metric name is letters, digits/],
    ["a name with a space", ["metrics:", "  'top 1': 1"], /a metric name is letters, digits/],
    ["a Unicode name (Cyrillic а)", ["metrics:", "  \u0430ccuracy: 1"], /a metric name is letters, digits/],
    ["a name with a zero-width space", ["metrics:", "  'accuracy\u200b': 1"], /a metric name is letters, digits/],
    ["a name like __proto__", ["metrics:", "  __proto__: 1"], /a metric name is letters, digits/],
    ["a name of 65 characters", ["metrics:", `  ${"a".repeat(65)}: 1`], /at most 64/],
    ["a dataset without a hash", ["dataset:", "  name: holdout"], /dataset\.sha256/],
    ["a dataset hash that is not SHA-256", ["dataset:", "  name: holdout", "  sha256: abc"], /dataset\.sha256/],
    ["a dataset with a blank name", ["dataset:", "  name: '  '", `  sha256: ${"a".repeat(64)}`], /dataset\.name/],
    [
      "a dataset with an unknown field",
      ["dataset:", "  name: h", `  sha256: ${"a".repeat(64)}`, "  url: x"],
      /unknown key "url"/,
    ],
  ])("refuses %s", (_name, lines, error) => {
    const result = load(lines);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toContainEqual(expect.stringMatching(error));
  });
});
