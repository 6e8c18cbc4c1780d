/**
 * `npm run bench`: GitHub requests per pull-request evaluation and core timings, printed as
 * a markdown table (docs/performance.md is written from it); then the CLI bench, if present.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ISSUES_PER_GRAPHQL_REQUEST } from "../src/github/issue-comments.js";
import { ALIASES_PER_GRAPHQL_REQUEST } from "../src/github/read-contents.js";
import { durabilityReport, measureDurability } from "./durability.js";
import { measureRequests, requestTable, SCENARIOS, type RequestMeasurement } from "./github-requests.js";
import { measureSweep, SWEEP_SCENARIOS, sweepTable, type SweepMeasurement } from "./re-evaluation-requests.js";
import {
  measureMonitoring,
  MONITORING_SCENARIOS,
  monitoringTable,
  type MonitoringMeasurement,
} from "./monitoring-requests.js";

const rows: RequestMeasurement[] = [];
for (const scenario of SCENARIOS) rows.push(...(await measureRequests(scenario)));

console.log("## GitHub requests per pull-request evaluation\n");
console.log(requestTable(rows));
console.log(
  [
    "",
    "Every model is retrained (new weights as an LFS pointer, raised version, bound evaluation) and approved by two",
    "reviewers; the re-evaluation follows a third review, once the sign-off issues exist. Requests exclude the",
    "installation token (one per installation and hour). Constant REST requests: policy (2: repository, then the",
    "organisation's .github), compare, 2 trees, reviews, check-run lookup and write; team membership is one GraphQL",
    `read (2 reviewers x 3 role teams). GraphQL grows by chunks of ${ALIASES_PER_GRAPHQL_REQUEST} files (manifests at both ends and changed weight pointers in`,
    `round 1, prompt files in round 2) and of ${ISSUES_PER_GRAPHQL_REQUEST} sign-off issues (their comment histories, on re-evaluation).`,
    "Sign-off issues: the first evaluation opens one per model version (recorded once in the database); every evaluation lists them",
    "(100 per page).",
    "Core time: plannedReads rounds + evaluateGate + renderCheckRun, contents in memory, median of 5.",
    "",
  ].join("\n"),
);

const sweeps: SweepMeasurement[] = [];
for (const models of SWEEP_SCENARIOS) sweeps.push(...(await measureSweep(models)));
console.log("## GitHub requests of the daily re-evaluation run, per repository\n");
console.log(sweepTable(sweeps));
console.log(
  [
    "",
    "The default branch and the latest release (another commit with the same models) are read: policy (2), branch ref,",
    "release, tag, 2 trees, manifests in batched GraphQL (250 per request), then the model-review issues (100 per page).",
    "Writes: per opened issue a claim ref, the label (first only) and the issue; per update the body and one comment;",
    "per close one comment and the close.",
    "",
  ].join("\n"),
);

const monitored: MonitoringMeasurement[] = [];
for (const models of MONITORING_SCENARIOS) monitored.push(...(await measureMonitoring(models)));
console.log("## GitHub requests production monitoring adds to the daily run, per repository\n");
console.log(monitoringTable(monitored));
console.log(
  [
    "",
    "Each model version has two reports (modelgate's JSON and SageMaker's constraint_violations.json). Committed: one",
    "batched GraphQL read of the reports (250 per request) and one of the commit dates of reports without their own",
    "(100 per request); from a workflow: its runs, the run's artefacts and the zip (GitHub redirects the download to its",
    "storage: one more HTTP request, not to the API). Both list the model-monitoring issues (100 per page). Writes per",
    "opened issue: the label (first only), the issue and its signed body; per change of findings one body edit; per close one",
    "comment and the close. At most 20 issue steps per repository and run; the rest wait for the next day.",
    "",
  ].join("\n"),
);

if (process.env.MODELGATE_BENCH_SERVER !== "skip") {
  console.log("## The running server: durability and throughput\n");
  console.log(durabilityReport(await measureDurability()));
  console.log("");
}

const cliBench = fileURLToPath(new URL("./cli-bench.ts", import.meta.url));
if (existsSync(cliBench)) {
  console.log("## CLI\n");
  const result = spawnSync(process.execPath, ["--import", "tsx", cliBench], { stdio: "inherit" });
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}

// modelgate audit on 1,000 models x 10 versions: under 10 s, HTML under 5 MB
const auditBench = fileURLToPath(new URL("./audit-bench.ts", import.meta.url));
console.log("\n## modelgate audit\n");
const audit = spawnSync(process.execPath, ["--import", "tsx", auditBench], { stdio: "inherit" });
if (audit.status !== 0) process.exitCode = audit.status ?? 1;

// what the fast block-YAML reader buys: the audit bench's 10,000 manifests, fast reader vs full parser
const yamlBench = fileURLToPath(new URL("./yaml-bench.ts", import.meta.url));
console.log("\n## YAML reading\n");
const yaml = spawnSync(process.execPath, ["--import", "tsx", yamlBench], { stdio: "inherit" });
if (yaml.status !== 0) process.exitCode = yaml.status ?? 1;

// the format scan of a 2 GB local .pt reads its central directory and pickle, not its tensors
const formatBench = fileURLToPath(new URL("./format-scan.ts", import.meta.url));
console.log("\n## Format scan\n");
const formats = spawnSync(process.execPath, ["--import", "tsx", formatBench], { stdio: "inherit" });
if (formats.status !== 0) process.exitCode = formats.status ?? 1;
// time per model-signature verification, offline, in each mode (docs/supply-chain.md)
const signatureBench = fileURLToPath(new URL("./signature-verify.ts", import.meta.url));
console.log("\n## Model signature verification\n");
const signatures = spawnSync(process.execPath, ["--import", "tsx", signatureBench], { stdio: "inherit" });
if (signatures.status !== 0) process.exitCode = signatures.status ?? 1;
// the dashboard at 1,000 repositories x 10 models: render times, then the inventory reads on Postgres
const dashboardBench = fileURLToPath(new URL("./dashboard-render.ts", import.meta.url));
console.log("\n## The dashboard\n");
const dashboard = spawnSync(process.execPath, ["--import", "tsx", dashboardBench], { stdio: "inherit" });
if (dashboard.status !== 0) process.exitCode = dashboard.status ?? 1;

// the organisation inventory's daily sweep: GitHub requests per repository at 1, 100 and 1,000 repositories
const inventoryBench = fileURLToPath(new URL("./inventory-sweep.ts", import.meta.url));
console.log("\n## The inventory sweep\n");
const inventorySweep = spawnSync(process.execPath, ["--import", "tsx", inventoryBench], { stdio: "inherit" });
if (inventorySweep.status !== 0) process.exitCode = inventorySweep.status ?? 1;
