/**
 * What the fast block-YAML reader buys: the CPU time of reading the audit bench's 10,000 manifests (1,000 models x
 * 10 versions, written by bench/generated-models.ts) with loadYaml (the fast reader, the full parser when it declines)
 * and with the full parser alone (parseYaml).
 *
 *   node --import tsx bench/yaml-bench.ts [--runs R]
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { readBlockYaml } from "../src/core/yaml/block-yaml.js";
import { loadYaml, parseYaml, type YamlResult } from "../src/core/yaml/load-yaml.js";
import { generatedModelFiles } from "./generated-models.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);

const manifests: string[] = [];
for (let round = 0; round < 10; round++)
  for (let i = 0; i < 1000; i++) {
    const files = generatedModelFiles({
      i,
      version: `1.${round}.0`,
      weightsSeed: `w-${i}-${round}`,
      prompt: `prompt ${i}\n`,
      evaluated: "2026-11-20",
      threatNote: "tested; mitigated",
      report: `docs/evals/model-${i}-1.${round}.0.md`,
    });
    manifests.push(Object.entries(files).find(([path]) => path.endsWith("model.yaml"))![1]);
  }
const answered = manifests.filter((text) => readBlockYaml(text) !== undefined).length;

/** CPU milliseconds to read every manifest once. */
function cpuMs(read: (path: string, text: string) => YamlResult): number {
  const before = cpuUsage();
  for (const text of manifests) if (!read("model.yaml", text).ok) throw new Error("a bench manifest is invalid");
  const used = cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const fast: number[] = [];
const full: number[] = [];
cpuMs(loadYaml);
cpuMs(parseYaml);
for (let run = 0; run < RUNS; run++) {
  fast.push(cpuMs(loadYaml));
  full.push(cpuMs(parseYaml));
}
const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const row = (name: string, list: number[]): string =>
  `| ${name} | ${median(list).toFixed(0)} ms | ${Math.min(...list).toFixed(0)} / ${Math.max(...list).toFixed(0)} ms | ${((median(list) * 1000) / manifests.length).toFixed(0)} µs |`;

console.log(
  `YAML reading of ${manifests.length} bench manifests (the fast reader answers ${answered}), CPU time, ${RUNS} runs, node ${process.version}\n`,
);
console.log("| reader | median | min / max | per manifest |\n|---|---:|---:|---:|");
console.log(row("loadYaml (fast reader)", fast));
console.log(row("parseYaml (full parser only)", full));
console.log(`\nthe full parser alone costs ${(median(full) / median(fast)).toFixed(1)}x the CPU time`);
