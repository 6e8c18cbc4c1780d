import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";

/** The permissions a GitHub App asks for on the organisation, not on its repositories. */
const ORGANISATION_PERMISSIONS = new Set(["members"]);

const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};
const installDoc = readFileSync(new URL("../../docs/install.md", import.meta.url), "utf8");

/** The value cell of a row of docs/install.md's manual-registration table, explanations in parentheses removed. */
function tableValue(setting: string): string {
  const row = installDoc.split("\n").find((line) => line.startsWith(`| ${setting} |`));
  if (row === undefined) throw new Error(`docs/install.md has no "${setting}" row`);
  const value = row.split("|")[2] ?? "";
  // one level of nesting: a markdown link inside an explanation
  return value.replace(/\s*\((?:[^()]|\([^()]*\))*\)/g, "").trim();
}

/** "Checks: write · Pull requests: read" → { checks: "write", pull_requests: "read" } */
function permissions(setting: string): Record<string, string> {
  return Object.fromEntries(
    tableValue(setting)
      .split("·")
      .map((item) => {
        const [name = "", level = ""] = item.split(":").map((part) => part.trim());
        return [name.toLowerCase().replaceAll(" ", "_"), level.toLowerCase()];
      }),
  );
}

/** "Pull request, Check run" → ["pull_request", "check_run"] */
function events(): string[] {
  return tableValue("Events")
    .split(",")
    .map((name) => name.trim().toLowerCase().replaceAll(" ", "_"));
}

function onOrganisation(wanted: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(manifest.default_permissions).filter(([name]) => ORGANISATION_PERMISSIONS.has(name) === wanted),
  );
}

describe("docs/install.md, registering the App by hand, lists exactly what app.yml asks for", () => {
  test("attack: every event of app.yml, deployment_protection_rule included (an App without it gates no deployment)", () => {
    expect(events().sort()).toEqual([...manifest.default_events].sort());
    expect(events()).toContain("deployment_protection_rule");
  });

  test("every repository permission at the same level", () => {
    expect(permissions("Repository permissions")).toEqual(onOrganisation(false));
  });

  test("every organisation permission at the same level", () => {
    expect(permissions("Organisation permissions")).toEqual(onOrganisation(true));
  });
});
