/**
 * Times `modelgate check` (and inventory / bom) on a generated repository of 1,000 models.
 *
 *   node --import tsx bench/cli-bench.ts [--models N] [--keep]
 *
 * Runs the built bin (lib/cli/main.js) when it exists, else the sources through tsx.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { cli, generatedModelFiles, lfsPointer } from "./generated-models.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
  },
});
const MODELS = Number(values.models);
const RUNS = Number(values.runs);
const today = new Date().toISOString().slice(0, 10);

function modelFiles(i: number, version: string, weightsSeed: string, prompt: string): Record<string, string> {
  return generatedModelFiles({ i, version, weightsSeed, prompt, evaluated: today, threatNote: "tested" });
}

function git(dir: string, ...args: string[]): void {
  execFileSync("git", ["-C", dir, ...args], { stdio: "ignore" });
}

function writeAll(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function time(
  label: string,
  args: string[],
  repo: string,
  expectExit: number[],
): { label: string; ms: number[]; exit: number } {
  const ms: number[] = [];
  let exit = -1;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [...cli.argv, ...args], {
      cwd: repo,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    exit = result.status ?? -1;
    if (!expectExit.includes(exit)) throw new Error(`${label}: exit ${exit}\n${result.stderr}`);
  }
  return { label, ms, exit };
}

const repo = mkdtempSync(join(tmpdir(), "modelgate-bench-"));
const generation = Date.now();
git(repo, "init", "-q", "-b", "main");
git(repo, "config", "user.name", "bench");
git(repo, "config", "user.email", "bench@example.org");
git(repo, "config", "commit.gpgsign", "false");
for (let i = 0; i < MODELS; i++) writeAll(repo, modelFiles(i, "1.0.0", `w-${i}-v1`, `prompt ${i}\n`));
git(repo, "add", "-A");
git(repo, "commit", "-q", "-m", `${MODELS} models`);

// a typical PR: 10 models retrained with a version bump, one shadow model
git(repo, "checkout", "-q", "-b", "ten");
for (let i = 0; i < Math.min(10, MODELS); i++) writeAll(repo, modelFiles(i, "1.1.0", `w-${i}-v2`, `prompt ${i}\n`));
writeAll(repo, { "experiments/shadow.gguf": lfsPointer("shadow") });
git(repo, "add", "-A");
git(repo, "commit", "-q", "-m", "retrain ten");

// a sweeping PR: every model's prompt changes with a version bump
git(repo, "checkout", "-q", "-b", "all", "main");
for (let i = 0; i < MODELS; i++) writeAll(repo, modelFiles(i, "1.0.1", `w-${i}-v1`, `prompt ${i}, reworded\n`));
git(repo, "add", "-A");
git(repo, "commit", "-q", "-m", "reword every prompt");
const generatedMs = Date.now() - generation;

const results = [
  time(
    `check: 10 of ${MODELS} models retrained + 1 shadow`,
    ["check", "--json", "--base", "main", "--head", "ten"],
    repo,
    [1],
  ),
  time(`check: all ${MODELS} models changed`, ["check", "--json", "--base", "main", "--head", "all"], repo, [0]),
  time(`check: human report, all ${MODELS} changed`, ["check", "--base", "main", "--head", "all"], repo, [0]),
  time(`inventory: ${MODELS} models`, ["inventory", "--json", "--ref", "main"], repo, [0]),
  time(
    `bom: ${MODELS} models`,
    ["bom", "--ref", "main", "-o", join(repo, "..", `${repo.split("/").pop()}-bom.json`)],
    repo,
    [0],
  ),
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`modelgate CLI bench — ${MODELS} models (${MODELS * 3} files), ${cli.label}, node ${process.version}`);
console.log(`repository generated in ${(generatedMs / 1000).toFixed(1)} s at ${repo}\n`);
console.log(`${"command".padEnd(52)} ${"median".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}  exit`);
for (const r of results) {
  const fmt = (ms: number): string => `${ms.toFixed(0)} ms`.padStart(9);
  console.log(
    `${r.label.padEnd(52)} ${fmt(median(r.ms))} ${fmt(Math.min(...r.ms))} ${fmt(Math.max(...r.ms))}  ${r.exit}`,
  );
}
if (!values.keep) {
  rmSync(repo, { recursive: true, force: true });
  rmSync(join(repo, "..", `${repo.split("/").pop()}-bom.json`), { force: true });
}
