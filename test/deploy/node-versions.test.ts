import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";

/** The Node LTS lines modelgate runs on (Node 20 ended in April 2026): README.md, "Set up". */
const LTS = ["22", "24"];

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("the Node versions the container, the Action and CI run", () => {
  test("every stage of the Dockerfile is built on a supported LTS image", () => {
    const images = [...read("Dockerfile").matchAll(/^FROM node:(\d+)-/gm)].map((match) => match[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const major of images) expect(LTS).toContain(major);
  });

  test("the Action sets up a supported LTS before it builds and runs modelgate", () => {
    const action = parse(read("action.yml")) as {
      runs: { using: string; steps: Array<{ uses?: string; with?: { "node-version"?: unknown }; run?: string }> };
    };
    const [setup, ...rest] = action.runs.steps;
    expect(setup?.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(LTS).toContain(String(setup?.with?.["node-version"]));
    expect(rest.filter((step) => step.run?.includes("node ")).length).toBeGreaterThan(0);
  });

  test("CI runs the suite on each LTS line besides the machine's Node", () => {
    const ci = read(".ci/run");
    expect(ci).toContain(`\${MODELGATE_CI_NODES:-${LTS.join(" ")}}`);
    expect(ci).toContain('npm exec --yes --package="node@$major"');
    expect(ci).toMatch(/^npm test$/m);
  });
});
