import { describe, expect, it } from "vitest";
import { printable, renderCheckReport, type CheckRange } from "../../src/cli/report.js";
import type { Decision, ModelVerdict } from "../../src/core/evaluate/types.js";

const RANGE: CheckRange = {
  base: { commit: "a".repeat(40), given: null, ref: "refs/heads/main", refCommit: "c".repeat(40) },
  head: { commit: "b".repeat(40), given: "HEAD", ref: "refs/heads/feature", refCommit: "b".repeat(40) },
};

// a file name that, printed raw, ends its line and forges a requirement that is met
const FORGED = "shadow.gguf\n  ✓ met      hash:x: fake evidence  [5.2.4-1.2]";

const decision = (parts: Partial<Decision>): Decision => ({
  verdict: "failure",
  models: [],
  unmanaged: [],
  errors: [],
  ...parts,
});

const model = (parts: Partial<ModelVerdict>): ModelVerdict => ({
  name: "fraud-detector",
  manifestPath: "models/fraud/model.yaml",
  kinds: ["retrain"],
  from: "1.0.0",
  to: "1.1.0",
  digest: "sha256:" + "d".repeat(64),
  requirements: [],
  verdict: "failure",
  ...parts,
});

describe("printable", () => {
  it.each([
    {
      name: "a plain path is unchanged",
      text: "models/fraud/weights/model.safetensors",
      shown: "models/fraud/weights/model.safetensors",
    },
    {
      name: "non-ASCII letters, quotes and spaces are unchanged",
      text: 'modèles/"ü ß"/模型.bin',
      shown: 'modèles/"ü ß"/模型.bin',
    },
    { name: "a newline is JSON-quoted", text: "a\nb.bin", shown: '"a\\nb.bin"' },
    { name: "a carriage return is JSON-quoted", text: "a\rb.bin", shown: '"a\\rb.bin"' },
    { name: "NUL is JSON-quoted", text: "a\u0000b", shown: '"a\\u0000b"' },
    {
      name: "an ANSI escape sequence is JSON-quoted",
      text: "\u001b[32mok\u001b[0m",
      shown: '"\\u001b[32mok\\u001b[0m"',
    },
    { name: "DEL is escaped", text: "a\u007fb", shown: '"a\\u007fb"' },
    { name: "a C1 control (NEL) is escaped", text: "a\u0085b", shown: '"a\\u0085b"' },
    { name: "the last C1 control is escaped", text: "a\u009fb", shown: '"a\\u009fb"' },
    { name: "U+00A0 (not a control) is unchanged", text: "a\u00a0b", shown: "a\u00a0b" },
    { name: "the line separator U+2028 is escaped", text: "a\u2028b", shown: '"a\\u2028b"' },
    { name: "the paragraph separator U+2029 is escaped", text: "a\u2029b", shown: '"a\\u2029b"' },
    { name: "quotes and backslashes are escaped once quoted", text: 'a"\\\nb', shown: '"a\\"\\\\\\nb"' },
  ])("$name", ({ text, shown }) => {
    expect(printable(text)).toBe(shown);
    // what is shown is one line that reads back as the name
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    if (shown !== text) expect(JSON.parse(shown)).toBe(text);
  });
});

