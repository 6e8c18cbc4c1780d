import { expect } from "vitest";
import { readBlockYaml } from "../../../src/core/yaml/block-yaml.js";
import { parseYaml, type YamlPath } from "../../../src/core/yaml/load-yaml.js";

/** Keys next to every node that do not exist (what lineOf is asked after a zod error). */
const NEIGHBOURS: ReadonlyArray<string | number> = ["missing", 0, 7, "0", "", -1, 1.5];

/** Every path of a value, and paths next to them that do not exist. */
export function pathsOf(
  value: unknown,
  prefix: Array<string | number> = [],
  neighbours: ReadonlyArray<string | number> = NEIGHBOURS,
): YamlPath[] {
  const paths: YamlPath[] = [prefix, ...neighbours.map((key) => [...prefix, key])];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i], neighbours)));
  else if (value && typeof value === "object")
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key], neighbours));
  return paths;
}

/**
 * loadYaml answers as the full parser alone: when the fast reader answers, the full parser reads the text without
 * error and gives the same value (same key order) and the same line for every path; when the fast reader declines,
 * loadYaml's answer is the full parser's own (its value, lines or error).
 */
export function expectSameAsFullParser(
  text: string,
  neighbours: ReadonlyArray<string | number> = NEIGHBOURS,
): { answered: boolean; valid: boolean } {
  const full = parseYaml("x.yaml", text);
  const fast = readBlockYaml(text);
  if (!fast) return { answered: false, valid: full.ok };
  const shown = JSON.stringify(text);
  if (!full.ok)
    throw new Error(`the fast reader accepted what the full parser refuses (${full.error.message}): ${shown}`);
  expect(fast.value, shown).toStrictEqual(full.yaml.value);
  expect(JSON.stringify(fast.value), shown).toBe(JSON.stringify(full.yaml.value));
  const paths = pathsOf(full.yaml.value, [], neighbours);
  const fastLines = paths.map((path) => fast.lineOf(path));
  const fullLines = paths.map((path) => full.yaml.lineOf(path));
  paths.forEach((path, i) => {
    if (fastLines[i] !== fullLines[i]) expect(fastLines[i], `${JSON.stringify(path)} in ${shown}`).toBe(fullLines[i]);
  });
  return { answered: true, valid: true };
}
