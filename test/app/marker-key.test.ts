import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultMarkerKey, markerKeyFromPrivateKey } from "../../src/marker-key.js";
import { modelgate } from "../../src/index.js";
import { testPrivateKey } from "../helpers/test-app.js";

const pem = testPrivateKey();
const fromPem = markerKeyFromPrivateKey(pem);

describe("the marker key", () => {
  it.each<[string, Record<string, string | undefined>]>([
    ["PRIVATE_KEY, as Probot reads it", { PRIVATE_KEY: pem }],
    ["PRIVATE_KEY with escaped newlines (one-line secrets)", { PRIVATE_KEY: pem.replace(/\n/g, "\\n") }],
    ["PRIVATE_KEY with CRLF line ends", { PRIVATE_KEY: pem.replace(/\n/g, "\r\n") }],
    ["PRIVATE_KEY wins over WEBHOOK_SECRET", { PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret" }],
  ])("is derived from the App's private key: %s", (_case, env) => {
    expect(defaultMarkerKey(env)).toBe(fromPem);
  });

  it("is read from PRIVATE_KEY_PATH too", () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-key-"));
    const path = join(dir, "app.pem");
    writeFileSync(path, pem);
    expect(defaultMarkerKey({ PRIVATE_KEY_PATH: path })).toBe(fromPem);
  });

  it("falls back to WEBHOOK_SECRET, and differs from the key of another secret", () => {
    const key = defaultMarkerKey({ WEBHOOK_SECRET: "s3cret" });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toBe(defaultMarkerKey({ WEBHOOK_SECRET: "other" }));
    expect(key).not.toBe(fromPem);
  });

  it("is never the private key itself, and another App's key gives another marker key", () => {
    expect(fromPem).toMatch(/^[0-9a-f]{64}$/);
    expect(pem).not.toContain(fromPem);
    expect(markerKeyFromPrivateKey(pem.replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\nX"))).not.toBe(fromPem);
  });

  it("without any key the app refuses to load, saying what to set", () => {
    expect(() => defaultMarkerKey({})).toThrow(/set PRIVATE_KEY or PRIVATE_KEY_PATH .* or WEBHOOK_SECRET/);
    const saved = {
      PRIVATE_KEY: process.env.PRIVATE_KEY,
      PRIVATE_KEY_PATH: process.env.PRIVATE_KEY_PATH,
      WEBHOOK_SECRET: process.env.WEBHOOK_SECRET,
    };
    try {
      delete process.env.PRIVATE_KEY;
      delete process.env.PRIVATE_KEY_PATH;
      delete process.env.WEBHOOK_SECRET;
      const app = { on: () => undefined };
      expect(() => (modelgate() as (app: unknown, options: unknown) => void)(app, {})).toThrow(
        /needs a key to sign the markers/,
      );
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
    }
  });
});
