import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TestRepo, runModelgate } from "./git-repo.js";
import { digestOf, lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";
import { validateBom } from "../../src/core/bom/build-bom.js";

const FRAUD: ModelSpec = {
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.1.0",
  components: [
    { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud") },
    { path: "prompts/system.txt", kind: "prompt", content: "Flag fraud.\n" },
  ],
};
const CHURN: ModelSpec = {
  dir: "churn",
  name: "churn",
  version: "0.3.0",
  status: "deprecated",
  components: [{ path: "churn.onnx", kind: "weights", content: Buffer.from([1, 2, 3, 250]) }],
};

const repos: TestRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.dispose();
});
function newRepo(): TestRepo {
  const repo = TestRepo.create();
  repos.push(repo);
  return repo;
}

describe("modelgate validate", () => {
  it("valid files given on the command line: exit 0, each named", async () => {
    const repo = newRepo();
    repo.write({ ...modelFiles(FRAUD), ".github/modelgate.yml": "unmanaged_artifacts: warn\n" });
    const run = await runModelgate(["validate", "models/fraud/model.yaml", ".github/modelgate.yml"], repo.dir);
    expect(run.stdout).toContain("ok  models/fraud/model.yaml (manifest)");
    expect(run.stdout).toContain("ok  .github/modelgate.yml (policy)");
    expect(run.code).toBe(0);
  });

  it("errors are printed as file:line: message, exit 1", async () => {
    const repo = newRepo();
    repo.write({
      "bad/model.yaml": "name: bad\nversion: one\nstatus: active\n",
      "modelgate.yml": "gates:\n  retrain:\n    approvals: [ghost]\n",
    });
    const run = await runModelgate(["validate", "bad/model.yaml", "modelgate.yml"], repo.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^bad\/model\.yaml:2: .*semantic version/m);
    expect(run.stdout).toMatch(
      /^modelgate\.yml:3: gates\.retrain\.approvals\[0\]: role "ghost" is not declared under roles/m,
    );
  });

  it("files are read relative to --repo, and named as given", async () => {
    const repo = newRepo();
    repo.write({ ...modelFiles(FRAUD) });
    const run = await runModelgate(["validate", "--repo", repo.dir, "models/fraud/model.yaml"], process.cwd());
    expect(run.stdout).toContain("ok  models/fraud/model.yaml (manifest)");
    expect(run.code).toBe(0);
  });

  it("a file that cannot be read: exit 2", async () => {
    const repo = newRepo();
    const run = await runModelgate(["validate", "missing/model.yaml"], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read missing/model.yaml: no such file");
  });

  it("without files: the policy and every manifest committed at HEAD (not the working tree)", async () => {
    const repo = newRepo();
    repo
      .write({
        ...modelFiles(FRAUD),
        ".github/modelgate.yml": "models:\n  manifests: ['**/model.yaml', '**/ml.yaml']\n",
        "extra/ml.yaml": "name: extra\nversion: 1.0.0\nbogus: 1\n",
      })
      .commit("models");
    repo.write({ "models/fraud/model.yaml": "broken: [\n" }); // uncommitted: ignored
    const run = await runModelgate(["validate"], repo.dir);
    expect(run.stdout).toContain("ok  .github/modelgate.yml (policy)");
    expect(run.stdout).toContain("ok  models/fraud/model.yaml (manifest)");
    expect(run.stdout).toMatch(/^extra\/ml\.yaml:3: /m);
    expect(run.code).toBe(1);
  });

  it("attack: a result, version, sha256 or component path ending in Unicode white space is invalid, with or without a CR", async () => {
    const repo = newRepo();
    const manifest = modelFiles(FRAUD)["models/fraud/model.yaml"] as string;
    const hash = /sha256: ([0-9a-f]{64})/.exec(manifest)![1]!;
    const attacks: Record<string, [string, string]> = {
      result: ["result: pass", "result: pass\u3000"],
      version: ["version: 2.1.0\nstatus", "version: 2.1.0\u200a\nstatus"],
      sha256: [`sha256: ${hash}`, `sha256: ${hash}\u2003`],
      path: ["path: weights/model.safetensors", "path: weights/model.safetensors\u3000"],
    };
    const files: Record<string, string> = {};
    for (const [field, [from, to]] of Object.entries(attacks)) {
      expect(manifest).toContain(from);
      const text = manifest.replace(from, to);
      files[`lf/${field}.yaml`] = text;
      files[`cr/${field}.yaml`] = text.replace("\n", "\r\n");
    }
    repo.write(files);
    const run = await runModelgate(["validate", ...Object.keys(files)], repo.dir);
    expect(run.code).toBe(1);
    const reported = (folder: string): string[] =>
      run.stdout
        .split("\n")
        .filter((line) => line.startsWith(`${folder}/`))
        .map((line) => line.slice(folder.length + 1));
    expect(reported("lf")).toEqual([
      'result.yaml:23: evaluations[0].result: Invalid option: expected one of "pass"|"fail"',
      "version.yaml:2: version: must be a semantic version, e.g. 2.1.0",
      "sha256.yaml:10: components[0].sha256: must be 64 hexadecimal characters (a SHA-256)",
      "path.yaml:8: components[0].path: must not hold control or invisible characters, white space other than a space, or a space at the start or end of a name",
    ]);
    expect(reported("cr")).toEqual(reported("lf"));
  });
});

describe("modelgate inventory", () => {
  it("lists every model at a ref with version, status, digest and manifest", async () => {
    const repo = newRepo();
    repo.write(modelFiles(FRAUD)).commit("fraud");
    const first = repo.git("rev-parse", "HEAD");
    repo.write(modelFiles(CHURN)).commit("churn");
    const run = await runModelgate(["inventory", "--json"], repo.dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      ref: "HEAD",
      commit: repo.git("rev-parse", "HEAD"),
      models: [
        {
          name: "churn",
          version: "0.3.0",
          status: "deprecated",
          digest: digestOf(CHURN),
          manifest: "churn/model.yaml",
        },
        {
          name: "fraud-detector",
          version: "2.1.0",
          status: "active",
          digest: digestOf(FRAUD),
          manifest: "models/fraud/model.yaml",
        },
      ],
      errors: [],
    });
    const older = await runModelgate(["inventory", "--ref", first], repo.dir);
    expect(older.code).toBe(0);
    expect(older.stdout).toMatch(/^fraud-detector +2\.1\.0 +active +sha256:[0-9a-f]{64} +models\/fraud\/model\.yaml$/m);
    expect(older.stdout).not.toContain("churn");
  });

  it('one model is counted as one model, not "1 model(s)"', async () => {
    const repo = newRepo();
    repo.write(modelFiles(FRAUD)).commit("fraud");
    const run = await runModelgate(["inventory"], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^1 model at HEAD \([0-9a-f]{12}\)\n/);
  });

  it("an invalid manifest is named with its line and makes the command exit 1", async () => {
    const repo = newRepo();
    repo.write({ ...modelFiles(FRAUD), "x/model.yaml": "name: x\nversion: 1.0.0\nstatus: retired\n" }).commit("models");
    const run = await runModelgate(["inventory"], repo.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("fraud-detector");
    expect(run.stdout).toMatch(/x\/model\.yaml:3: /);
  });
});

describe("modelgate bom", () => {
  it("writes a CycloneDX 1.6 ML-BOM of every model that validates against the official schema", async () => {
    const repo = newRepo();
    repo.write({ ...modelFiles(FRAUD), ...modelFiles(CHURN) }).commit("models");
    repo.git("remote", "add", "origin", "git@github.com:acme/ml-models.git");
    const run = await runModelgate(["bom", "-o", "bom.json"], repo.dir, { SOURCE_DATE_EPOCH: "1767225600" });
    expect(run.stderr).toContain("wrote bom.json");
    expect(run.code).toBe(0);
    const bom = JSON.parse(readFileSync(join(repo.dir, "bom.json"), "utf8")) as {
      specVersion: string;
      metadata: { timestamp: string; component: { name: string; version: string } };
      components: Array<{ type: string; name: string; version: string }>;
    };
    expect(bom.specVersion).toBe("1.6");
    expect(bom.metadata.timestamp).toBe("2026-01-01T00:00:00.000Z");
    expect(bom.metadata.component).toMatchObject({ name: "acme/ml-models", version: "HEAD" });
    const models = bom.components
      .filter((c) => c.type === "machine-learning-model")
      .map((c) => `${c.name}@${c.version}`);
    expect(models.sort()).toEqual(["churn@0.3.0", "fraud-detector@2.1.0"]);
    expect(await validateBom(bom)).toEqual({ ok: true });
  });

  it("prints to stdout, and refuses (exit 1) when a manifest is invalid", async () => {
    const repo = newRepo();
    repo.write(modelFiles(FRAUD)).commit("fraud");
    const ok = await runModelgate(["bom", "--ref", "main"], repo.dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    repo.write({ "bad/model.yaml": "name: bad\n" }).commit("bad");
    const bad = await runModelgate(["bom"], repo.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/bad\/model\.yaml:1: /);
  });
});

describe("usage", () => {
  it("an unknown command: exit 2 with the usage", async () => {
    const run = await runModelgate(["deploy"], process.cwd());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "deploy"');
    expect(run.stderr).toContain("Usage: modelgate <command>");
  });

  it("no command: exit 2 with the usage", async () => {
    const run = await runModelgate([], process.cwd());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: modelgate <command>");
  });

  it("--version prints the version of package.json", async () => {
    const run = await runModelgate(["--version"], process.cwd());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${(JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")) as { version: string }).version}\n`,
    );
  });

  it("--help names both spellings of the version option, -v and --version, and -v prints the version", async () => {
    const help = await runModelgate(["--help"], process.cwd());
    expect(help.stdout).toMatch(/^ {2}-v, --version {3}Print modelgate's version\.$/m);
    const short = await runModelgate(["-v"], process.cwd());
    expect(short.code).toBe(0);
    expect(short.stdout).toBe((await runModelgate(["--version"], process.cwd())).stdout);
  });

  it("--help prints the usage of every command", async () => {
    const run = await runModelgate(["--help"], process.cwd());
    expect(run.code).toBe(0);
    for (const command of ["check", "validate", "inventory", "bom"]) expect(run.stdout).toContain(`  ${command} [`);
  });
});
