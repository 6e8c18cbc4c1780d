/**
 * Builds a small git repository that shows what modelgate checks, then (with --check) runs
 * `modelgate check` on it.
 *
 *   node --import tsx examples/build-example-repo.ts [DIR] [--check]
 *
 * main, a history for `modelgate audit` (dates relative to the evaluation date):
 *   -120 days  credit-scorer 1.0.0 and legacy-ranker 0.9.0, evaluated       (tag v2026.1)
 *    -90 days  credit-scorer 1.1.0 retrained and evaluated again            (tag v2026.2)
 *                (a retrain that regresses: accuracy drops, attack success rate rises)
 *    -60 days  credit-scorer 1.1.1: prompt changed, evaluation NOT renewed  -> its gate fails
 *    -30 days  legacy-ranker decommissioned                                  (tag v2026.3)
 *    -15 days  credit-scorer 1.2.0 retrained again: back above 1.0.0 (a retrain that does not regress)
 *      today   fraud-detector 1.0.0 — LFS pointer weights + a text prompt, evaluation bound to its digest;
 *              production monitoring reports of the versions in use, one of each format (docs/monitoring.md).
 * governance records on main (docs/governance.md): SECURITY.md, reviewed plans and policies under
 * docs/governance/ named by governance.documents, serving declarations in every manifest; one plan
 * (residual-risks.md) is overdue: a whitespace-only commit does not renew its review; another (contingency.md) is
 * renewed by a review record in governance/reviews.yaml.
 * branch `q3-models` (checked out):
 *   - a new model, churn-predictor 0.1.0, evaluated       -> approvals pending (offline)
 *   - fraud-detector retrained, version NOT raised        -> fails: version rule, stale evaluation
 *   - experiments/shadow-llm.gguf, declared by no manifest -> fails: unmanaged model (shadow AI)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { stringify } from "yaml";
import { modelDigest } from "../src/core/manifest/digest.js";
import type { Component, ComponentKind } from "../src/core/manifest/schema.js";
import {
  GOVERNANCE_DOCUMENTS,
  INTERNAL_SERVING,
  PUBLIC_SERVING,
  SECURITY_POLICY,
  governancePolicy,
} from "./governance-records.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

function lfsPointer(realContent: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(realContent)}\nsize ${size}\n`;
}

interface ExampleModel {
  dir: string;
  name: string;
  version: string;
  description: string;
  files: Array<{ path: string; kind: ComponentKind; content: string }>;
  /** The version and components the newest evaluation record was made for. */
  evaluatedFor: { version: string; files: ExampleModel["files"] };
  /** What that evaluation measured, and on which evaluation set (the audit charts it). */
  measured?: { metrics: Record<string, number>; dataset: { name: string; sha256: string } };
  /** How the model is served (docs/governance.md, Serving declarations). */
  serving?: Record<string, unknown>;
}

function declared(files: ExampleModel["files"]): Component[] {
  return files.map(({ path, kind, content }) => ({
    path,
    kind,
    sha256: /^oid sha256:([0-9a-f]{64})$/m.exec(content)?.[1] ?? sha256(content),
  }));
}

function modelTree(model: ExampleModel, evaluationDate: string, status = "active"): Record<string, string> {
  const manifest = {
    name: model.name,
    version: model.version,
    status,
    description: model.description,
    modalities: ["tabular"],
    components: declared(model.files),
    training_data: [
      {
        name: `${model.name}-transactions-2026q3`,
        source: "https://data.example.org/transactions/2026q3",
        acquired_at: "2026-10-01T00:00:00Z",
      },
    ],
    evaluations: [
      {
        version: model.evaluatedFor.version,
        model_digest: modelDigest(declared(model.evaluatedFor.files)),
        date: evaluationDate,
        evaluator: "eve-redteam",
        result: "pass",
        report: `docs/evals/${model.name}-${model.evaluatedFor.version}.md`,
        ...(model.measured ?? {}),
        threats: {
          data_poisoning: "training data hashes pinned; outlier filtering",
          model_inversion: "output rounding; no confidence scores exposed",
          membership_inference: "tested with shadow models; AUC 0.52",
          model_extraction: "rate limits on the scoring API",
          evasion: "adversarial suite v3 passed",
        },
      },
    ],
    ...(model.serving ? { serving: model.serving } : {}),
  };
  const files: Record<string, string> = {
    [`${model.dir}/model.yaml`]: `# ${model.name}: see docs/cli.md\n${stringify(manifest)}`,
  };
  for (const file of model.files) files[`${model.dir}/${file.path}`] = file.content;
  return files;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    encoding: "utf8",
    env: { ...process.env, GIT_LFS_SKIP_SMUDGE: "1" },
  }).trim();
}