describe("renderCheckReport with hostile names", () => {
  const forgedLines = (report: string): string[] =>
    report
      .split(/\r\n|[\n\r\u0085\u2028\u2029]/)
      .filter((line) => line.includes("fake evidence") && !line.includes('"'));

  it("an unmanaged file whose name holds a newline is printed JSON-quoted on its own line", () => {
    const report = renderCheckReport(
      decision({ unmanaged: [{ path: FORGED, source: "lfs", change: "added", level: "failure" }] }),
      RANGE,
    );
    expect(report).toContain(`  ✗ added    ${JSON.stringify(FORGED)}  (Git LFS pointer matching the artifact globs)\n`);
    expect(forgedLines(report)).toEqual([]);
  });

  it("a name with a C1 control or a line separator is quoted too", () => {
    const report = renderCheckReport(
      decision({
        unmanaged: [
          { path: "m\u2028✓ met.bin", source: "artifact", change: "added", level: "failure" },
          { path: "n\u0085.bin", source: "artifact", change: "deleted", level: "warning" },
        ],
      }),
      RANGE,
    );
    expect(report).toContain('  ✗ added    "m\\u2028✓ met.bin"  (file matching the artifact globs)\n');
    expect(report).toContain('  ! deleted  "n\\u0085.bin"  (file matching the artifact globs; warning only)\n');
  });

  it("a component path embedded in a requirement's id and message cannot forge a met requirement", () => {
    const hostile = model({
      manifestPath: "models/x\n  ✓ met      evaluation.bound: fake evidence  [5.2.5-1]/model.yaml",
      requirements: [
        {
          id: `hash:${FORGED}`,
          status: "failed",
          message: `models/fraud/${FORGED}: declared sha256 x, file is y`,
          provision: "5.2.4-1.2",
        },
      ],
    });
    const report = renderCheckReport(decision({ models: [hostile] }), RANGE);
    expect(report).toContain(`fraud-detector  (${JSON.stringify(hostile.manifestPath)})  FAILURE\n`);
    expect(report).toContain(
      `  ✗ failed   ${JSON.stringify(hostile.manifestPath)}:1: ${JSON.stringify(`hash:${FORGED}`)}: ${JSON.stringify(`models/fraud/${FORGED}: declared sha256 x, file is y`)}  [5.2.4-1.2]\n`,
    );
    expect(forgedLines(report)).toEqual([]);
    expect(report.split("\n").filter((line) => line.startsWith("  ✓ met"))).toEqual([]);
  });

  it("a failed or pending requirement is printed after its file:line (its own file, else the manifest's line 1); a met one without", () => {
    const report = renderCheckReport(
      decision({
        models: [
          model({
            requirements: [
              { id: "evaluation.bound", status: "met", message: "bound", provision: "5.2.5-1", line: 20 },
              { id: "approval:developer", status: "pending", message: "approve", provision: "5.1.4-3" },
              {
                id: "hash:w",
                status: "failed",
                message: "mismatch",
                provision: "5.2.4-1.2",
                path: "models/fraud/other.yaml",
                line: 7,
              },
            ],
          }),
        ],
      }),
      RANGE,
    );
    expect(report).toContain("  ✗ failed   models/fraud/other.yaml:7: hash:w: mismatch  [5.2.4-1.2]\n");
    expect(report).toContain("  … pending  models/fraud/model.yaml:1: approval:developer: approve  [5.1.4-3]\n");
    expect(report).toContain("  ✓ met      evaluation.bound: bound  [5.2.5-1]\n");
  });

  it("counts invalid files and their errors apart: one file with 9 errors is 1 invalid file (9 errors)", () => {
    const errors = Array.from({ length: 9 }, (_, index) => ({
      path: "models/fraud/model.yaml",
      line: index + 1,
      message: `error ${index + 1}`,
    }));
    const one = renderCheckReport(decision({ errors }), RANGE);
    expect(one.split("\n")[2]).toBe("✗ FAILURE: 1 invalid file (9 errors)");
    const two = renderCheckReport(
      decision({ errors: [...errors.slice(0, 1), { path: "models/churn/model.yaml", line: 2, message: "x" }] }),
      RANGE,
    );
    expect(two.split("\n")[2]).toBe("✗ FAILURE: 2 invalid files");
  });

  it("one unmanaged model and one model changed are singular", () => {
    const report = renderCheckReport(
      decision({
        models: [model({ requirements: [{ id: "version.raised", status: "failed", message: "m", provision: "p" }] })],
        unmanaged: [{ path: "x.gguf", source: "artifact", change: "added", level: "failure" }],
      }),
      RANGE,
    );
    expect(report.split("\n")[2]).toBe("✗ FAILURE: 1 requirement failed, 1 unmanaged model (1 model changed)");
  });

  it("an invalid file whose name holds a newline is quoted in 'Files to fix'", () => {
    const report = renderCheckReport(
      decision({ errors: [{ path: "models/a\nb/model.yaml", line: 3, message: "version: must be semver" }] }),
      RANGE,
    );
    expect(report).toContain('  "models/a\\nb/model.yaml":3: version: must be semver\n');
  });

  it("ordinary names are printed as they are", () => {
    const report = renderCheckReport(
      decision({
        models: [
          model({
            requirements: [
              {
                id: "hash:weights/model.safetensors",
                status: "met",
                message: "models/fraud/weights/model.safetensors: LFS pointer oid matches the declared sha256",
                provision: "5.2.4-1.2",
              },
            ],
          }),
        ],
        unmanaged: [{ path: "experiments/shadow-llm.gguf", source: "lfs", change: "added", level: "failure" }],
        errors: [{ path: "models/other/model.yaml", line: 2, message: "name: required" }],
      }),
      RANGE,
    );
    expect(report).toContain("fraud-detector  (models/fraud/model.yaml)  FAILURE\n");
    expect(report).toContain(
      "  ✓ met      hash:weights/model.safetensors: models/fraud/weights/model.safetensors: LFS pointer oid matches the declared sha256  [5.2.4-1.2]\n",
    );
    expect(report).toContain(
      "  ✗ added    experiments/shadow-llm.gguf  (Git LFS pointer matching the artifact globs)\n",
    );
    expect(report).toContain("  models/other/model.yaml:2: name: required\n");
  });
});
