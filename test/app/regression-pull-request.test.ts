import { describe, expect, test } from "vitest";
import { createTestApp, INSTALLATION_ID, type TestApp } from "../helpers/test-app.js";
import { pullRequestEvent } from "../fixtures/payloads/index.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { fraud } from "../fixtures/fraud-detector.js";
import { BASE, HEAD, POLICY, postComment, replies, world, type World } from "../helpers/sign-off-world.js";

const ISSUE = 100;
const HOLDOUT = { name: "holdout-2026q3", sha256: "a".repeat(64) };

/** The policy of the sign-off stories with two regression rules, accepted by the security lead (sam). */
const REGRESSION_POLICY = [
  POLICY.trimEnd(),
  "regression:",
  "  accept_role: security",
  "  metrics:",
  "    - { name: accuracy, direction: higher, max_drop: 0.02, min: 0.8 }",
  "    - { name: attack_success_rate, direction: lower, max_relative_drop: 0.25, security: true }",
  "",
].join("\n");

const RELEASED = repositoryModelFiles(
  fraud({
    evaluation: {
      evaluator: "eve",
      date: "2026-11-01",
      metrics: { accuracy: 0.9, attack_success_rate: 0.1 },
      dataset: HOLDOUT,
    },
  }),
);

function retrained(metrics: Record<string, number>, dataset = HOLDOUT) {
  return repositoryModelFiles(
    fraud({
      version: "2.1.0",
      weights: "weights of 2.1.0",
      evaluation: { evaluator: "eve", date: "2026-11-20", metrics, dataset },
    }),
  );
}

/** PR #7 by dana retrains fraud-detector to `head`; its sign-off issue #100 is opened by the first evaluation. */
async function openedRetrain(
  head: ReturnType<typeof retrained>,
  policy = REGRESSION_POLICY,
): Promise<{ app: TestApp } & World> {
  const app = await createTestApp();
  const w = world({
    policy,
    commits: [
      { sha: BASE, files: RELEASED.files },
      { sha: HEAD, files: head.files },
    ],
  });
  await app.receive(pullRequestEvent("opened", w.pr, INSTALLATION_ID));
  return { app, ...w };
}

/** The regression part of a check run's summary: from its heading to the sign-off block. */
function regressionPart(summary: string): string {
  const start = summary.indexOf("**Regression**");
  const end = summary.indexOf("**Sign-off needed");
  return summary.slice(start, end === -1 ? undefined : end);
}

describe("story: a retrain that loses accuracy (docs/regression.md)", () => {
  test("fails with the table of both metrics; the security lead accepts the regression and only sign-offs are left", async () => {
    const head = retrained({ accuracy: 0.85, attack_success_rate: 0.09 });
    const w = await openedRetrain(head);
    const run = w.checks.latest(HEAD);

    expect(run).toMatchObject({ conclusion: "failure", title: "1 model: 1 failing, 2 sign-offs missing" });
    expect(regressionPart(run.summary)).toBe(
      [
        `**Regression** against 2.0.0 (the base branch, digest \`${RELEASED.digest.slice(0, 19)}\`; its evaluation of 2026-11-01), both measured on \`holdout-2026q3\` (\`sha256:aaaaaaaaaaaa\`).`,
        "",
        "| Metric | Baseline | Candidate | Change | Rule | Verdict |",
        "|---|---|---|---|---|---|",
        "| `accuracy` | 0.9 | 0.85 | −0.05 (−5.55556 %) | higher is better, drop ≤ 0.02, min 0.8 | ❌ fell by 0.05, more than 0.02 |",
        "| `attack_success_rate` 🛡️ security | 0.1 | 0.09 | −0.01 (−10 %) | lower is better, ≤ 25 % of the baseline | ✅ within the rule |",
        "",
        `To accept a regression, a holder of **security** who is not an author of this change comments on the sign-off issue of this digest: \`/accept-regression accuracy ${RELEASED.digest} <reason>\`. An acceptance counts for this digest, this metric and this baseline only.`,
        "",
        "",
      ].join("\n"),
    );
    expect(run.summary).toContain(
      "| `regression:accuracy` | ❌ failed | accuracy 0.9 → 0.85 against 2.0.0 (the base branch): fell by 0.05, more than 0.02 (higher is better, drop ≤ 0.02, min 0.8) | 5.2.5-1 |",
    );

    const accepted = await postComment(
      w.app,
      w.tracker,
      ISSUE,
      "sam",
      `/accept-regression accuracy ${RELEASED.digest} chargeback fraud shifted; 2.2.0 retrains on Q4`,
    );
    expect(accepted.reactions).toEqual(["+1"]);
    const after = w.checks.latest(HEAD);
    expect(after).toMatchObject({ conclusion: "action_required", title: "1 model: 2 sign-offs missing" });
    expect(after.summary).toContain(
      "| `accuracy` | 0.9 | 0.85 | −0.05 (−5.55556 %) | higher is better, drop ≤ 0.02, min 0.8 | ✅ accepted by @sam: chargeback fraud shifted; 2.2.0 retrains on Q4 (was: fell by 0.05, more than 0.02) |",
    );
    expect(after.summary).toContain(
      "| `regression:accuracy` | ✅ met | accuracy 0.9 → 0.85 against 2.0.0 (the base branch): fell by 0.05, more than 0.02; accepted by @sam: chargeback fraud shifted; 2.2.0 retrains on Q4 | 5.2.5-1 |",
    );
  });

  test("attack: the pull request's author accepts their own regression", async () => {
    const head = retrained({ accuracy: 0.85, attack_success_rate: 0.09 });
    // dana authored the PR; holding the accepting role does not let her accept it
    const w = await openedRetrain(
      head,
      REGRESSION_POLICY.replace("security: { users: [sam] }", "security: { users: [sam, dana] }"),
    );
    const refused = await postComment(
      w.app,
      w.tracker,
      ISSUE,
      "dana",
      `/accept-regression accuracy ${RELEASED.digest} fine by me`,
    );

    expect(refused.reactions).toEqual(["confused"]);
    expect(replies(w.tracker, ISSUE)).toEqual([
      `@dana \`/accept-regression accuracy ${RELEASED.digest}\` was refused: @dana is an author of this change, and an author may not accept its own regression.`,
    ]);
    expect(w.checks.latest(HEAD).conclusion).toBe("failure");
  });

  test("metrics measured on another dataset are not comparable, and the check run says so", async () => {
    const head = retrained(
      { accuracy: 0.95, attack_success_rate: 0.05 },
      { name: "holdout-2026q4", sha256: "b".repeat(64) },
    );
    const w = await openedRetrain(head);
    const run = w.checks.latest(HEAD);

    expect(run.conclusion).toBe("failure");
    expect(regressionPart(run.summary)).toContain(
      "the baseline was measured on `holdout-2026q3` (`sha256:aaaaaaaaaaaa`), this version on `holdout-2026q4` (`sha256:bbbbbbbbbbbb`).",
    );
    expect(regressionPart(run.summary)).toContain(
      "| `accuracy` | 0.9 | 0.95 | +0.05 (+5.55556 %) | higher is better, drop ≤ 0.02, min 0.8 | ❌ not comparable: measured on another evaluation dataset (its sha256 differs) |",
    );
  });
});
