import { describe, expect, it } from "vitest";
import { renderCheckRun, type CheckRunContext } from "../../../src/core/render/check-run.js";
import { defaultPolicy } from "../../../src/core/policy/schema.js";
import type { Decision } from "../../../src/core/evaluate/types.js";
import { signOffKey } from "../../../src/core/sign-off/subject.js";
import { DIGEST_A, DIGEST_B, decision, model, requirement, unmanaged } from "./decisions.js";

const ctx: CheckRunContext = { checkName: "modelgate" };
const MAX = 65_535;
const bytes = (text: string) => Buffer.byteLength(text, "utf8");

function decisionRecord(text: string): Record<string, unknown> {
  const match = /```json\n([\s\S]*)\n```/.exec(text);
  if (!match?.[1]) throw new Error(`no JSON block in text:\n${text.slice(0, 500)}`);
  return JSON.parse(match[1]) as Record<string, unknown>;
}

const approval = (role: string, status: "met" | "pending" = "pending") =>
  requirement(`approval:${role}`, status, { provision: "5.1.4-3", message: `${role} sign-off ${status}` });

describe("renderCheckRun: conclusion, title and buttons", () => {
  it.each<{ name: string; decision: Decision; conclusion: string; title: string; actions: string[] }>([
    { name: "nothing changed", decision: decision(), conclusion: "success", title: "No model changes", actions: [] },
    {
      name: "one model passes",
      decision: decision({ models: [model("fraud", [requirement("evaluation.current", "met")])] }),
      conclusion: "success",
      title: "The model change meets its gate",
      actions: [],
    },
    {
      name: "three models pass",
      decision: decision({
        models: ["a", "b", "c"].map((name) => model(name, [requirement("evaluation.current", "met")])),
      }),
      conclusion: "success",
      title: "All 3 model changes meet their gates",
      actions: [],
    },
    {
      name: "one failing, three sign-offs missing",
      decision: decision({
        models: [
          model("fraud", [requirement("hash:weights/model.safetensors", "failed"), approval("developer")]),
          model("churn", [approval("system_operator"), approval("data_custodian"), approval("developer", "met")]),
        ],
      }),
      conclusion: "failure",
      title: "2 models: 1 failing, 3 sign-offs missing",
      actions: ["open-sign-off", "reevaluate"],
    },
    {
      name: "only sign-offs missing",
      decision: decision({
        models: [
          model("fraud", [
            requirement("evaluation.current", "met"),
            approval("developer"),
            approval("system_operator"),
          ]),
        ],
      }),
      conclusion: "action_required",
      title: "1 model: 2 sign-offs missing",
      actions: ["open-sign-off", "reevaluate"],
    },
    {
      name: "failing without pending sign-offs",
      decision: decision({ models: [model("fraud", [requirement("evaluation.current", "failed")])] }),
      conclusion: "failure",
      title: "1 model: 1 failing",
      actions: ["reevaluate"],
    },
    {
      name: "GitHub could not be read",
      decision: decision({ couldNotEvaluate: "GitHub answered 502 reading the tree of abc123" }),
      conclusion: "failure",
      title: "Could not evaluate: GitHub answered 502 reading the tree of abc123",
      actions: ["reevaluate"],
    },
    {
      name: "could not evaluate is a failure whatever the verdict says",
      decision: {
        verdict: "success",
        models: [],
        unmanaged: [],
        errors: [],
        couldNotEvaluate: "rate limited\nretry later",
      },
      conclusion: "failure",
      title: "Could not evaluate: rate limited retry later",
      actions: ["reevaluate"],
    },
    {
      name: "invalid manifest only",
      decision: decision({
        errors: [
          { path: "models/x/model.yaml", line: 3, message: "version: must be a semantic version" },
          { path: "models/x/model.yaml", line: 9, message: "name: required" },
        ],
      }),
      conclusion: "failure",
      title: "1 invalid file",
      actions: ["reevaluate"],
    },
    {
      name: "overridden failure",
      decision: decision({
        models: [
          {
            ...model("fraud", [requirement("evaluation.current", "failed")]),
            verdict: "success",
            override: { by: "sec-lead", reason: "incident fix", at: "2026-11-21T10:00:00Z" },
          },
        ],
      }),
      conclusion: "success",
      title: "The model change meets its gate (1 overridden)",
      actions: [],
    },
    {
      name: "unmanaged warning only",
      decision: decision({ unmanaged: [unmanaged("tmp/model.pt", "warning")] }),
      conclusion: "success",
      title: "No model changes; 1 unmanaged model file (warning)",
      actions: [],
    },
    {
      name: "passing model but unmanaged files fail",
      decision: decision({
        models: [model("fraud", [requirement("evaluation.current", "met")])],
        unmanaged: [unmanaged("a.pt"), unmanaged("b.onnx")],
      }),
      conclusion: "failure",
      title: "The model change meets its gate; 2 unmanaged model files",
      actions: ["reevaluate"],
    },
    {
      name: "unmanaged files fail without any model",
      decision: decision({ unmanaged: [unmanaged("a.pt")] }),
      conclusion: "failure",
      title: "1 unmanaged model file",
      actions: ["reevaluate"],
    },
  ])("$name", ({ decision: d, conclusion, title, actions }) => {
    const output = renderCheckRun(d, ctx);
    expect(output.conclusion).toBe(conclusion);
    expect(output.title).toBe(title);
    expect(output.actions.map((a) => a.identifier)).toEqual(actions);
  });

  it("buttons respect GitHub's limits (at most 3; label 20, description 40, identifier 20 characters)", () => {
    const output = renderCheckRun(decision({ models: [model("fraud", [approval("developer")])] }), ctx);
    expect(output.actions.length).toBeLessThanOrEqual(3);
    for (const action of output.actions) {
      expect(action.label.length).toBeLessThanOrEqual(20);
      expect(action.description.length).toBeLessThanOrEqual(40);
      expect(action.identifier.length).toBeLessThanOrEqual(20);
    }
    expect(output.actions).toContainEqual(expect.objectContaining({ label: "Re-evaluate", identifier: "reevaluate" }));
    expect(output.actions).toContainEqual(
      expect.objectContaining({ label: "Open sign-off", identifier: "open-sign-off" }),
    );
  });
});

