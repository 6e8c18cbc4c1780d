import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { publishedJsonSchemas } from "../../../src/core/schemas/json-schemas.js";

const published = publishedJsonSchemas();

describe("published JSON Schemas", () => {
  it.each(Object.keys(published))("schemas/%s is up to date with the zod schema (run `npm run schemas`)", (file) => {
    const committed = JSON.parse(readFileSync(new URL(`../../../schemas/${file}`, import.meta.url), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(published[file as keyof typeof published])));
  });

  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const validateManifest = ajv.compile(published["model.schema.json"]);
  const validatePolicy = ajv.compile(published["modelgate.schema.json"]);

  it("accepts a manifest with a file component and an upstream component", () => {
    const manifest = {
      name: "fraud-detector",
      version: "2.1.0",
      components: [
        { path: "weights/model.safetensors", kind: "weights", sha256: "a".repeat(64) },
        { name: "base-model", source: "pkg:huggingface/org/base@abc", kind: "weights", verified: false, justification: "vendor attestation" },
      ],
    };
    expect(validateManifest(manifest)).toBe(true);
  });

  it("rejects a component that has neither path nor name, and an unknown manifest key", () => {
    expect(validateManifest({ name: "m", version: "1.0.0", components: [{ kind: "weights" }] })).toBe(false);
    expect(validateManifest({ name: "m", version: "1.0.0", weights: "x" })).toBe(false);
  });

  it("accepts a training roster and rejects a record without a completion date", () => {
    const validateRoster = ajv.compile(published["training.schema.json"]);
    const courses = [{ id: "ai-security-basics", roles: ["developer"], validity_days: 365 }];
    expect(validateRoster({ courses, records: [{ login: "alice", course: "ai-security-basics", completed: "2026-03-01" }] })).toBe(true);
    expect(validateRoster({ courses, records: [{ login: "alice", course: "ai-security-basics" }] })).toBe(false);
    expect(validatePolicy({ training: { require: "warn", admins: "security" } })).toBe(true);
    expect(validatePolicy({ training: { require: "maybe" } })).toBe(false);
  });

  it("accepts the documented policy example and rejects an unknown unmanaged_artifacts value", () => {
    expect(validatePolicy({ roles: { security: { teams: ["appsec"] } }, gates: { metadata: { approvals: ["developer"] } }, unmanaged_artifacts: "warn" })).toBe(true);
    expect(validatePolicy({ unmanaged_artifacts: "maybe" })).toBe(false);
  });
});
