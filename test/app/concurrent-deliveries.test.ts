import { describe, expect, test } from "vitest";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { BASE, HEAD, PR, world } from "../helpers/sign-off-world.js";

describe("deliveries for one pull request head arriving at the same time", () => {
  test("write one modelgate check run: the second delivery finds and updates the first's", async () => {
    const app = await createTestApp();
    const { checks } = world({
      commits: [
        { sha: BASE, files: { "README.md": "# Models\n" } },
        { sha: HEAD, files: { "README.md": "# Models and more\n" } },
      ],
    });

    await Promise.all([
      app.receive({ ...pullRequestEvent("opened", PR, INSTALLATION_ID), id: "delivery-a" }),
      app.receive({ ...pullRequestEvent("synchronize", PR, INSTALLATION_ID), id: "delivery-b" }),
      app.receive({ ...pullRequestEvent("edited", PR, INSTALLATION_ID), id: "delivery-c" }),
    ]);

    expect(checks.history.map((run) => run.conclusion)).toEqual(["success", "success", "success"]);
    expect(checks.runs).toHaveLength(1);
    expect(app.requestsTo("POST", "/repos/acme/models/check-runs")).toHaveLength(1);
  });
});