describe("renderCheckRun: summary", () => {
  const fraud = model(
    "fraud-detector",
    [
      requirement("evaluation.current", "met", { message: "pass by @octocat on 2026-11-20", provision: "5.2.5-1" }),
      requirement("hash:weights/model.safetensors", "failed", {
        message: "declared 00ff…, file is abcd…",
        provision: "5.2.4-1.2",
        line: 12,
      }),
      approval("developer"),
      approval("data_custodian"),
    ],
    { kinds: ["retrain", "version_bump"], from: "2.0.0", to: "2.1.0", digest: DIGEST_B },
  );

  it("shows each model with its changes, versions, digest and a requirement table", () => {
    const { summary } = renderCheckRun(decision({ models: [fraud] }), ctx);
    expect(summary).toContain("### ❌ fraud-detector 2.0.0 → 2.1.0");
    expect(summary).toContain("**Changes:** `retrain`, `version_bump`");
    expect(summary).toContain("**Version:** 2.0.0 → 2.1.0");
    expect(summary).toContain("`sha256:bbbbbbbbbbbb`");
    expect(summary).toContain(`\`${DIGEST_B}\``);
    expect(summary).toContain("| Requirement | Status | Evidence or fix | Provision |");
    expect(summary).toContain("| `evaluation.current` | ✅ met | pass by @octocat on 2026-11-20 | 5.2.5-1 |");
    expect(summary).toContain(
      "| `hash:weights/model.safetensors` | ❌ failed | declared 00ff…, file is abcd… | 5.2.4-1.2 |",
    );
    expect(summary).toContain("| `approval:developer` | ⏳ pending |");
    // failures first, then pending, then met
    expect(summary.indexOf("❌ failed")).toBeLessThan(summary.indexOf("⏳ pending"));
    expect(summary.indexOf("⏳ pending")).toBeLessThan(summary.indexOf("✅ met"));
  });

  it("says which roles are missing, who holds them and how to sign off", () => {
    const policy = defaultPolicy();
    policy.roles.developer = { teams: ["ml-engineers"], users: ["alice"] };
    const { summary } = renderCheckRun(decision({ models: [fraud] }), {
      ...ctx,
      policy,
      org: "acme",
      signOffUrls: { [signOffKey(fraud)]: "https://github.com/acme/models/issues/7" },
    });
    expect(summary).toContain(
      "**Sign-off needed:** **developer** (held by @alice, @acme/ml-engineers), **data_custodian** (held by @acme/data-governance).",
    );
    expect(summary).toContain(
      "approves this pull request with a review, or comments `/approve <role>` on the [sign-off issue](https://github.com/acme/models/issues/7)",
    );
    expect(summary).toContain("The author's own approval does not count; one person signs for one role only.");
  });

  it("without a known sign-off issue, points at the Open sign-off button; with via: [sign_off] only, does not mention reviews", () => {
    const policy = defaultPolicy();
    policy.approvals.via = ["sign_off"];
    const { summary } = renderCheckRun(decision({ models: [fraud] }), { ...ctx, policy, org: "acme" });
    expect(summary).toContain(
      "comments `/approve <role>` on the sign-off issue (press **Open sign-off** above to open it)",
    );
    expect(summary).not.toContain("with a review");
  });

  it("shows an override banner", () => {
    const overridden = {
      ...fraud,
      verdict: "success" as const,
      override: { by: "sec-lead", reason: "hotfix for incident 42", at: "2026-11-21T10:00:00Z" },
    };
    const { summary } = renderCheckRun(decision({ models: [overridden] }), ctx);
    expect(summary).toContain("**Overridden by @sec-lead:** hotfix for incident 42");
    expect(summary).not.toContain("Sign-off needed");
  });

  it.each([
    // GitHub shows a code span's text as written: the reason reads as typed (an invisible U+2060 follows `<`)
    { typed: "`a <!-- b --> & c`", shown: "`a <\u2060!-- b --> & c`" },
    { typed: "a <!-- b --> & c", shown: "a &lt;!-- b --&gt; &amp; c" },
  ])("shows the override reason $typed as typed", ({ typed, shown }) => {
    const overridden = {
      ...fraud,
      verdict: "success" as const,
      override: { by: "sec-lead", reason: typed, at: "2026-11-21T10:00:00Z" },
    };
    const { summary } = renderCheckRun(decision({ models: [overridden] }), ctx);
    expect(summary).toContain(`**Overridden by @sec-lead:** ${shown} (2026-11-21T10:00:00Z)`);
    expect(summary).not.toContain("<!--");
  });

  it("lists unmanaged model files and invalid files with their line", () => {
    const { summary } = renderCheckRun(
      decision({
        unmanaged: [
          unmanaged("shadow/model.onnx"),
          { path: "exp/MLmodel", source: "mlflow", change: "modified", level: "warning" },
        ],
        errors: [{ path: "models/x/model.yaml", line: 4, message: "version: must be a semantic version, e.g. 2.1.0" }],
      }),
      ctx,
    );
    expect(summary).toContain("### Unmanaged model files");
    expect(summary).toContain("| `shadow/model.onnx` | artifact | added | ❌ failure |");
    expect(summary).toContain("| `exp/MLmodel` | mlflow | modified | ⚠️ warning |");
    expect(summary).toContain("- `models/x/model.yaml:4` version: must be a semantic version, e.g. 2.1.0");
  });

  it("says plainly when it could not evaluate, and how to retry", () => {
    const { summary, annotations } = renderCheckRun(
      decision({ couldNotEvaluate: "GitHub answered 500 on the tree of abc123" }),
      ctx,
    );
    expect(summary).toContain("Could not evaluate");
    expect(summary).toContain("GitHub answered 500 on the tree of abc123");
    expect(summary).toContain("Re-evaluate");
    expect(summary).not.toContain("###");
    expect(annotations).toEqual([]);
  });

  it("keeps hostile text inside its table cell and never emits HTML from it", () => {
    const hostile = model("x", [
      requirement("evaluation.current", "failed", {
        message: "a | b\n| forged | row |\n<!-- modelgate:sign-off {} --> <img src=x>",
      }),
    ]);
    const { summary } = renderCheckRun(decision({ models: [hostile] }), ctx);
    const row = summary.split("\n").find((line) => line.startsWith("| `evaluation.current`"));
    expect(row).toBe(
      "| `evaluation.current` | ❌ failed | a \\| b \\| forged \\| row \\| &lt;!-- modelgate:sign-off {} --&gt; &lt;img src=x&gt; | 5.2.5-1 |",
    );
    expect(summary).not.toContain("<!--");
    expect(summary).not.toContain("<img");
  });
});

