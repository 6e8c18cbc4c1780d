import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseRawLog } from "../../src/cli/git-history.js";
import { runCli } from "../../src/cli/main.js";
import type { AuditReport } from "../../src/core/audit/types.js";
import { TestRepo } from "./git-repo.js";
import { lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";

const repos: TestRepo[] = [];
const outs: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
  for (const out of outs.splice(0)) rmSync(out, { recursive: true, force: true });
});

function repo(): TestRepo {
  const r = TestRepo.create("modelgate-audit-");
  repos.push(r);
  return r;
}

async function audit(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stderr: string; report?: AuditReport; html?: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), "modelgate-audit-out-"));
  outs.push(out);
  const stderr: string[] = [];
  const code = await runCli(["audit", ...args, "-o", out], {
    stdout: () => undefined,
    stderr: (t) => stderr.push(t),
    now: () => new Date(),
    cwd: process.cwd(),
    env,
  });
  try {
    return {
      code,
      stderr: stderr.join(""),
      report: JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport,
      html: readFileSync(join(out, "audit.html"), "utf8"),
      out,
    };
  } catch {
    return { code, stderr: stderr.join(""), out };
  }
}

const scorer = (version: string, weights: string, extra: Partial<ModelSpec> = {}): ModelSpec => ({
  dir: "models/scorer",
  name: "scorer",
  version,
  components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer(weights) }],
  ...extra,
});

