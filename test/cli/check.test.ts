import { afterEach, describe, expect, it } from "vitest";
import { TestRepo, runModelgate } from "./git-repo.js";
import { declaredHash, digestOf, lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";
import { sha256 } from "../fixtures/git-objects.js";
import { THREATS } from "../fixtures/threats.js";
import { modelDigest } from "../../src/core/manifest/digest.js";
import type { CheckJson } from "../../src/cli/check-json.js";

const FRAUD_V1: ModelSpec = {
  dir: "models/fraud",
  name: "fraud-detector",
  version: "1.0.0",
  components: [
    { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v1") },
    { path: "prompts/system.txt", kind: "prompt", content: "You flag fraudulent transactions.\n" },
  ],
};

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

/** main with one evaluated model, then a branch `change` checked out. */
function repoWithModel(): TestRepo {
  const repo = TestRepo.create();
  repos.push(repo);
  repo.write(modelFiles(FRAUD_V1)).write({ "README.txt": "project\n" });
  repo.commit("fraud-detector 1.0.0");
  return repo.branch("change");
}

async function checkJson(
  repo: TestRepo,
  args: string[] = ["--base", "main"],
): Promise<{ code: number; json: CheckJson; stderr: string }> {
  const run = await runModelgate(["check", "--json", ...args], repo.dir);
  let json: CheckJson;
  try {
    json = JSON.parse(run.stdout) as CheckJson;
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, json, stderr: run.stderr };
}

describe("modelgate check: verdict and exit code", () => {
  /** fraud-detector 1.1.0: the prompt changed, the version raised, the evaluation bound to the new digest. */
  const PROMPT_CHANGED: ModelSpec = {
    ...FRAUD_V1,
    version: "1.1.0",
    components: [
      FRAUD_V1.components[0]!,
      { path: "prompts/system.txt", kind: "prompt", content: "You flag fraud. Be brief.\n" },
    ],
  };

  it("a change that touches no model: success, exit 0", async () => {
    const repo = repoWithModel();
    repo.write({ "README.txt": "project, now documented\n" }).commit("docs");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(0);
    const { base, head, ...result } = json;
    expect(result).toEqual({ verdict: "success", models: [], unmanaged: [] });
    expect(base).toEqual({
      commit: repo.git("rev-parse", "refs/heads/main"),
      given: "main",
      ref: "refs/heads/main",
      refCommit: repo.git("rev-parse", "refs/heads/main"),
    });
    expect(head).toMatchObject({ given: "HEAD", ref: "refs/heads/change" });
  });

  it("a well-formed new version (prompt changed, version raised, evaluation bound to the new digest): only approvals pending, exit 0", async () => {
    const repo = repoWithModel();
    repo.write(modelFiles(PROMPT_CHANGED)).commit("fraud-detector 1.1.0");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(0);
    expect(json.verdict).toBe("action_required");
    expect(json.unmanaged).toEqual([]);
    expect(json.models).toHaveLength(1);
    const model = json.models[0]!;
    expect(model).toMatchObject({
      name: "fraud-detector",
      manifest: "models/fraud/model.yaml",
      changes: ["configuration"],
      from: "1.0.0",
      to: "1.1.0",
      digest: digestOf(PROMPT_CHANGED),
    });
    expect(model.requirements.filter((r) => r.status === "failed")).toEqual([]);
    const pending = model.requirements.filter((r) => r.status === "pending");
    expect(pending.map((r) => r.id)).toContain("approval:developer");
    for (const requirement of model.requirements)
      expect(Object.keys(requirement).sort()).toEqual(["id", "line", "message", "path", "provision", "status"]);
  });

  it("attack: offline, evaluation.independent is reported not checked (pending), never met", async () => {
    const repo = repoWithModel();
    repo.write(modelFiles(PROMPT_CHANGED)).commit("fraud-detector 1.1.0");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(0);
    expect(json.models[0]!.requirements.find((r) => r.id === "evaluation.independent")).toEqual({
      id: "evaluation.independent",
      status: "pending",
      message: expect.stringMatching(/^not checked offline: the authors of the change are read from GitHub/),
      provision: "5.2.5-2.1",
      path: "models/fraud/model.yaml",
      line: expect.any(Number),
    });
  });

  it("attack: a folder component is hashed from its files, as the app does: a file changed inside fails it", async () => {
    const repo = TestRepo.create();
    repos.push(repo);
    const shards = { "a.safetensors": lfsPointer("shard a"), "deep/b.txt": "tokenizer v1\n" };
    const folderSha = (files: Record<string, string>) =>
      sha256(
        Object.keys(files)
          .sort()
          .map((path) => `${declaredHash(files[path]!)} ${path}\n`)
          .join(""),
      );
    const manifest = (version: string, files: Record<string, string>) => {
      const components = [{ path: "weights", kind: "weights" as const, sha256: folderSha(files) }];
      return `name: sharded\nversion: ${version}\nmodalities: [text]\ncomponents:\n  - path: weights\n    kind: weights\n    sha256: ${components[0]!.sha256}\ntraining_data: []\nevaluations:\n  - version: ${version}\n    model_digest: ${modelDigest(components)}\n    date: 2026-11-20\n    evaluator: eve\n    result: pass\n    threats: {${THREATS.map((t) => `${t}: tested`).join(", ")}}\n`;
    };
    const write = (version: string, files: Record<string, string>, declared: Record<string, string>) =>
      repo.write({
        "models/sharded/model.yaml": manifest(version, declared),
        ...Object.fromEntries(Object.entries(files).map(([p, c]) => [`models/sharded/weights/${p}`, c])),
      });
    write("1.0.0", shards, shards).commit("sharded 1.0.0");
    repo.branch("change");
    const retrained = { ...shards, "deep/b.txt": "tokenizer v2\n" };
    // the declared digest is that of the old files: the new ones do not match it
    write("1.1.0", retrained, shards).commit("retrain inside the folder");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(1);
    expect(json.models[0]!.requirements.find((r) => r.id === "hash:weights")).toMatchObject({
      status: "failed",
      message: expect.stringContaining(`the folder digest is ${folderSha(retrained)}`),
    });

    write("1.1.0", retrained, retrained).commit("declare the new folder digest");
    const declared = await checkJson(repo);
    expect(declared.json.models[0]!.requirements.find((r) => r.id === "hash:weights")).toMatchObject({
      status: "met",
      message: "models/sharded/weights: folder digest matches the declared sha256",
    });
  });

  it("a retrain without a version bump fails, exit 1, naming the rule", async () => {
    const repo = repoWithModel();
    const retrained: ModelSpec = {
      ...FRAUD_V1,
      components: [
        { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v2") },
        FRAUD_V1.components[1]!,
      ],
    };
    repo.write(modelFiles(retrained)).commit("retrain, same version");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(1);
    expect(json.verdict).toBe("failure");
    const model = json.models[0]!;
    expect(model.changes).toContain("retrain");
    expect(model.from).toBe("1.0.0");
    expect(model.to).toBe("1.0.0");
    expect(model.requirements).toContainEqual(
      expect.objectContaining({ id: "version.raised", status: "failed", provision: "5.4.1-2" }),
    );
  });

  it("weights changed but the manifest not: the hash check fails, exit 1", async () => {
    const repo = repoWithModel();
    repo.write({ "models/fraud/weights/model.safetensors": lfsPointer("swapped weights") }).commit("swap weights only");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(1);
    const failed = json.models[0]!.requirements.filter((r) => r.status === "failed").map((r) => r.id);
    expect(failed.some((id) => id.startsWith("hash"))).toBe(true);
  });

  it("the human report names the model, each requirement and the verdict", async () => {
    const repo = repoWithModel();
    const v2: ModelSpec = {
      ...FRAUD_V1,
      version: "2.0.0",
      components: [
        { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v2") },
        FRAUD_V1.components[1]!,
      ],
    };
    repo.write(modelFiles(v2)).commit("fraud-detector 2.0.0");
    const run = await runModelgate(["check", "--base", "main"], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ACTION REQUIRED");
    expect(run.stdout).toContain("fraud-detector  (models/fraud/model.yaml)");
    expect(run.stdout).toContain("version: 1.0.0 → 2.0.0");
    expect(run.stdout).toMatch(/… pending {2}models\/fraud\/model\.yaml:\d+: approval:developer: .*\[5\.1\.4-3\]/);
    expect(run.stdout).toContain("offline they are reported pending");
  });

  it("the policy comes from base: a branch cannot switch off the gate that judges it", async () => {
    const repo = repoWithModel();
    repo
      .write({
        ".github/modelgate.yml": "unmanaged_artifacts: off\n",
        "shadow/model.safetensors": lfsPointer("shadow"),
      })
      .commit("sneak");
    const { code, json } = await checkJson(repo);
    expect(code).toBe(1);
    expect(json.unmanaged).toEqual([{ path: "shadow/model.safetensors", source: "lfs", change: "added" }]);
  });

  it("by default compares with the merge-base of the default branch (origin/HEAD when set)", async () => {
    const repo = repoWithModel();
    repo.write({ "README.txt": "branch work\n" }).commit("branch work");
    // the default branch moves on after the fork, with a file the branch never had
    repo
      .checkout("main")
      .write({ "later/model.onnx": Buffer.from([0, 1, 2, 255]) })
      .commit("later on main");
    repo.git("update-ref", "refs/remotes/origin/main", "main");
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
    repo.git("branch", "-m", "main", "trunk"); // only origin/HEAD can name it now
    repo.checkout("change");
    const { code, json } = await checkJson(repo, []);
    expect(code).toBe(0);
    const { base, head: _head, ...result } = json;
    expect(result).toEqual({ verdict: "success", models: [], unmanaged: [] });
    expect(base).toEqual({
      commit: repo.git("merge-base", "refs/remotes/origin/main", "HEAD"),
      given: null,
      ref: "refs/remotes/origin/main",
      refCommit: repo.git("rev-parse", "refs/remotes/origin/main"),
    });
  });
});

/** The 1-based line of the first line of `text` that starts with `prefix` (after its indentation). */
function lineStarting(text: string, prefix: string): number {
  const index = text.split("\n").findIndex((line) => line.trimStart().startsWith(prefix));
  if (index < 0) throw new Error(`no line starts with ${prefix}`);
  return index + 1;
}

describe("modelgate check: where to fix a requirement (file:line, as compilers print it)", () => {
  /** main's fraud-detector retrained without a version bump, and its prompt swapped behind the manifest's back. */
  function retrainedAndSwapped(): { repo: TestRepo; manifest: string } {
    const repo = repoWithModel();
    const retrained: ModelSpec = {
      ...FRAUD_V1,
      components: [
        { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v2") },
        FRAUD_V1.components[1]!,
      ],
    };
    repo.write(modelFiles(retrained)).write({ "models/fraud/prompts/system.txt": "You approve everything.\n" });
    repo.commit("retrain, same version, prompt swapped");
    const manifest = modelFiles(retrained)["models/fraud/model.yaml"]!.toString();
    return { repo, manifest };
  }

  it("the human report prints file:line before every failed and pending requirement, not before met ones", async () => {
    const { repo, manifest } = retrainedAndSwapped();
    const run = await runModelgate(["check", "--base", "main"], repo.dir);
    expect(run.code).toBe(1);
    const versionLine = lineStarting(manifest, "version:");
    expect(run.stdout).toContain(`  ✗ failed   models/fraud/model.yaml:${versionLine}: version.raised: `);
    // the prompt's declared hash: the sha256 line of its component (path, kind, sha256)
    const promptLine = lineStarting(manifest, "- path: prompts/system.txt") + 2;
    expect(manifest.split("\n")[promptLine - 1]).toMatch(/^ {4}sha256: /);
    expect(run.stdout).toMatch(
      new RegExp(`  ✗ failed   models/fraud/model\\.yaml:${promptLine}: hash:prompts/system\\.txt: `),
    );
    expect(run.stdout).toMatch(/ {2}… pending {2}models\/fraud\/model\.yaml:\d+: approval:developer: /);
    for (const line of run.stdout.split("\n").filter((text) => /^ {2}(✗ failed|… pending)/.test(text)))
      expect(line).toMatch(/^ {2}(✗ failed |… pending) {2}models\/fraud\/model\.yaml:[1-9]\d*: /);
    for (const line of run.stdout.split("\n").filter((text) => text.startsWith("  ✓ met")))
      expect(line).not.toContain("model.yaml:");
  });

  it("--json gives every requirement its path and line, the same the human report prints", async () => {
    const { repo, manifest } = retrainedAndSwapped();
    const { code, json } = await checkJson(repo);
    expect(code).toBe(1);
    const requirements = json.models[0]!.requirements;
    expect(requirements.find((r) => r.id === "version.raised")).toMatchObject({
      status: "failed",
      path: "models/fraud/model.yaml",
      line: lineStarting(manifest, "version:"),
    });
    for (const requirement of requirements) {
      expect(requirement.path).toBe("models/fraud/model.yaml");
      expect(Number.isInteger(requirement.line) && requirement.line >= 1).toBe(true);
    }
    const human = await runModelgate(["check", "--base", "main"], repo.dir);
    for (const requirement of requirements.filter((r) => r.status !== "met"))
      expect(human.stdout).toContain(`${requirement.path}:${requirement.line}: ${requirement.id}: `);
  });
});

describe("modelgate check: which refs are compared", () => {
  /**
   * main holds the model; the branch `change` first weakens the policy (unmanaged model files allowed),
   * then adds a model file no manifest declares. `tag` names the weakening commit.
   */
  function repoWithWeakeningTag(tag: string): { repo: TestRepo; weakened: string } {
    const repo = repoWithModel();
    const weakened = repo.write({ ".github/modelgate.yml": "unmanaged_artifacts: off\n" }).commit("weaken the policy");
    repo.git("tag", tag, weakened);
    repo.write({ "shadow/model.safetensors": lfsPointer("shadow") }).commit("add a shadow model");
    return { repo, weakened };
  }

  it("attack: a tag named main on a commit that weakens the policy is not the default base: the branch main is, and the report says so", async () => {
    const { repo, weakened } = repoWithWeakeningTag("main");
    const { code, json } = await checkJson(repo, []);
    expect(code).toBe(1);
    expect(json.verdict).toBe("failure");
    expect(json.unmanaged).toEqual([{ path: "shadow/model.safetensors", source: "lfs", change: "added" }]);
    const main = repo.git("rev-parse", "refs/heads/main");
    expect(json.base).toEqual({ commit: main, given: null, ref: "refs/heads/main", refCommit: main });
    expect(json.base.commit).not.toBe(weakened);

    const human = await runModelgate(["check"], repo.dir);
    expect(human.code).toBe(1);
    expect(human.stdout.split("\n")[0]).toBe(
      `modelgate check: base ${main.slice(0, 12)} (merge-base with refs/heads/main at ${main.slice(0, 12)}) → head ${repo.git("rev-parse", "HEAD").slice(0, 12)} (HEAD = refs/heads/change)`,
    );
  });

  it("attack: a tag named origin/main cannot shadow the remote-tracking branch origin/HEAD points at", async () => {
    const { repo } = repoWithWeakeningTag("origin/main");
    repo.git("update-ref", "refs/remotes/origin/main", "refs/heads/main");
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
    const { code, json } = await checkJson(repo, []);
    expect(code).toBe(1);
    expect(json.verdict).toBe("failure");
    expect(json.base).toMatchObject({ given: null, ref: "refs/remotes/origin/main" });
  });

  it("attack: --base main naming both the branch main and a tag main is refused, naming both, even with core.warnAmbiguousRefs off", async () => {
    const { repo, weakened } = repoWithWeakeningTag("main");
    repo.git("config", "core.warnAmbiguousRefs", "false");
    const run = await runModelgate(["check", "--base", "main"], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const main = repo.git("rev-parse", "refs/heads/main");
    expect(run.stderr).toBe(
      `modelgate: ref "main" is ambiguous: "main" names refs/heads/main (${main.slice(0, 12)}) and refs/tags/main (${weakened.slice(0, 12)}); pass the full ref name (e.g. refs/heads/main) to say which\n`,
    );
    // an expression on the ambiguous name is refused too
    const ancestor = await runModelgate(["check", "--base", "main~0"], repo.dir);
    expect(ancestor.code).toBe(2);
    expect(ancestor.stderr).toContain('ref "main~0" is ambiguous');
  });

  it("a full ref name given keeps git's meaning and is named as given; a short name is named with what it resolved to", async () => {
    const { repo, weakened } = repoWithWeakeningTag("main");
    const branch = await checkJson(repo, ["--base", "refs/heads/main"]);
    expect(branch.code).toBe(1);
    expect(branch.json.base).toMatchObject({ given: "refs/heads/main", ref: "refs/heads/main" });
    // the user asked for the tag by its full name: git's meaning, said in the report
    const tag = await checkJson(repo, ["--base", "refs/tags/main"]);
    expect(tag.code).toBe(0);
    expect(tag.json.base).toEqual({
      commit: weakened,
      given: "refs/tags/main",
      ref: "refs/tags/main",
      refCommit: weakened,
    });
    repo.git("tag", "-d", "main");
    const short = await runModelgate(["check", "--base", "main", "--head", weakened], repo.dir);
    expect(short.stdout.split("\n")[0]).toBe(
      `modelgate check: base ${repo.git("rev-parse", "main").slice(0, 12)} (main = refs/heads/main) → head ${weakened.slice(0, 12)} (${weakened})`,
    );
  });
});

describe("modelgate check: could not evaluate (exit 2)", () => {
  it("a ref that does not exist", async () => {
    const repo = repoWithModel();
    const run = await runModelgate(["check", "--base", "no-such-branch"], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown ref "no-such-branch"');
  });

  it.each([["--output=/tmp/pwned"], ["-c"], ["--upload-pack=touch /tmp/pwned"]])(
    "attack: a ref that looks like a git option (%s) is refused, never passed to git as one",
    async (ref) => {
      const repo = repoWithModel();
      const run = await runModelgate(["check", `--base=${ref}`], repo.dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`invalid ref: "${ref}"`);
    },
  );

  it("a folder that is not a git repository", async () => {
    const repo = repoWithModel();
    const plain = TestRepo.create("modelgate-plain-");
    repos.push(plain);
    plain.remove(".git");
    const run = await runModelgate(["check", "--repo", plain.dir], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`not a git repository: ${plain.dir}`);
  });

  it("an invalid policy at base names the file and line", async () => {
    const repo = TestRepo.create();
    repos.push(repo);
    repo
      .write({ ".github/modelgate.yml": "models:\n  manifests: ['**/model.yaml']\nunmanaged_artifacts: sometimes\n" })
      .commit("bad policy");
    repo.branch("change").write({ "x.txt": "x" }).commit("x");
    const run = await runModelgate(["check", "--base", "main", "--json"], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/invalid policy \.github\/modelgate\.yml at base main/);
    expect(run.stderr).toMatch(/\.github\/modelgate\.yml:3: /);
  });

  it("an option it does not know", async () => {
    const repo = repoWithModel();
    const run = await runModelgate(["check", "--bsae", "main"], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--bsae");
    expect(run.stderr).toContain("Usage: modelgate");
  });
});

describe("modelgate check: which evaluation counts", () => {
  it("attack: a failed re-evaluation recorded on main after the branch forked counts, as the app reads it", async () => {
    const retrained: ModelSpec = {
      ...FRAUD_V1,
      version: "1.1.0",
      components: [FRAUD_V1.components[0]!, { path: "prompts/system.txt", kind: "prompt", content: "Be brief.\n" }],
    };
    const repo = repoWithModel();
    repo.write(modelFiles(retrained)).commit("fraud-detector 1.1.0, evaluated: pass");
    // main, after the branch forked: the same artefacts evaluated again, and they failed
    repo.checkout("main");
    const manifestPath = "models/fraud/model.yaml";
    const onMain = String(modelFiles(FRAUD_V1)[manifestPath]);
    const today = new Date().toISOString().slice(0, 10);
    const failed = [
      `  - version: 1.1.0`,
      `    model_digest: ${digestOf(retrained)}`,
      `    date: ${today}`,
      `    evaluator: eve-evaluator`,
      `    result: fail`,
    ].join("\n");
    repo.write({ [manifestPath]: `${onMain}${failed}\n` }).commit("re-evaluation of 1.1.0's artefacts: fail");
    repo.checkout("change");

    const { code, json } = await checkJson(repo, []);

    expect(code).toBe(1);
    expect(json.models[0]!.requirements.find((r) => r.id === "evaluation.result")).toMatchObject({
      status: "failed",
      message: expect.stringContaining(`the evaluation of ${today} (recorded in the default branch refs/heads/main)`),
    });
  });
});