/** A commit dated `date` (author and committer), so the history spans months. */
function commitOn(dir: string, date: string, message: string): void {
  git(dir, "add", "-A");
  execFileSync("git", ["-C", dir, "commit", "-q", "-m", message], {
    env: { ...process.env, GIT_AUTHOR_DATE: `${date}T10:00:00Z`, GIT_COMMITTER_DATE: `${date}T10:00:00Z` },
  });
}

function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/**
 * The example's training roster (docs/governance.md "Training"): a course for each accountable role, and current
 * records of the people who sign for them, so the audit can evidence 5.1.1-1, 5.1.1-1.1, 5.1.1-2 and 5.1.1-2.2.
 */
function exampleRoster(day: (n: number) => string): string {
  return [
    "courses:",
    "  - id: secure-ai-development",
    "    roles: [developer]",
    "    validity_days: 365",
    "  - id: ai-operations-security",
    "    roles: [system_operator]",
    "    validity_days: 365",
    "  - id: ai-data-protection",
    "    roles: [data_custodian]",
    "    validity_days: 365",
    "records:",
    ...[
      ["dana-dev", "secure-ai-development", 200],
      ["omar-ops", "ai-operations-security", 150],
      ["carla-data", "ai-data-protection", 140],
    ].flatMap(([login, course, daysAgo]) => [
      `  - login: ${String(login)}`,
      `    course: ${String(course)}`,
      `    completed: ${day(Number(daysAgo))}`,
    ]),
    "",
  ].join("\n");
}

/**
 * Monitoring reports of the versions in use, one of each format modelgate reads (docs/monitoring.md): for
 * credit-scorer 1.2.0 an older modelgate report that breached, a current one within every threshold, Evidently's
 * drift snapshot and SageMaker's constraint_violations.json (dated by its commit); for fraud-detector 1.0.0 one.
 */
function monitoringReports(today: string): Record<string, string> {
  const at = (days: number) => `${daysBefore(today, days)}T06:00:00Z`;
  const own = (model: string, version: string, days: number, metrics: Record<string, number>) =>
    `${JSON.stringify({ format: "modelgate-monitoring/1", model, version, generated_at: at(days), window: { from: at(days + 7), to: at(days) }, metrics }, null, 2)}\n`;
  const scorer = "monitoring/credit-scorer/1.2.0";
  return {
    [`${scorer}/week-1.json`]: own("credit-scorer", "1.2.0", 8, { accuracy: 0.874, attack_success_rate: 0.057 }),
    [`${scorer}/week-2.json`]: own("credit-scorer", "1.2.0", 1, { accuracy: 0.915, attack_success_rate: 0.027 }),
    [`${scorer}/evidently-drift.json`]: `${JSON.stringify(
      {
        version: "0.4.33",
        timestamp: at(2).replace("Z", ""),
        metrics: [
          {
            metric: "DatasetDriftMetric",
            result: {
              drift_share: 0.5,
              number_of_columns: 12,
              number_of_drifted_columns: 2,
              share_of_drifted_columns: 0.16666666666666666,
              dataset_drift: false,
            },
          },
        ],
      },
      null,
      2,
    )}\n`,
    [`${scorer}/constraint_violations.json`]: `${JSON.stringify(
      {
        violations: [
          {
            feature_name: "employment_length",
            constraint_check_type: "completeness_check",
            description:
              "Data completeness requirement is not met. Expected completeness: 100.0%. Observed completeness: 98.4%.",
          },
        ],
      },
      null,
      2,
    )}\n`,
    "monitoring/fraud-detector/1.0.0/week-1.json": own("fraud-detector", "1.0.0", 1, {
      accuracy: 0.941,
      attack_success_rate: 0.019,
    }),
  };
}

