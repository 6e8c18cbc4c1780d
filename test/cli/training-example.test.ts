import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildExampleRepo } from "../../examples/build-example-repo.js";
import { parsePolicy } from "../../src/core/policy/load-policy.js";
import { trainingFactsFromText, trainingProvisionEvidence } from "../../src/core/governance/training-evidence.js";

describe("the example repository's training roster", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "modelgate-example-training-")), "repo");
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("evidences 5.1.1-1, 5.1.1-1.1, 5.1.1-2 and 5.1.1-2.2 at the default branch, as the audit reads it from git", () => {
    buildExampleRepo(dir, "2026-12-01");
    const show = (path: string) => execFileSync("git", ["-C", dir, "show", `main:${path}`], { encoding: "utf8" });
    const committedAt = execFileSync(
      "git",
      ["-C", dir, "log", "-1", "--format=%cI", "main", "--", "governance/training.yaml"],
      { encoding: "utf8" },
    ).trim();
    const policy = parsePolicy(show(".github/modelgate.yml"), ".github/modelgate.yml");
    if (!policy.ok) throw new Error(JSON.stringify(policy.errors));
    const training = trainingFactsFromText(
      show("governance/training.yaml"),
      "governance/training.yaml",
      committedAt,
      new Date("2026-12-01T12:00:00Z"),
    );

    const evidence = trainingProvisionEvidence(policy.policy, training);

    expect(evidence.map((e) => [e.provision, e.status])).toEqual([
      ["5.1.1-1", "evidenced"],
      ["5.1.1-1.1", "evidenced"],
      ["5.1.1-2", "evidenced"],
      ["5.1.1-2.2", "evidenced"],
    ]);
    expect(evidence[1]?.evidence).toBe(
      "a course and a currently trained person for each role the gates ask for: developer (1), system_operator (1), data_custodian (1)",
    );
    expect(readFileSync(join(dir, "governance/training.yaml"), "utf8")).toContain("login: dana-dev");
  });
});
