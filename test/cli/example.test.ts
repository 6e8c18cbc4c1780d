import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildExampleRepo } from "../../examples/build-example-repo.js";
import { runModelgate } from "./git-repo.js";
import type { CheckJson } from "../../src/cli/check-json.js";

describe("the example repository (npm run example)", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "modelgate-example-test-")), "repo");
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("shows a new model pending approval, a retrain that breaks the version rule, and a shadow model", async () => {
    buildExampleRepo(dir);
    const run = await runModelgate(["check", "--json"], dir);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.verdict).toBe("failure");
    expect(json.unmanaged).toEqual([{ path: "experiments/shadow-llm.gguf", source: "lfs", change: "added" }]);
    const [churn, fraud] = json.models;
    expect(churn).toMatchObject({ name: "churn-predictor", changes: ["new_model"], from: null, to: "0.1.0" });
    expect(churn!.requirements.filter((r) => r.status === "failed")).toEqual([]);
    expect(fraud).toMatchObject({ name: "fraud-detector", changes: ["retrain"], from: "1.0.0", to: "1.0.0" });
    expect(
      fraud!.requirements
        .filter((r) => r.status === "failed")
        .map((r) => r.id)
        .sort(),
    ).toEqual(["evaluation.bound", "version.raised"]);
  });
});
