import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.js";
import { freePort } from "../helpers/global-postgres.js";

test("as root, a data directory Postgres's own user cannot reach is refused with what to do (not root: it starts)", async () => {
  // mkdtemp makes a folder only its owner may enter
  const closed = await mkdtemp(join(tmpdir(), "modelgate-closed-"));
  try {
    const starting = startEmbeddedPostgres({ dataDir: join(closed, "pg"), port: await freePort() });
    if (process.getuid?.() === 0) {
      await expect(starting).rejects.toThrow(
        `cannot enter ${closed}, which holds its data directory ${join(closed, "pg")}: choose a MODELGATE_DATA_DIR under a folder others may enter`,
      );
    } else {
      const server = await starting;
      await server.stop();
    }
  } finally {
    await rm(closed, { recursive: true, force: true });
  }
});