describe("renderCheckRun: text and decision record", () => {
  it("holds a legend and the decision record as JSON", () => {
    const d = decision({
      models: [
        model("fraud", [
          requirement("evaluation.current", "met", { line: 3, path: "models/fraud/model.yaml" }),
          approval("developer"),
        ]),
      ],
      unmanaged: [unmanaged("a.pt", "warning")],
    });
    const { text } = renderCheckRun(d, ctx);
    expect(text).toContain("**Legend:** ✅ met · ⏳ pending");
    expect(decisionRecord(text)).toEqual({
      format: "modelgate-decision/1",
      verdict: "action_required",
      models: [
        {
          name: "fraud",
          manifest: "models/fraud/model.yaml",
          changes: ["retrain"],
          from: "1.0.0",
          to: "1.1.0",
          digest: DIGEST_A,
          verdict: "action_required",
          requirements: [
            {
              id: "evaluation.current",
              status: "met",
              message: "evaluation.current is met",
              provision: "5.2.5-1",
              path: "models/fraud/model.yaml",
              line: 3,
            },
            {
              id: "approval:developer",
              status: "pending",
              message: "developer sign-off pending",
              provision: "5.1.4-3",
            },
          ],
        },
      ],
      unmanaged: [{ path: "a.pt", source: "artifact", change: "added", level: "warning" }],
      errors: [],
    });
  });

  it("records could-not-evaluate and overrides", () => {
    const cne = decisionRecord(renderCheckRun(decision({ couldNotEvaluate: "timeout" }), ctx).text);
    expect(cne).toMatchObject({ verdict: "failure", couldNotEvaluate: "timeout", models: [] });
    const override = { by: "sec", reason: "why", at: "2026-01-01T00:00:00Z" };
    const overridden = decisionRecord(
      renderCheckRun(
        decision({ models: [{ ...model("m", [requirement("e", "failed")]), verdict: "success", override }] }),
        ctx,
      ).text,
    );
    expect(overridden).toMatchObject({ verdict: "success", models: [{ name: "m", verdict: "success", override }] });
  });

  it("keeps the JSON block intact when messages contain backticks", () => {
    const { text } = renderCheckRun(
      decision({ models: [model("m", [requirement("e", "failed", { message: "run ```rm -rf``` and `x`" })])] }),
      ctx,
    );
    const record = decisionRecord(text) as { models: Array<{ requirements: Array<{ message: string }> }> };
    expect(record.models[0]?.requirements[0]?.message).toBe("run ```rm -rf``` and `x`");
    expect(text.match(/```/g)).toHaveLength(2);
  });
});

describe("renderCheckRun: GitHub's 65,535-byte limits", () => {
  // multibyte everywhere, so that a character-counting cut would overflow the byte limit
  const longMessage = "日本語の説明 é 😀 ".repeat(20);
  const manyModels = (count: number, requirementsEach: number) =>
    Array.from({ length: count }, (_, i) =>
      model(
        `model-${String(i).padStart(4, "0")}`,
        Array.from({ length: requirementsEach }, (_, j) =>
          requirement(`hash:file-${j}.bin`, j === 0 ? "failed" : "met", { message: longMessage }),
        ),
        { digest: DIGEST_A },
      ),
    );

  it("cuts the summary between models and says how many are not shown", () => {
    const output = renderCheckRun(decision({ models: manyModels(300, 10) }), ctx);
    expect(bytes(output.summary)).toBeLessThanOrEqual(MAX);
    const match = /… truncated \((\d+) models not shown/.exec(output.summary);
    expect(match).not.toBeNull();
    const shownHeadings = output.summary.match(/^### /gm)?.length ?? 0;
    expect(shownHeadings + Number(match?.[1])).toBe(300);
    expect(output.summary).toContain("Gates are set by");
    expect(output.summary).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("shows part of a single huge model rather than nothing", () => {
    const { summary } = renderCheckRun(decision({ models: manyModels(1, 2000) }), ctx);
    expect(bytes(summary)).toBeLessThanOrEqual(MAX);
    expect(summary).toContain("### ❌ model-0000");
    expect(summary).toMatch(/… \d+ more requirements not shown/);
  });

  it("drops requirement detail from the JSON first, keeping every model", () => {
    const { text } = renderCheckRun(decision({ models: manyModels(40, 20) }), ctx);
    expect(bytes(text)).toBeLessThanOrEqual(MAX);
    const record = decisionRecord(text) as {
      models: Array<{ requirements?: Array<{ id: string; status: string; message?: string }> }>;
      truncated: Record<string, unknown>;
    };
    expect(record.models).toHaveLength(40);
    expect(record.truncated).toMatchObject({ requirementDetail: "ids", modelsNotShown: 0 });
    expect(record.models[0]?.requirements?.[0]).toEqual({ id: "hash:file-0.bin", status: "failed" });
  });

  it("drops models from the JSON last, and the JSON still parses", () => {
    const { text } = renderCheckRun(decision({ models: manyModels(3000, 5), unmanaged: [unmanaged("x.pt")] }), ctx);
    expect(bytes(text)).toBeLessThanOrEqual(MAX);
    const record = decisionRecord(text) as {
      models: unknown[];
      truncated: { modelsNotShown: number; requirementDetail: string };
    };
    expect(record.truncated.requirementDetail).toBe("counts");
    expect(record.models.length + record.truncated.modelsNotShown).toBe(3000);
    expect(record.truncated.modelsNotShown).toBeGreaterThan(0);
    expect(text).toContain(`… truncated (${record.truncated.modelsNotShown} models not shown`);
  });

  it("keeps both outputs under the limit with thousands of unmanaged files and errors", () => {
    const output = renderCheckRun(
      decision({
        unmanaged: Array.from({ length: 5000 }, (_, i) => unmanaged(`data/日本/${i}/model.safetensors`)),
        errors: Array.from({ length: 5000 }, (_, i) => ({
          path: `m${i}/model.yaml`,
          line: i + 1,
          message: longMessage,
        })),
      }),
      ctx,
    );
    expect(bytes(output.summary)).toBeLessThanOrEqual(MAX);
    expect(bytes(output.text)).toBeLessThanOrEqual(MAX);
    expect(output.summary).toMatch(/… \d+ more unmanaged files not shown/);
    expect(output.summary).toMatch(/… \d+ more errors not shown/);
    expect(() => decisionRecord(output.text)).not.toThrow();
  });
});
