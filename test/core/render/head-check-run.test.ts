import { describe, expect, it } from "vitest";
import type { Decision, Verdict } from "../../../src/core/evaluate/types.js";
import { renderCheckRun } from "../../../src/core/render/check-run.js";
import {
  renderHeadCheckRun,
  strictestJudgement,
  type PullRequestJudgement,
} from "../../../src/core/render/head-check-run.js";
import { decision, model, requirement } from "./decisions.js";

const ctx = { checkName: "modelgate" };
const verdictOf: Record<Verdict, Decision> = {
  success: decision({ models: [] }),
  action_required: decision({ models: [model("fraud-detector", [requirement("approval:developer", "pending")])] }),
  failure: decision({ models: [model("fraud-detector", [requirement("evaluation.bound", "failed")])] }),
};
const judged = (number: number, baseRef: string, d: Decision): PullRequestJudgement => ({
  pullRequest: { number, baseRef },
  decision: d,
  ctx,
});

describe("strictestJudgement: the verdict one run of a head shows", () => {
  it.each<[string, Array<[number, Verdict | "could not evaluate"]>, number]>([
    ["one pull request is its own verdict", [[7, "success"]], 7],
    [
      "attack: a weaker pull request never overrides a stricter one",
      [
        [7, "action_required"],
        [8, "success"],
      ],
      7,
    ],
    [
      "attack: evaluated last, the weak one still loses",
      [
        [8, "success"],
        [7, "failure"],
      ],
      7,
    ],
    [
      "failure beats action required",
      [
        [7, "action_required"],
        [8, "failure"],
      ],
      8,
    ],
    [
      "a pull request that could not be evaluated is a failure",
      [
        [7, "success"],
        [8, "could not evaluate"],
      ],
      8,
    ],
    [
      "among equals, the lowest number",
      [
        [9, "failure"],
        [8, "failure"],
      ],
      8,
    ],
  ])("%s", (_case, verdicts, expected) => {
    const judgements = verdicts.map(([number, v]) =>
      judged(
        number,
        `base-${number}`,
        v === "could not evaluate" ? { ...verdictOf.success, couldNotEvaluate: "GitHub answered 502" } : verdictOf[v],
      ),
    );
    expect(strictestJudgement(judgements)?.pullRequest.number).toBe(expected);
  });
});

describe("renderHeadCheckRun", () => {
  it("renders one pull request exactly as renderCheckRun", () => {
    expect(renderHeadCheckRun([judged(7, "main", verdictOf.action_required)])).toEqual(
      renderCheckRun(verdictOf.action_required, ctx),
    );
  });

  it("concludes with the strictest and lists each pull request's verdict, base and title", () => {
    const output = renderHeadCheckRun([judged(8, "sandbox", verdictOf.success), judged(7, "main", verdictOf.failure)]);
    expect(output.conclusion).toBe("failure");
    expect(output.title).toBe(`#7 into main: ${renderCheckRun(verdictOf.failure, ctx).title}`);
    expect(output.summary).toContain("| #7 | `main` | ❌ failure |");
    expect(output.summary).toContain("| #8 | `sandbox` | ✅ success | No model changes |");
    expect(output.summary.indexOf("| #7 |")).toBeLessThan(output.summary.indexOf("| #8 |"));
    expect(output.actions.map((a) => a.identifier)).toEqual(["reevaluate"]);
    expect(Buffer.byteLength(output.summary)).toBeLessThanOrEqual(65_535);
  });

  it("offers a button any of the pull requests needs", () => {
    const output = renderHeadCheckRun([
      judged(7, "main", verdictOf.failure),
      judged(8, "release", verdictOf.action_required),
    ]);
    expect(output.actions.map((a) => a.identifier).sort()).toEqual(["open-sign-off", "reevaluate"]);
  });
});
