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
    setupFiles: ["test/setup.ts"],
    projects: [
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
    ],
  },
});
