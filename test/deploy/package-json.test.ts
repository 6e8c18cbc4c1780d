import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { describe, expect, test } from "vitest";

/** The messages of the keys a JSON text repeats in one object (JSON.parse keeps the last and drops the others silently). */
function duplicateKeys(json: string): string[] {
  // JSON is YAML, and a YAML reader refuses a repeated key where JSON.parse does not
  return parseDocument(json, { uniqueKeys: true }).errors.map((error) => error.message.split("\n")[0] ?? "");
}

const packageJson = readFileSync(new URL("../../package.json", import.meta.url), "utf8");

describe("package.json", () => {
  test("attack: no key twice in one object (a second `overrides` silently dropped the vite pin)", () => {
    expect(duplicateKeys(packageJson)).toEqual([]);
  });

  test("a repeated key is found (the check can fail)", () => {
    expect(duplicateKeys('{ "overrides": { "a": "1" }, "b": 2, "overrides": { "c": "3" } }')).toHaveLength(1);
  });

  test("the overrides npm applies hold the vite pin and the content-type pin", () => {
    const { overrides } = JSON.parse(packageJson) as { overrides: Record<string, unknown> };
    expect(overrides).toEqual({ vite: "~8.3.8", "@octokit/request": { "content-type": "^1.0.5" } });
  });
});
