import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestRepo, runModelgate } from "./git-repo.js";
import { modelFiles } from "./model-fixtures.js";
import { sha256 } from "../fixtures/git-objects.js";
import type { CheckJson } from "../../src/cli/check-json.js";
import { runCli } from "../../src/cli/main.js";
import type { AuditReport } from "../../src/core/audit/types.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/supply-chain/${name}`, import.meta.url));
const pointerFor = (bytes: Buffer): string =>
  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`;

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

/** One new model per artefact, each `models/<name>/weights/<file>`, added on a branch. */
const MODELS: Array<{ name: string; file: string; content: string | Buffer }> = [
  { name: "benign-pt", file: "model.pt", content: fixture("benign-state-dict.pt") },
  { name: "legacy-pt", file: "model.pt", content: fixture("legacy-state-dict.pt") },
  { name: "safetensors", file: "model.safetensors", content: fixture("model.safetensors") },
  { name: "second-member", file: "model.pt", content: fixture("malicious-second-member.pt") },
  { name: "stack-global", file: "model.pkl", content: fixture("stack-global-memo.pkl") },
  { name: "reduce", file: "model.pkl", content: fixture("reduce-protocol4.pkl") },
  { name: "misnamed", file: "model.safetensors", content: fixture("pickle-named.safetensors") },
  { name: "object-npy", file: "embeddings.npy", content: fixture("objects.npy") },
  { name: "onnx-escape", file: "model.onnx", content: fixture("escaping-external-data.onnx") },
  // Git LFS: the object of the first is fetched into the local store, the others are not
  { name: "lfs-fetched", file: "model.pt", content: pointerFor(fixture("malicious-second-member.pt")) },
  { name: "lfs-missing-pt", file: "model.pt", content: pointerFor(Buffer.from("never fetched")) },
  { name: "lfs-missing-st", file: "model.safetensors", content: pointerFor(Buffer.from("never fetched")) },
];

async function checkAll(): Promise<{ code: number; json: CheckJson }> {
  const repo = TestRepo.create();
  repos.push(repo);
  repo.write({ "README.txt": "models\n" }).commit("start");
  repo.branch("models");
  for (const model of MODELS) {
    repo.write(
      modelFiles({
        dir: `models/${model.name}`,
        name: model.name,
        version: "1.0.0",
        components: [{ path: `weights/${model.file}`, kind: "weights", content: model.content }],
      }),
    );
  }
  repo.commit("models");
  // what `git lfs pull` leaves: the object under .git/lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>
  const object = fixture("malicious-second-member.pt");
  const oid = sha256(object);
  const stored = join(repo.dir, ".git", "lfs", "objects", oid.slice(0, 2), oid.slice(2, 4), oid);
  mkdirSync(dirname(stored), { recursive: true });
  writeFileSync(stored, object);
  const run = await runModelgate(["check", "--json", "--base", "main"], repo.dir);
  return { code: run.code, json: JSON.parse(run.stdout) as CheckJson };
}

describe("modelgate check: format:<path> of every class (real artefacts)", () => {
  it("names each failing import and the member it came from; benign files pass; unread LFS is never safe", async () => {
    const { code, json } = await checkAll();
    const format = (name: string) => {
      const model = json.models.find((m) => m.name === name);
      const requirement = model?.requirements.find((r) => r.id.startsWith("format:"));
      if (!requirement) throw new Error(`no format requirement for ${name}: ${JSON.stringify(model)}`);
      return { status: requirement.status, message: requirement.message };
    };
    expect(code).toBe(1);
    expect(format("benign-pt")).toEqual({
      status: "met",
      message: "models/benign-pt/weights/model.pt (PyTorch zip): no code runs when it is loaded",
    });
    expect(format("legacy-pt")).toMatchObject({ status: "met", message: expect.stringContaining("PyTorch legacy") });
    expect(format("safetensors")).toMatchObject({ status: "met", message: expect.stringContaining("(safetensors)") });
    expect(format("second-member")).toMatchObject({
      status: "failed",
      message: expect.stringContaining(
        "imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl",
      ),
    });
    expect(format("stack-global")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("posix.system"),
    });
    expect(format("reduce")).toMatchObject({ status: "failed", message: expect.stringContaining("posix.system") });
    expect(format("misnamed")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("model.safetensors (pickle (protocol 2)) can run code"),
    });
    expect(format("object-npy")).toMatchObject({ status: "failed", message: expect.stringContaining("object array") });
    expect(format("onnx-escape")).toMatchObject({ status: "failed", message: expect.stringContaining("climbs out") });
    expect(format("lfs-fetched")).toMatchObject({
      status: "failed",
      message: expect.stringContaining(
        "posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl",
      ),
    });
    expect(format("lfs-missing-pt")).toMatchObject({
      status: "failed",
      message: expect.stringContaining(
        "not checked out here (git lfs pull fetches it), and its name says it may hold a pickle",
      ),
    });
    expect(format("lfs-missing-st")).toMatchObject({
      status: "met",
      message: expect.stringContaining("not scanned: a Git LFS object that is not checked out here"),
    });
  });
});

describe("modelgate audit: the formats at the head are evidence of 5.2.3-1 and 5.2.4-1.2", () => {
  it("counts the formats checked, names the unsafe one as a finding, and the BOM records each format", async () => {
    const repo = TestRepo.create("modelgate-audit-formats-");
    repos.push(repo);
    repo.write(
      modelFiles({
        dir: "models/scorer",
        name: "scorer",
        version: "1.0.0",
        components: [{ path: "weights/model.pt", kind: "weights", content: fixture("malicious-second-member.pt") }],
      }),
    );
    repo.commit("scorer");
    const out = mkdtempSync(join(tmpdir(), "modelgate-audit-formats-out-"));
    try {
      const code = await runCli(["audit", "--repo", repo.dir, "-o", out], {
        stdout: () => undefined,
        stderr: () => undefined,
        now: () => new Date(),
        cwd: process.cwd(),
        env: {},
      });
      expect(code).toBe(1);
      const report = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport;
      for (const id of ["5.2.3-1", "5.2.4-1.2"]) {
        const row = report.provisions.find((p) => p.id === id);
        expect(row?.evidence.map((e) => e.text)).toContain("0 component formats checked at the head, 1 unsafe");
        expect(row?.findings.join("\n")).toContain(
          "imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl",
        );
      }
      const file = report.models[0]?.bom?.components?.find((c) => c.name === "models/scorer/weights/model.pt");
      expect(file?.properties?.find((p) => p.name === "modelgate:format")?.value).toMatch(
        /^failed: models\/scorer\/weights\/model\.pt \(PyTorch zip\) can run code when loaded: imports posix\.system/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
