/**
 * Times `modelgate audit` on a generated repository of 1,000 models with ten versions each
 * (100 commits, each retraining 100 models), and reports the size of the HTML it writes.
 *
 *   node --import tsx bench/audit-bench.ts [--models N] [--versions V] [--runs R] [--keep]
 *
 * Runs the built bin (lib/cli/main.js) when it exists, else the sources through tsx. The
 * repository is written with one `git fast-import`. Budget: under 10 s, HTML under 5 MB.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cli, generatedModelFiles } from "./generated-models.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "1000" },
    versions: { type: "string", default: "10" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
  },
});
const MODELS = Number(values.models);
const VERSIONS = Number(values.versions);
const RUNS = Number(values.runs);
const TIME_BUDGET_MS = 10_000;
const HTML_BUDGET_BYTES = 5_000_000;
const DAY = 24 * 60 * 60;
// commits every 3 days up to 3 days ago: the newest evaluations are current at the head
const STEP_DAYS = 3;

function modelFiles(i: number, round: number, date: string): Record<string, string> {
  const version = `1.${round}.0`;
  return generatedModelFiles({
    i,
    version,
    weightsSeed: `w-${i}-${round}`,
    prompt: `prompt ${i}\n`,
    evaluated: date,
    threatNote: "tested; mitigated",
    report: `docs/evals/model-${i}-${version}.md`,
  });
}

/** The fast-import stream: VERSIONS x 10 commits, each touching every tenth model; a tag every 10 commits. */
function importStream(): Buffer {
  const chunks: Buffer[] = [];
  const text = (s: string): void => void chunks.push(Buffer.from(s, "utf8"));
  const data = (s: string): void => {
    const bytes = Buffer.from(s, "utf8");
    text(`data ${bytes.length}\n`);
    chunks.push(bytes);
    text("\n");
  };
  const commits = VERSIONS * 10;
  const start = Math.floor(Date.now() / 1000) - (commits + 1) * STEP_DAYS * DAY;
  for (let k = 0; k < commits; k++) {
    const when = start + k * STEP_DAYS * DAY;
    const date = new Date(when * 1000).toISOString().slice(0, 10);
    const round = Math.floor(k / 10);
    text(
      `commit refs/heads/main\nmark :${k + 1}\nauthor Bench <bench@example.org> ${when} +0000\ncommitter Bench <bench@example.org> ${when} +0000\n`,
    );
    data(`round ${round}: retrain models ≡ ${k % 10} (mod 10)`);
    if (k > 0) text(`from :${k}\n`);
    for (let i = k % 10; i < MODELS; i += 10) {
      for (const [path, content] of Object.entries(modelFiles(i, round, date))) {
        text(`M 100644 inline ${path}\n`);
        data(content);
      }
    }
    if (k % 10 === 9) text(`reset refs/tags/v${round + 1}.0\nfrom :${k + 1}\n\n`);
  }
  return Buffer.concat(chunks);
}

const repo = mkdtempSync(join(tmpdir(), "modelgate-audit-bench-"));
const generation = Date.now();
execFileSync("git", ["init", "-q", "-b", "main", repo]);
execFileSync("git", ["-C", repo, "fast-import", "--quiet"], { input: importStream(), maxBuffer: 1024 * 1024 * 1024 });
const generatedMs = Date.now() - generation;

const out = join(repo, "..", `${repo.split("/").pop()}-audit`);
const ms: number[] = [];
const cpuMs: number[] = [];
let exit = -1;
let stderr = "";
// bash's `time` gives the CPU time of the audit and its git processes: a figure that a machine shared with other jobs inflates less than wall time
const quote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;
const command = [process.execPath, ...cli.argv, "audit", "--repo", repo, "--ref", "main", "-o", out]
  .map(quote)
  .join(" ");
for (let run = 0; run < RUNS; run++) {
  rmSync(out, { recursive: true, force: true });
  const begin = process.hrtime.bigint();
  const result = spawnSync("bash", ["-c", `TIMEFORMAT='cpu %U %S'; time ${command}`], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  ms.push(Number(process.hrtime.bigint() - begin) / 1e6);
  exit = result.status ?? -1;
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  if (cpu) cpuMs.push((Number(cpu[1]) + Number(cpu[2])) * 1000);
  stderr = result.stderr.replace(/cpu [\d.]+ [\d.]+\s*$/, "");
  if (exit !== 0 && exit !== 1) throw new Error(`audit: exit ${exit}\n${result.stderr}`);
}
const html = statSync(join(out, "audit.html")).size;
const json = statSync(join(out, "audit.json")).size;
const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] ?? NaN;
const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(2)} MB`;

console.log(
  `modelgate audit bench — ${MODELS} models x ${VERSIONS} versions (${VERSIONS * 10} commits, ${MODELS * 3} files), ${cli.label}, node ${process.version}`,
);
console.log(`repository generated in ${(generatedMs / 1000).toFixed(1)} s at ${repo}; ${stderr.trim()}\n`);
console.log(`| measure | value | budget |\n|---|---:|---:|`);
console.log(
  `| audit written (median of ${RUNS}; min ${Math.min(...ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms) | ${median.toFixed(0)} ms | ${TIME_BUDGET_MS} ms |`,
);
const cpuMedian = [...cpuMs].sort((a, b) => a - b)[Math.floor(cpuMs.length / 2)];
if (cpuMedian !== undefined)
  console.log(`| CPU time of the audit and its git processes (median) | ${cpuMedian.toFixed(0)} ms | — |`);
console.log(`| load average when done (2 cores shared with other jobs) | ${loadavg()[0]!.toFixed(1)} | — |`);
console.log(`| audit.html | ${mb(html)} | ${mb(HTML_BUDGET_BYTES)} |`);
console.log(`| audit.json | ${mb(json)} | — |`);
console.log(`| exit code | ${exit} | — |`);
if (!values.keep) {
  rmSync(repo, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
}
if (median > TIME_BUDGET_MS || html > HTML_BUDGET_BYTES) {
  console.error(
    `over budget: ${median.toFixed(0)} ms (budget ${TIME_BUDGET_MS}), HTML ${mb(html)} (budget ${mb(HTML_BUDGET_BYTES)})`,
  );
  process.exitCode = 1;
}
