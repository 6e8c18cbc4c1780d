import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID } from "../helpers/test-app.js";
import { OWNER, REPO, pullRequestEvent } from "../fixtures/payloads/index.js";
import { HEAD, POLICY, postComment, replies, world } from "../helpers/sign-off-world.js";
import { rosterWith, serveRoster } from "../helpers/serve-training.js";

const ISSUE = 100;

async function opened(require: "true" | "warn") {
  const app = await createTestApp();
  const w = world({ policy: `${POLICY}training:\n  require: ${require}\n  admins: security\n` });
  serveRoster(OWNER, REPO, rosterWith([{ login: "alice", completed: "2026-03-01" }]), { times: "always" });
  await app.receive(pullRequestEvent("opened", w.pr, INSTALLATION_ID));
  expect(w.tracker.appIssues().map((i) => i.number)).toEqual([ISSUE]);
  return { app, ...w };
}

describe("sign-offs and training", () => {
  test("a sign-off by a holder with no training record is refused with the reason, and the check run says why", async () => {
    const { app, tracker, checks, pr } = await opened("true");

    const alice = await postComment(app, tracker, ISSUE, "alice", "/approve developer");
    const bob = await postComment(app, tracker, ISSUE, "bob", "/approve system_operator");

    expect(alice.reactions).toEqual(["+1"]);
    expect(bob.reactions).toEqual(["confused"]);
    expect(replies(tracker, ISSUE)).toEqual([
      "@bob `/approve system_operator` was refused: @bob's sign-off as system_operator is not counted: no training record for system_operator (training.require is true).",
    ]);
    // the refused command changes nothing, so the run is the one alice's sign-off left
    const run = checks.latest(HEAD);
    expect(run.conclusion).toBe("action_required");
    expect(run.summary).toContain("signed off by @alice on the sign-off issue");

    // the next evaluation (a push, a re-run) says why bob's sign-off does not count
    await app.receive(pullRequestEvent("synchronize", { ...pr }, INSTALLATION_ID));
    expect(checks.latest(HEAD).summary).toContain("@bob not counted: no training record for system_operator");
  });

  test("in the grace mode the sign-off counts, and the reply says it would not", async () => {
    const { app, tracker, checks } = await opened("warn");

    await postComment(app, tracker, ISSUE, "alice", "/approve developer");
    const bob = await postComment(app, tracker, ISSUE, "bob", "/approve system_operator");

    expect(bob.reactions).toEqual(["+1"]);
    expect(replies(tracker, ISSUE)).toEqual([
      "@bob It counts while training.require is warn, but would not count with training.require: true: no training record for system_operator.",
    ]);
    const run = checks.latest(HEAD);
    expect(run.conclusion).toBe("success");
    expect(run.summary).toContain("signed off by @bob on the sign-off issue");
    expect(run.summary).toContain(
      "would not count with training.require: true: no training record for system_operator",
    );
  });
});
