import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import type { ApplicationFunction } from "probot";
import { modelgate } from "../../src/index.js";

const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as {
  name: string;
  default_permissions: Record<string, string>;
  default_events: string[];
};

/** The event names the app registers, from a stand-in for Probot's `app.on`. */
function registeredEvents(): string[] {
  const names: string[] = [];
  const app = { on: (events: string | string[]) => names.push(...[events].flat()) };
  void (
    modelgate({ markerKey: "test-marker-key" }) as (app: unknown, options: unknown) => ReturnType<ApplicationFunction>
  )(app, {});
  return names;
}

describe("app.yml", () => {
  test("asks for the least privilege the workflows need", () => {
    expect(manifest.name).toBe("modelgate");
    expect(manifest.default_permissions).toEqual({
      checks: "write",
      contents: "write",
      pull_requests: "read",
      issues: "write",
      members: "read",
      metadata: "read",
      actions: "read",
      deployments: "write",
      attestations: "read",
    });
  });

  test("subscribes to every event the app handles", () => {
    const events = new Set(registeredEvents().map((name) => name.split(".")[0]));
    for (const event of events) expect(manifest.default_events).toContain(event);
  });
});

describe("handler registration", () => {
  test("registers each event once: never both `event` and `event.action`", () => {
    const names = registeredEvents();
    expect(new Set(names).size).toBe(names.length);
    const whole = names.filter((name) => !name.includes("."));
    for (const event of whole) expect(names.filter((name) => name.startsWith(`${event}.`))).toEqual([]);
    expect(names.sort()).toEqual([
      "check_run.requested_action",
      "check_run.rerequested",
      "check_suite.rerequested",
      "deployment_protection_rule.requested",
      "issue_comment.created",
      "issue_comment.deleted",
      "issue_comment.edited",
      "issues.closed",
      "issues.edited",
      "pull_request.edited",
      "pull_request.opened",
      "pull_request.ready_for_review",
      "pull_request.reopened",
      "pull_request.synchronize",
      "pull_request_review.dismissed",
      "pull_request_review.edited",
      "pull_request_review.submitted",
      "push",
      "release.created",
      "release.published",
    ]);
  });
});
