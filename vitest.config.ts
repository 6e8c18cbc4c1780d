import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Test files share their worker's module cache (isolate: false): loading Probot and the core
// once per worker instead of once per file is most of the suite's CPU time. A file that
// replaces a module with vi.mock needs a fresh cache, so it runs isolated.
const ISOLATED = ["test/app/release-gate.test.ts"];

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 30_000,
    pool: "forks",
    // one worker per core, not vitest's cores − 1: much of a test's time is waiting on Postgres, git and
    // Chromium, so on a 2-core machine two workers finish the suite ~20 s sooner than one (docs/architecture.md, "Tests")
    maxWorkers: availableParallelism(),
    // one real Postgres for the run, a database per test file (test/helpers/database.ts)
    globalSetup: ["test/helpers/global-postgres.ts"],
    setupFiles: ["test/setup.ts"],
    projects: [
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
    ],
  },
});
