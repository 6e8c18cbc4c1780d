import { describe, expect, it } from "vitest";
import { renderPolicyCheck } from "../../../src/core/render/policy-check.js";

describe("renderPolicyCheck", () => {
  it("fails an invalid proposal with an annotation at each error's line", () => {
    const output = renderPolicyCheck({
      valid: false,
      path: ".github/modelgate.yml",
      errors: [
        {
          path: ".github/modelgate.yml",
          line: 4,
          message: 'unmanaged_artifacts: Invalid option: expected one of "fail"|"warn"|"off"',
        },
      ],
    });
    expect(output.conclusion).toBe("failure");
    expect(output.title).toBe("Proposed policy is invalid: 1 error");
    expect(output.summary).toContain("`.github/modelgate.yml:4` unmanaged_artifacts: Invalid option");
    expect(output.annotations).toEqual([
      {
        path: ".github/modelgate.yml",
        start_line: 4,
        end_line: 4,
        annotation_level: "failure",
        message: 'unmanaged_artifacts: Invalid option: expected one of "fail"|"warn"|"off"',
        title: "Invalid modelgate policy",
      },
    ]);
  });

  it("marks a proposal that weakens the gate neutral, naming each weakened setting", () => {
    const output = renderPolicyCheck({
      valid: true,
      path: ".github/modelgate.yml",
      differences: [
        { setting: "gates.retrain.evaluation", from: "true", to: "false", effect: "weakens" },
        { setting: "evaluation.max_age_days", from: "180", to: "90", effect: "strengthens" },
      ],
    });
    expect(output.conclusion).toBe("neutral");
    expect(output.title).toBe("Proposed policy weakens the gate: 1 setting (2 changes in all)");
    expect(output.summary).toContain("| `gates.retrain.evaluation` | true | false | ⚠️ weakens |");
    expect(output.summary).toContain("| `evaluation.max_age_days` | 180 | 90 | strengthens |");
    expect(output.summary).toContain("still judged by the policy of its base branch");
    const record = JSON.parse(/```json\n([\s\S]*)\n```/.exec(output.text)![1]!) as { differences: unknown[] };
    expect(record.differences).toHaveLength(2);
  });

  it("passes a valid proposal that weakens nothing, and says when it requires the same", () => {
    expect(
      renderPolicyCheck({
        valid: true,
        path: "p",
        differences: [{ setting: "overrides.roles", from: "security", to: "(none)", effect: "strengthens" }],
      }),
    ).toMatchObject({
      conclusion: "success",
      title: "Proposed policy is valid: 1 change, none weakens the gate",
    });
    expect(renderPolicyCheck({ valid: true, path: "p", differences: [] })).toMatchObject({
      conclusion: "success",
      title: "Proposed policy is valid and requires the same",
    });
  });

  it("escapes user text so a setting value cannot break the table or forge markup", () => {
    const output = renderPolicyCheck({
      valid: true,
      path: "p",
      differences: [{ setting: "end_of_life.labels", from: "a|b", to: "<!-- x -->", effect: "changes" }],
    });
    expect(output.summary).toContain("| a\\|b | &lt;!-- x --&gt; | changes |");
  });
});