describe("modelgate audit (local git)", () => {
  it("reports every version of the first-parent history once, a merged branch at its merge commit, and the tags that hold each", async () => {
    const r = repo();
    r.write(modelFiles(scorer("1.0.0", "w1"))).commit("scorer 1.0.0");
    r.git("tag", "v1");
    r.branch("retrain")
      .write(modelFiles(scorer("1.1.0", "w2")))
      .commit("retrain on branch");
    r.write({ "README.md": "notes\n" }).commit("docs on the branch");
    r.checkout("main");
    r.git("merge", "-q", "--no-ff", "retrain", "-m", "Merge retrain");
    const merge = r.git("rev-parse", "HEAD");
    r.git("tag", "-a", "v2", "-m", "release 2");

    const { code, report, stderr } = await audit(["--repo", r.dir]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^wrote .*audit\.json and .*audit\.html: 1 model, 2 versions, 0 findings\n$/);
    const versions = report!.models[0]!.versions;
    expect(
      versions.map((v) => [v.version, v.kinds, v.commit === merge ? "merge" : v.subject, v.releases.map((t) => t.tag)]),
    ).toEqual([
      ["1.0.0", ["new_model"], "scorer 1.0.0", ["v1"]],
      ["1.1.0", ["retrain"], "merge", ["v2"]],
    ]);
    expect(versions[1]!.from).toBe("1.0.0");
    expect(report!.releases.map((t) => [t.tag, t.source, t.models.map((m) => m.version)])).toEqual([
      ["v1", "tag", ["1.0.0"]],
      ["v2", "tag", ["1.1.0"]],
    ]);
    // the default branch is named by its full name (docs/cli.md "Which refs are compared")
    expect(report!.repository).toMatchObject({ ref: "refs/heads/main", commit: merge });
  });

  it("attack: a tag named main on a clean commit is not the audited default branch: refs/heads/main is, and the report says so", async () => {
    const r = repo();
    const clean = r.write(modelFiles(scorer("1.0.0", "w1"))).commit("scorer 1.0.0");
    r.git("tag", "main", clean);
    r.write({ "models/scorer/weights/model.safetensors": lfsPointer("swapped weights") });
    const swap = r.commit("swap the weights quietly");

    const { code, report, html } = await audit(["--repo", r.dir]);
    expect(code).toBe(1);
    expect(report!.repository).toMatchObject({ ref: "refs/heads/main", commit: swap });
    expect(report!.models[0]!.versions.map((v) => v.commit)).toEqual([clean, swap]);
    expect(html).toContain(`refs/heads/main at <code>${swap}</code>`);

    // named explicitly, the short name is refused rather than read as the tag
    const explicit = await audit(["--repo", r.dir, "--ref", "main"]);
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain('ref "main" is ambiguous: "main" names refs/heads/main');
    expect(explicit.report).toBeUndefined();
  });

  it("finds a component file changed without its manifest: a retrain whose hash fails, landed", async () => {
    const r = repo();
    r.write(modelFiles(scorer("1.0.0", "w1"))).commit("scorer 1.0.0");
    r.write({ "models/scorer/weights/model.safetensors": lfsPointer("swapped weights") });
    const swap = r.commit("swap the weights quietly");

    const { code, report } = await audit(["--repo", r.dir]);
    expect(code).toBe(1);
    const swapped = report!.models[0]!.versions[1]!;
    expect(swapped).toMatchObject({ commit: swap, kinds: ["retrain"], outcome: "failed", version: "1.0.0" });
    expect(
      swapped.recomputed.requirements
        .filter((q) => q.status === "failed")
        .map((q) => q.id)
        .sort(),
    ).toEqual(["hash:weights/model.safetensors", "version.raised"]);
    expect(report!.findings.map((f) => f.id)).toEqual([
      `F-gate-scorer-1.0.0-${swap.slice(0, 12)}`,
      "F-head-scorer-hash_weights_model.safetensors~" + report!.findings[1]!.id.split("~")[1],
    ]);
  });

  it("judges each change with the policy in force before it, and still writes the report when the policy at the head is invalid", async () => {
    const r = repo();
    r.write({ ".github/modelgate.yml": "evaluation:\n  threats: [data_poisoning]\n" }).commit("policy");
    r.write(modelFiles(scorer("1.0.0", "w1", { evaluatedVersion: false }))).commit("scorer without evaluation");
    r.write({ ".github/modelgate.yml": "gates: [not, a, map]\n" }).commit("break the policy");

    const { code, report, html } = await audit(["--repo", r.dir]);
    expect(code).toBe(1);
    expect(
      report!.models[0]!.versions[0]!.recomputed.requirements.find((q) => q.id === "evaluation.bound")?.status,
    ).toBe("failed");
    expect(report!.policy.errors[0]).toMatchObject({ path: ".github/modelgate.yml", line: 1 });
    expect(report!.findings.map((f) => f.id)).toContain("F-policy-1");
    expect(html).toContain("(invalid: see findings)");
  });

  it("lists the unmanaged model files at the head and the inventory", async () => {
    const r = repo();
    r.write(modelFiles(scorer("1.0.0", "w1")))
      .write({ "experiments/shadow.onnx": lfsPointer("shadow") })
      .commit("scorer and a shadow model");
    const { code, report, html } = await audit(["--repo", r.dir, "--ref", "HEAD"]);
    expect(code).toBe(1);
    expect(report!.unmanaged).toEqual([{ path: "experiments/shadow.onnx", source: "lfs", change: "added" }]);
    expect(report!.inventory.models.map((m) => [m.name, m.version, m.verdict])).toEqual([
      ["scorer", "1.0.0", "success"],
    ]);
    expect(html).toContain("<code>experiments/shadow.onnx</code>");
  });

  it.each([
    [["--github", "acme/models"], {}, "--github reads GitHub with a token: set GITHUB_TOKEN"],
    [
      ["--github", "acme/models"],
      { GITHUB_TOKEN: "t" },
      "--github needs the modelgate App's id (--app-id ID or APP_ID)",
    ],
    [["--github", "not a slug"], { GITHUB_TOKEN: "t" }, '--github wants OWNER/REPO, not "not a slug"'],
    [["--api-url", "https://ghe.example.com/api/v3"], {}, "--api-url and --app-id are options of --github OWNER/REPO"],
    [
      ["--github", "acme/models", "--app-id", "1", "--api-url", "ftp://x"],
      { GITHUB_TOKEN: "t" },
      "--api-url wants an http(s) URL",
    ],
    [["--ref", "no-such-ref"], {}, 'unknown ref "no-such-ref"'],
  ])("refuses %j with exit 2 and says why", async (args, env, message) => {
    const r = repo();
    r.write(modelFiles(scorer("1.0.0", "w1"))).commit("scorer");
    const result = await audit(["--repo", r.dir, ...args], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.report).toBeUndefined();
  });
});

describe("parseRawLog", () => {
  it("reads commits, their changed files and a subject that looks like a record", () => {
    const sha = "a".repeat(40);
    const out = `\x01${sha}\x002026-01-01T00:00:00+00:00\x00Dev\x00:100644 fake subject\x00\n:000000 100644 ${"0".repeat(40)} ${"b".repeat(40)} A\x00models/x/model.yaml\x00:100644 000000 ${"b".repeat(40)} ${"0".repeat(40)} D\x00old.txt\x00\x01${"c".repeat(40)}\x002026-01-02T00:00:00+00:00\x00Dev\x00empty\x00`;
    expect(parseRawLog(out)).toEqual([
      {
        commit: sha,
        date: "2026-01-01T00:00:00+00:00",
        author: "Dev",
        subject: ":100644 fake subject",
        changes: [
          { path: "models/x/model.yaml", mode: "100644", blobSha: "b".repeat(40), status: "A" },
          { path: "old.txt", mode: "000000", blobSha: "0".repeat(40), status: "D" },
        ],
      },
      { commit: "c".repeat(40), date: "2026-01-02T00:00:00+00:00", author: "Dev", subject: "empty", changes: [] },
    ]);
  });
});
