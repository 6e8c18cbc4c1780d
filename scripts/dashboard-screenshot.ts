/**
 * Writes docs/images/dashboard-*.png: the dashboard as headless Chromium shows it, signed in through a fake GitHub,
 * over an embedded Postgres holding a small organisation's inventory.
 *
 *   node --import tsx scripts/dashboard-screenshot.ts [OUT_DIR]
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { InventoryStore } from "../src/store/inventory-store.js";
import { openDatabase } from "../src/store/database.js";
import { startEmbeddedPostgres } from "../src/store/embedded-postgres.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { freePort } from "../test/helpers/global-postgres.js";
import { inventoryOn, startDashboard } from "../test/dashboard/dashboard-world.js";
import { FakeGitHub } from "../test/dashboard/fake-github.js";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(project, "docs", "images"));
const work = mkdtempSync(join(tmpdir(), "modelgate-dashboard-shot-"));
// the embedded Postgres runs as its own user when this runs as root: it must be able to enter the folder
chmodSync(work, 0o755);

const REPOS = {
  payments: { id: 1001, fullName: "acme/payments-models", installationId: 11 },
  support: { id: 1002, fullName: "acme/support-assistant", installationId: 11 },
  search: { id: 1003, fullName: "acme/search-ranking", installationId: 11 },
  notebooks: { id: 1004, fullName: "acme/data-science-notebooks", installationId: 11 },
  mobile: { id: 1005, fullName: "acme/mobile-app", installationId: 11 },
};
const digest = (n: number) => `sha256:${n.toString(16).padStart(4, "0")}${"9e3c7a51b2d4".repeat(5)}`;
const run = (repo: string, n: number) => `https://github.com/${repo}/runs/${n}`;

function repository(r: (typeof REPOS)[keyof typeof REPOS], options: { private?: boolean; policy: boolean }) {
  return {
    installationId: r.installationId,
    repositoryId: r.id,
    fullName: r.fullName,
    private: options.private ?? false,
    defaultBranch: "main",
    headSha: "4f1c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
    hasPolicy: options.policy,
    policyProblem: null,
    manifestProblems: [],
  };
}

const evaluation = (date: string, expires: string, result: "pass" | "fail" = "pass") => ({
  result,
  date,
  expiresAt: `${expires}T00:00:00.000Z`,
});

async function seed(inventory: InventoryStore): Promise<void> {
  const p = REPOS.payments;
  // fraud-detector's history: three versions seen at the default branch over three months
  const history = [
    { version: "3.0.0", n: 1, date: "2026-09-02", seen: "2026-09-03T08:00:00Z", pr: 118, tag: "v2026.09" },
    { version: "3.1.0", n: 2, date: "2026-10-06", seen: "2026-10-07T08:00:00Z", pr: 131, tag: "v2026.10" },
    { version: "3.2.0", n: 3, date: "2026-11-18", seen: "2026-11-19T08:00:00Z", pr: 147, tag: "v2026.11" },
  ];
  for (const [index, h] of history.entries()) {
    // each version is seen by the daily sweeps until the next one lands
    const until = history[index + 1]?.seen ?? h.seen;
    for (const at of [h.seen, addDays(until.slice(0, 10), -1) + "T08:00:00Z"].filter((t) => t >= h.seen))
      await inventory.replaceRepository(
        {
          repository: repository(p, { policy: true }),
          models: [
            {
              name: "fraud-detector",
              version: h.version,
              digest: digest(h.n),
              status: "active",
              manifestPath: "models/fraud-detector/model.yaml",
              standing: { evaluation: evaluation(h.date, addDays(h.date, 90)), endOfLife: null },
            },
          ],
          unmanaged: [],
        },
        new Date(at),
      );
    const base = { repositoryId: p.id, model: "fraud-detector", digest: digest(h.n), version: h.version };
    const people = {
      signOffs: [
        { role: "security-lead", login: "carol", at: `${h.date}T15:00:00Z` },
        { role: "model-owner", login: "dmitri", at: `${h.date}T16:30:00Z` },
      ],
      awaitingRoles: [],
    };
    await inventory.recordDecision({
      ...base,
      ...people,
      gate: "pull_request",
      decision: {
        conclusion: "success",
        url: run(p.fullName, 5000 + h.pr),
        headSha: "a".repeat(40),
        number: h.pr,
        decidedAt: `${h.date}T17:00:00Z`,
      },
    });
    await inventory.recordDecision({
      ...base,
      ...people,
      gate: "release",
      decision: {
        tag: h.tag,
        conclusion: "success",
        url: `https://github.com/${p.fullName}/releases/tag/${h.tag}`,
        decidedAt: `${h.seen}`,
      },
    });
    for (const environment of ["staging", "production"])
      await inventory.recordDecision({
        ...base,
        ...people,
        gate: "deployment",
        decision: {
          environment,
          answer: "approved",
          url: run(p.fullName, 6000 + h.pr),
          sha: "b".repeat(40),
          decidedAt: h.seen,
        },
      });
  }
  await inventory.replaceRepository(
    {
      repository: repository(p, { policy: true }),
      models: [
        {
          name: "fraud-detector",
          version: "3.2.0",
          digest: digest(3),
          status: "active",
          manifestPath: "models/fraud-detector/model.yaml",
          standing: { evaluation: evaluation("2026-11-18", "2027-02-16"), endOfLife: null },
        },
        {
          name: "credit-scorer",
          version: "1.4.0",
          digest: digest(11),
          status: "active",
          manifestPath: "models/credit-scorer/model.yaml",
          standing: { evaluation: evaluation("2026-09-20", "2026-12-19"), endOfLife: null },
        },
        {
          name: "transaction-embedder",
          version: "0.9.1",
          digest: digest(12),
          status: "active",
          manifestPath: "models/embedder/model.yaml",
          standing: { evaluation: null, endOfLife: null },
        },
        {
          name: "legacy-rules",
          version: "2.0.0",
          digest: digest(13),
          status: "decommissioned",
          manifestPath: "models/legacy-rules/model.yaml",
          standing: {
            evaluation: evaluation("2026-05-02", "2026-07-31"),
            endOfLife: {
              url: `https://github.com/${p.fullName}/issues/152`,
              state: "open",
              itemsDone: 2,
              itemsTotal: 4,
            },
          },
        },
      ],
      unmanaged: [],
    },
    new Date("2026-12-07T06:00:00Z"),
  );
  await inventory.recordDecision({
    repositoryId: p.id,
    model: "credit-scorer",
    digest: digest(11),
    version: "1.4.0",
    signOffs: [{ role: "security-lead", login: "carol", at: "2026-09-21T10:00:00Z" }],
    awaitingRoles: ["risk-owner"],
    gate: "pull_request",
    decision: {
      conclusion: "action_required",
      url: run(p.fullName, 5160),
      headSha: "c".repeat(40),
      number: 160,
      decidedAt: "2026-12-01T10:00:00Z",
    },
  });
  await inventory.recordDecision({
    repositoryId: p.id,
    model: "transaction-embedder",
    digest: digest(12),
    version: "0.9.1",
    signOffs: [],
    awaitingRoles: ["security-lead", "model-owner"],
    gate: "pull_request",
    decision: {
      conclusion: "action_required",
      url: run(p.fullName, 5163),
      headSha: "d".repeat(40),
      number: 163,
      decidedAt: "2026-12-04T10:00:00Z",
    },
  });

  const s = REPOS.support;
  await inventory.replaceRepository(
    {
      repository: repository(s, { private: true, policy: true }),
      models: [
        {
          name: "support-llm",
          version: "4.1.0",
          digest: digest(21),
          status: "active",
          manifestPath: "model/model.yaml",
          standing: { evaluation: evaluation("2026-11-02", "2027-01-31"), endOfLife: null },
        },
        {
          name: "intent-classifier",
          version: "1.1.0",
          digest: digest(22),
          status: "active",
          manifestPath: "intent/model.yaml",
          standing: { evaluation: evaluation("2026-11-25", "2027-02-23", "fail"), endOfLife: null },
        },
      ],
      unmanaged: [],
    },
    new Date("2026-12-07T06:00:00Z"),
  );
  await inventory.recordDecision({
    repositoryId: s.id,
    model: "support-llm",
    digest: digest(21),
    version: "4.1.0",
    signOffs: [{ role: "security-lead", login: "erin", at: "2026-11-03T10:00:00Z" }],
    awaitingRoles: [],
    gate: "deployment",
    decision: {
      environment: "production",
      answer: "approved",
      url: run(s.fullName, 812),
      sha: "e".repeat(40),
      decidedAt: "2026-11-04T10:00:00Z",
    },
  });

  const r = REPOS.search;
  await inventory.replaceRepository(
    {
      repository: repository(r, { policy: true }),
      models: [
        {
          name: "ranker",
          version: "7.0.2",
          digest: digest(31),
          status: "active",
          manifestPath: "ranker/model.yaml",
          standing: { evaluation: evaluation("2026-10-30", "2027-01-28"), endOfLife: null },
        },
        {
          name: "query-rewriter",
          version: "0.2.0",
          digest: digest(32),
          status: "deprecated",
          manifestPath: "rewriter/model.yaml",
          standing: { evaluation: evaluation("2026-08-01", "2026-10-30"), endOfLife: null },
        },
      ],
      unmanaged: [
        {
          path: "experiments/reranker-v8/pytorch_model.bin",
          kind: "artifact",
          reason: "a .bin file (PyTorch weights) that no manifest declares",
          evidence: { kind: "artifact", glob: "**/*.bin" },
        },
      ],
    },
    new Date("2026-12-07T06:00:00Z"),
  );
  await inventory.recordDecision({
    repositoryId: r.id,
    model: "ranker",
    digest: digest(31),
    version: "7.0.2",
    signOffs: [{ role: "security-lead", login: "carol", at: "2026-10-31T10:00:00Z" }],
    awaitingRoles: [],
    gate: "deployment",
    decision: {
      environment: "production",
      answer: "approved",
      url: run(r.fullName, 411),
      sha: "f".repeat(40),
      decidedAt: "2026-11-01T10:00:00Z",
    },
  });

  await inventory.replaceRepository(
    {
      repository: repository(REPOS.notebooks, { policy: false }),
      models: [],
      unmanaged: [
        {
          path: "churn/model.pkl",
          kind: "artifact",
          reason: "a pickle (.pkl): loading it runs code",
          evidence: { kind: "artifact", glob: "**/*.pkl" },
        },
        {
          path: "bert-finetune/model.safetensors",
          kind: "lfs",
          reason: "a Git LFS pointer to model weights (.safetensors)",
          evidence: { kind: "lfs", oid: "4c2e" + "0".repeat(60) },
        },
        {
          path: "mlruns/3/artifacts/model/MLmodel",
          kind: "mlflow",
          reason: "an MLflow model directory (MLmodel)",
          evidence: { kind: "mlflow", file: "mlruns/3/artifacts/model/MLmodel" },
        },
      ],
    },
    new Date("2026-12-07T06:00:00Z"),
  );
  await inventory.replaceRepository(
    {
      repository: repository(REPOS.mobile, { policy: false }),
      models: [],
      unmanaged: [
        {
          path: "app/src/main/assets/ondevice.tflite",
          kind: "artifact",
          reason: "a TensorFlow Lite model (.tflite)",
          evidence: { kind: "artifact", glob: "**/*.tflite" },
        },
      ],
    },
    new Date("2026-12-07T06:00:00Z"),
  );
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const postgres = await startEmbeddedPostgres({
  dataDir: join(work, "pg"),
  port: await freePort(),
  onLog: () => undefined,
});
try {
  const database = await openDatabase(postgres.connectionString, { max: 4 });
  await seed(inventoryOn(database.pool));
  await database.close();
  const github = await new FakeGitHub().start();
  github.addUser({ id: 1, login: "alice", repositories: Object.values(REPOS) });
  const app = await startDashboard(github, postgres.connectionString);
  github.callbackUrl = `${app.url}/dashboard/auth/callback`;
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 860 });
    mkdirSync(out, { recursive: true });
    await page.goto(`${app.url}/dashboard`);
    await page.screenshot({ path: join(out, "dashboard-sign-in.png"), clip: { x: 0, y: 0, width: 1280, height: 420 } });
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.getByRole("link", { name: "Authorize modelgate as alice" }).click();
    await page.waitForURL(`${app.url}/dashboard`);
    await page.screenshot({ path: join(out, "dashboard-models.png"), fullPage: true });
    await page.getByLabel("Evaluation expiring").check();
    await page.getByLabel("Awaiting sign-off").check();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/filter=/);
    // the focus ring on the export button: what a keyboard user sees
    await page.getByRole("button", { name: "Export these models as CSV" }).focus();
    await page.screenshot({ path: join(out, "dashboard-filtered.png"), fullPage: true });
    await page.goto(`${app.url}/dashboard/repositories/${REPOS.payments.id}/models/fraud-detector`);
    await page.screenshot({ path: join(out, "dashboard-timeline.png"), fullPage: true });
    await page.goto(`${app.url}/dashboard/unmanaged`);
    await page.screenshot({ path: join(out, "dashboard-unmanaged.png"), fullPage: true });
    await page.goto(`${app.url}/dashboard/repositories`);
    await page.screenshot({ path: join(out, "dashboard-repositories.png"), fullPage: true });
    await page.goto(`${app.url}/dashboard/provisions`);
    const from = await page.locator("tr.clause", { hasText: "5.2.1" }).boundingBox();
    const head = await page.locator("table.provisions thead").boundingBox();
    if (!from || !head) throw new Error("no provisions table");
    await page.screenshot({
      path: join(out, "dashboard-provisions.png"),
      fullPage: true,
      clip: { x: 0, y: from.y - 4, width: 1280, height: 820 },
    });
    console.log(`wrote the dashboard's screenshots to ${out}`);
  } finally {
    await close();
    await app.stop();
    await github.stop();
  }
} finally {
  await postgres.stop();
  rmSync(work, { recursive: true, force: true });
}