/** Builds the example repository in `dir` (must be empty or absent); returns the folder. */
export function buildExampleRepo(dir: string, evaluationDate = new Date().toISOString().slice(0, 10)): string {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", "Example Maintainer");
  git(dir, "config", "user.email", "maintainer@example.org");
  git(dir, "config", "commit.gpgsign", "false");

  const prompt = {
    path: "prompts/system.txt",
    kind: "prompt" as const,
    content: "You score card transactions for fraud. Answer with a probability.\n",
  };
  const weightsV1 = {
    path: "weights/model.safetensors",
    kind: "weights" as const,
    content: lfsPointer("fraud-detector weights, training run 41", 524_288_000),
  };
  const fraudV1: ExampleModel = {
    dir: "models/fraud-detector",
    name: "fraud-detector",
    version: "1.0.0",
    description: "Scores card transactions for fraud.",
    files: [weightsV1, prompt],
    evaluatedFor: { version: "1.0.0", files: [weightsV1, prompt] },
    serving: PUBLIC_SERVING,
  };
  // the history before fraud-detector: what `modelgate audit` shows
  const scorerPrompt = {
    path: "prompts/system.txt",
    kind: "prompt" as const,
    content: "You score loan applications. Answer with a score from 0 to 1000.\n",
  };
  const scorerWeightsV1 = {
    path: "weights/model.safetensors",
    kind: "weights" as const,
    content: lfsPointer("credit-scorer weights, run 7", 209_715_200),
  };
  const scorerWeightsV2 = {
    path: "weights/model.safetensors",
    kind: "weights" as const,
    content: lfsPointer("credit-scorer weights, run 9", 209_715_200),
  };
  const rankerWeights = {
    path: "model.onnx",
    kind: "weights" as const,
    content: lfsPointer("legacy-ranker weights", 31_457_280),
  };
  const scorer = (
    version: string,
    files: ExampleModel["files"],
    evaluatedFor: ExampleModel["evaluatedFor"],
    metrics?: Record<string, number>,
  ): ExampleModel => ({
    dir: "models/credit-scorer",
    name: "credit-scorer",
    version,
    description: "Scores loan applications.",
    files,
    evaluatedFor,
    // every credit-scorer version is measured on the same held-out set: comparable
    ...(metrics
      ? { measured: { metrics, dataset: { name: "credit-holdout-2026q1", sha256: sha256("credit holdout") } } }
      : {}),
    serving: INTERNAL_SERVING,
  });
  const ranker: ExampleModel = {
    dir: "models/legacy-ranker",
    name: "legacy-ranker",
    version: "0.9.0",
    description: "Ranks offers (replaced by the new ranker).",
    files: [rankerWeights],
    evaluatedFor: { version: "0.9.0", files: [rankerWeights] },
    serving: INTERNAL_SERVING,
  };
  const day = (n: number): string => daysBefore(evaluationDate, n);
  write(dir, {
    ".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.gguf filter=lfs diff=lfs merge=lfs -text\n",
    ".github/modelgate.yml": [
      "# modelgate policy: read from the base branch of every change",
      "roles:",
      "  developer: { teams: [ml-engineers] }",
      "  system_operator: { teams: [platform-ops] }",
      "  data_custodian: { teams: [data-governance] }",
      "  security: { users: [sec-lead] }",
      "unmanaged_artifacts: fail",
      "training: { require: true, admins: security }",
      "monitoring:",
      '  reports: { path: "monitoring/{model}/{version}" }',
      "  max_report_age_days: 7",
      "  thresholds:",
      "    - { metric: accuracy, min: 0.88 }",
      "    - { metric: attack_success_rate, max: 0.05, security: true }",
      "    - { metric: share_of_drifted_columns, max: 0.3, models: [credit-scorer] }",
      "    - { metric: violations.baseline_drift_check, max: 0, models: [credit-scorer] }",
      ...governancePolicy(),
      "",
    ].join("\n"),
    "governance/training.yaml": exampleRoster(day),
    "README.txt": "Models of the payments team.\n",
    "SECURITY.md": SECURITY_POLICY,
    ...Object.fromEntries(GOVERNANCE_DOCUMENTS.map((d) => [d.path, d.text])),
    ...modelTree(
      scorer(
        "1.0.0",
        [scorerWeightsV1, scorerPrompt],
        { version: "1.0.0", files: [scorerWeightsV1, scorerPrompt] },
        { accuracy: 0.912, auc: 0.951, attack_success_rate: 0.031 },
      ),
      day(120),
    ),
    ...modelTree(ranker, day(120)),
  });
  commitOn(dir, day(120), "credit-scorer 1.0.0 and legacy-ranker 0.9.0, evaluated");
  git(dir, "tag", "-a", "v2026.1", "-m", "release 2026.1");
  // a retrain that regresses: five points of accuracy lost, twice the attack success rate
  const scorerV110 = { version: "1.1.0", files: [scorerWeightsV2, scorerPrompt] };
  const regressed = { accuracy: 0.863, auc: 0.927, attack_success_rate: 0.068 };
  write(dir, modelTree(scorer("1.1.0", [scorerWeightsV2, scorerPrompt], scorerV110, regressed), day(90)));
  commitOn(dir, day(90), "retrain credit-scorer 1.1.0 on new bureau data");
  git(dir, "tag", "-a", "v2026.2", "-m", "release 2026.2");
  // the prompt changes, the evaluation of 1.1.0 stays: this version landed without its evaluation
  const scorerPromptV2 = {
    ...scorerPrompt,
    content: "You score loan applications. Answer with a score from 0 to 1000 and one reason.\n",
  };
  write(dir, modelTree(scorer("1.1.1", [scorerWeightsV2, scorerPromptV2], scorerV110, regressed), day(90)));
  commitOn(dir, day(60), "credit-scorer 1.1.1: explain the score");
  write(dir, modelTree(ranker, day(120), "decommissioned"));
  commitOn(dir, day(30), "decommission legacy-ranker");
  git(dir, "tag", "-a", "v2026.3", "-m", "release 2026.3");
  write(
    dir,
    Object.fromEntries(GOVERNANCE_DOCUMENTS.filter((d) => d.reviewed).map((d) => [d.path, `${d.text}\n${d.reviewed}`])),
  );
  commitOn(dir, day(25), "governance: half-year review of the plans");
  // a retrain that does not regress: accuracy above 1.0.0's, attack success rate below it
  const scorerWeightsV3 = { ...scorerWeightsV2, content: lfsPointer("credit-scorer weights, run 12", 209_715_200) };
  const scorerV120 = { version: "1.2.0", files: [scorerWeightsV3, scorerPromptV2] };
  const improved = { accuracy: 0.921, auc: 0.958, attack_success_rate: 0.024 };
  write(dir, modelTree(scorer("1.2.0", scorerV120.files, scorerV120, improved), day(15)));
  commitOn(dir, day(15), "retrain credit-scorer 1.2.0 with adversarial training");
  // reviewed, nothing to change: a review record of its current bytes (docs/governance.md "Review records")
  const contingency = GOVERNANCE_DOCUMENTS.find((d) => d.path.endsWith("contingency.md"))!;
  write(dir, {
    "governance/reviews.yaml": `reviews:\n  - { path: ${contingency.path}, date: ${day(12)}, sha256: ${sha256(contingency.text)}, reviewer: omar-ops }\n`,
  });
  commitOn(dir, day(12), "governance: contingency plan reviewed by omar-ops, unchanged");
  // re-wrapped, not reviewed: whitespace does not renew a review (docs/governance.md)
  const residual = GOVERNANCE_DOCUMENTS.find((d) => d.path.endsWith("residual-risks.md"))!;
  write(dir, { [residual.path]: residual.text.replace(". ", ".\n").replace("\n\n", "\n\n\n") });
  commitOn(dir, day(10), "governance: re-wrap residual-risks.md");

  const fraudMeasured = {
    metrics: { accuracy: 0.947, attack_success_rate: 0.018 },
    dataset: { name: "fraud-holdout-2026q3", sha256: sha256("fraud holdout") },
  };
  write(dir, modelTree({ ...fraudV1, measured: fraudMeasured }, evaluationDate));
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "fraud-detector 1.0.0, evaluated");
  write(dir, monitoringReports(evaluationDate));
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "production monitoring reports of the week");

  git(dir, "checkout", "-q", "-b", "q3-models");
  const churnFiles = [
    { path: "model.onnx", kind: "weights" as const, content: lfsPointer("churn-predictor weights", 12_582_912) },
  ];
  write(
    dir,
    modelTree(
      {
        dir: "models/churn-predictor",
        name: "churn-predictor",
        version: "0.1.0",
        description: "Predicts customer churn.",
        files: churnFiles,
        evaluatedFor: { version: "0.1.0", files: churnFiles },
      },
      evaluationDate,
    ),
  );
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "add churn-predictor 0.1.0");

  // retrained weights, manifest hash updated, but the version stays 1.0.0 and the evaluation is the old one
  const weightsV2 = { ...weightsV1, content: lfsPointer("fraud-detector weights, training run 42", 524_288_000) };
  write(dir, modelTree({ ...fraudV1, files: [weightsV2, prompt], measured: fraudMeasured }, evaluationDate));
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "retrain fraud-detector on Q3 data");

  write(dir, { "experiments/shadow-llm.gguf": lfsPointer("a local llm someone tried", 4_368_439_296) });
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "try a local LLM");
  return dir;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const runCheck = args.includes("--check");
  const target = args.find((arg) => !arg.startsWith("--")) ?? mkdtempSync(join(tmpdir(), "modelgate-example-"));
  const dir = buildExampleRepo(resolve(target));
  console.log(`Example repository: ${dir} (branch q3-models checked out; main is the base)\n`);
  if (runCheck) {
    const { runCli } = await import("../src/cli/main.js");
    console.log(`$ modelgate check --repo ${dir}\n`);
    const code = await runCli(["check", "--repo", dir], {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      now: () => new Date(),
      cwd: process.cwd(),
      env: process.env,
    });
    console.log(
      `\nmodelgate check exited with ${code}${code === 1 ? " — as expected: this branch breaks the gate on purpose." : ""}`,
    );
    // the example succeeds when the gate fails for the reasons shown above
    process.exitCode = code === 1 ? 0 : 1;
  }
}
