import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILT_CLI, TestRepo, runBuiltModelgate } from "./git-repo.js";
import { lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";
import type { CheckJson } from "../../src/cli/check-json.js";

// Every other CLI test runs runCli in process; these two run the package's bin as a user's shell does.
const FRAUD: ModelSpec = {
  dir: "models/fraud",
  name: "fraud-detector",
  version: "1.0.0",
  components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v1") }],
};

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe("the built modelgate binary", () => {
  it("runs through the symlink npm installs (node_modules/.bin/modelgate) and prints the package version", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-bin-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const link = join(dir, "modelgate");
    symlinkSync(BUILT_CLI, link);
    const run = await runBuiltModelgate(["--version"], dir, link);
    expect(run).toEqual({
      code: 0,
      stdout: `${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`,
      stderr: "",
    });
  });

  it("exits 1 with the JSON verdict when a retrain keeps the version", async () => {
    const repo = TestRepo.create();
    cleanups.push(() => repo.dispose());
    repo.write(modelFiles(FRAUD)).commit("fraud-detector 1.0.0");
    repo.branch("change");
    repo
      .write(
        modelFiles({
          ...FRAUD,
          components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v2") }],
        }),
      )
      .commit("retrain, same version");
    const run = await runBuiltModelgate(["check", "--json", "--base", "main"], repo.dir);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.verdict).toBe("failure");
    expect(json.models[0]!.requirements).toContainEqual(
      expect.objectContaining({ id: "version.raised", status: "failed" }),
    );
  });
});
