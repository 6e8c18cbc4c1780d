/**
 * The dashboard at 1,000 repositories x 10 models: the pure render time of the models list, one model's timeline,
 * the CSV export and the provisions matrix (data in memory), then the inventory reads behind them on a real
 * (embedded) Postgres. Prints a markdown table (docs/performance.md).
 *
 *   node --import tsx bench/dashboard-render.ts        (MODELGATE_BENCH_DATABASE=skip: the pure part only)
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { inventoryCsv } from "../src/core/dashboard/csv.js";
import { byRepository, organisationProvisions, repositoryFindings } from "../src/core/dashboard/organisation.js";
import { parseModelsQuery } from "../src/core/dashboard/query.js";
import { modelsPage, provisionsPage, timelinePage } from "../src/core/dashboard/render-views.js";
import type {
  InventoryModel,
  InventoryRepository,
  ModelTimeline,
  VersionStanding,
} from "../src/core/inventory/types.js";
import { openDatabase } from "../src/store/database.js";
import { startEmbeddedPostgres } from "../src/store/embedded-postgres.js";
import { postgresInventoryStore } from "../src/store/inventory-store.js";
import { auditPack } from "../src/server/dashboard.js";

const REPOSITORIES = 1_000;
const MODELS = 10;
const VERSIONS = 20;
const NOW = new Date("2026-12-07T12:00:00Z");
const viewer = { login: "alice", csrfToken: "x".repeat(43) };

const digest = (r: number, m: number, v: number) =>
  `sha256:${r.toString(16).padStart(6, "0")}${m.toString(16).padStart(4, "0")}${v.toString(16).padStart(4, "0")}${"0".repeat(50)}`;

function repository(r: number): InventoryRepository {
  return {
    installationId: 1,
    repositoryId: 10_000 + r,
    fullName: `acme/service-${String(r).padStart(4, "0")}`,
    private: r % 3 === 0,
    defaultBranch: "main",
    headSha: "a".repeat(40),
    hasPolicy: r % 5 !== 0,
    policyProblem: null,
    manifestProblems: [],
    sweptAt: "2026-12-07T06:00:00.000Z",
  };
}

function standing(r: number, m: number, v: number): VersionStanding {
  const month = String(1 + (v % 12)).padStart(2, "0");
  return {
    model: `model-${m}`,
    version: `1.${v}.0`,
    digest: digest(r, m, v),
    pullRequest: {
      conclusion: v % 7 === 0 ? "failure" : "success",
      url: `https://github.com/acme/r/runs/${v}`,
      headSha: "b".repeat(40),
      number: 100 + v,
      decidedAt: `2026-${month}-02T10:00:00Z`,
    },
    releases: [
      {
        tag: `v1.${v}.0`,
        conclusion: "success",
        url: `https://github.com/acme/r/releases/tag/v1.${v}.0`,
        decidedAt: `2026-${month}-03T10:00:00Z`,
      },
    ],
    deployments: [
      {
        environment: "staging",
        answer: "approved",
        url: "https://github.com/acme/r/runs/1",
        sha: "c".repeat(40),
        decidedAt: `2026-${month}-04T10:00:00Z`,
      },
      {
        environment: "production",
        answer: m % 4 === 0 ? "pending" : "approved",
        url: "https://github.com/acme/r/runs/2",
        sha: "c".repeat(40),
        decidedAt: `2026-${month}-05T10:00:00Z`,
      },
    ],
    signOffs: [{ role: "security-lead", login: "carol", at: `2026-${month}-02T09:00:00Z` }],
    awaitingRoles: m % 6 === 0 ? ["risk-owner"] : [],
    evaluation:
      m % 9 === 0 ? null : { result: "pass", date: `2026-${month}-01`, expiresAt: `2027-${month}-01T00:00:00.000Z` },
    endOfLife: null,
    firstSeenAt: `2026-${month}-03T10:00:00Z`,
    lastSeenAt: `2026-${month}-28T10:00:00Z`,
  };
}

const repositories = Array.from({ length: REPOSITORIES }, (_, r) => repository(r));
const models: InventoryModel[] = repositories.flatMap((repo, r) =>
  Array.from({ length: MODELS }, (_, m) => ({
    repositoryId: repo.repositoryId,
    fullName: repo.fullName,
    name: `model-${m}`,
    version: `1.${VERSIONS - 1}.0`,
    digest: digest(r, m, VERSIONS - 1),
    status: "active" as const,
    manifestPath: `models/model-${m}/model.yaml`,
    standing: standing(r, m, VERSIONS - 1),
  })),
);
const timeline: ModelTimeline = {
  repositoryId: repositories[0]!.repositoryId,
  fullName: repositories[0]!.fullName,
  model: "model-1",
  current: models[1]!,
  versions: Array.from({ length: VERSIONS }, (_, v) => standing(0, 1, VERSIONS - 1 - v)),
};

function median(runs: number, work: () => unknown): { ms: number; bytes: number } {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const out = work();
    times.push(performance.now() - started);
    if (typeof out === "string") bytes = Buffer.byteLength(out);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, bytes };
}

const query = parseModelsQuery(new URLSearchParams());
if (!query.ok) throw new Error(query.error);
const rows: Array<[string, { ms: number; bytes: number }]> = [
  [
    "models list, page 1 (200 of 10,000 rows)",
    median(9, () => modelsPage({ viewer, query: query.value, models, repositories, now: NOW })),
  ],
  ["one model's timeline (20 versions)", median(9, () => timelinePage(viewer, timeline, NOW))],
  ["CSV export (10,000 rows)", median(5, () => inventoryCsv(models))],
  [
    "provisions matrix (findings of 1,000 repositories + render)",
    median(5, () => {
      const modelsOf = byRepository(models);
      const findings = repositories.map((repository) => ({
        repository,
        models: MODELS,
        findings: repositoryFindings(
          { repository, models: modelsOf.get(repository.repositoryId) ?? [], unmanaged: [] },
          NOW,
        ),
      }));
      return provisionsPage(viewer, organisationProvisions(findings), repositories.length);
    }),
  ],
];
console.log(
  `Dashboard at ${REPOSITORIES.toLocaleString("en")} repositories x ${MODELS} models (pure render, median)\n`,
);
console.log("| what | time | size |\n|---|---:|---:|");
for (const [what, { ms, bytes }] of rows)
  console.log(`| ${what} | ${ms.toFixed(1)} ms | ${(bytes / 1024).toFixed(0)} KiB |`);

if (process.env.MODELGATE_BENCH_DATABASE !== "skip") await measureDatabase();

async function measureDatabase(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "modelgate-dashboard-bench-"));
  chmodSync(work, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(work, "pg"),
    port: await freePort(),
    onLog: () => undefined,
  });
  try {
    const database = await openDatabase(postgres.connectionString, { max: 8 });
    const store = postgresInventoryStore(database.pool);
    const seeding = performance.now();
    for (const [r, repo] of repositories.entries()) {
      const { sweptAt: _sweptAt, ...rest } = repo;
      await store.replaceRepository(
        {
          repository: rest,
          models: models
            .filter((m) => m.repositoryId === repo.repositoryId)
            .map((m) => ({
              name: m.name,
              version: m.version,
              digest: m.digest,
              status: m.status,
              manifestPath: m.manifestPath,
              standing: { evaluation: m.standing.evaluation, endOfLife: null },
            })),
          unmanaged:
            r % 10 === 0
              ? [
                  {
                    path: "weights/model.pt",
                    kind: "artifact",
                    reason: "a .pt file",
                    evidence: { kind: "artifact", glob: "**/*.pt" },
                  },
                ]
              : [],
        },
        new Date("2026-12-07T06:00:00Z"),
      );
    }
    for (const m of models.slice(0, 2_000))
      await store.recordDecision({
        repositoryId: m.repositoryId,
        model: m.name,
        digest: m.digest,
        version: m.version,
        signOffs: m.standing.signOffs,
        awaitingRoles: m.standing.awaitingRoles,
        gate: "deployment",
        decision: m.standing.deployments[1]!,
      });
    const seeded = performance.now() - seeding;
    const ids = repositories.map((r) => r.repositoryId);
    const reads: Array<[string, () => Promise<unknown>]> = [
      ["listRepositories (1,000 ids)", () => store.listRepositories(ids)],
      ["listModels, no filter (10,000 models)", () => store.listModels({ repositoryIds: ids, now: NOW })],
      [
        "listModels, in production",
        () => store.listModels({ repositoryIds: ids, inProduction: "production", now: NOW }),
      ],
      ["modelTimeline (one model)", () => store.modelTimeline(ids[0]!, "model-1")],
      ["listUnmanaged (1,000 repositories)", () => store.listUnmanaged(ids)],
    ];
    const everything = { repositories: await store.listRepositories(ids), ids };
    console.log(
      `\nInventory reads on Postgres (embedded, same machine; seeded in ${(seeded / 1000).toFixed(1)} s; median of 5)\n`,
    );
    console.log("| read | time |\n|---|---:|");
    for (const [what, read] of reads) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await read();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(`| ${what} | ${times[2]!.toFixed(1)} ms |`);
    }
    // once: the whole organisation's audit pack (10,000 timelines, 8 reads at a time)
    const packing = performance.now();
    const pack = JSON.stringify(await auditPack({ inventory: store }, everything, ids, NOW));
    console.log(
      `| audit pack of all 1,000 repositories (once; ${(Buffer.byteLength(pack) / 1024 / 1024).toFixed(1)} MiB) | ${(performance.now() - packing).toFixed(0)} ms |`,
    );
    await database.close();
  } finally {
    await postgres.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
