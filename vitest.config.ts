import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    pool: "forks",
    // one real Postgres for the run, a database per test file (test/helpers/database.ts)
    globalSetup: ["test/helpers/global-postgres.ts"],
    setupFiles: ["test/helpers/setup-file.ts"],
  },
});
