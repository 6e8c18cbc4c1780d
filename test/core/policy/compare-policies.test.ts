import { describe, expect, it } from "vitest";
import { comparePolicies } from "../../../src/core/policy/compare-policies.js";
import { parsePolicy } from "../../../src/core/policy/load-policy.js";
import type { Policy } from "../../../src/core/policy/schema.js";

function policy(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const DEFAULTS = policy("");

describe("comparePolicies", () => {
  it("finds no difference between a policy and itself, or the defaults written out", () => {
    expect(comparePolicies(DEFAULTS, DEFAULTS)).toEqual([]);
    expect(
      comparePolicies(DEFAULTS, policy("approvals: { allow_author: false }\nunmanaged_artifacts: fail\n")),
    ).toEqual([]);
  });

  it.each([
    [
      "gates:\n  retrain: { evaluation: false }\n",
      { setting: "gates.retrain.evaluation", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "gates:\n  retrain: { approvals: [developer] }\n",
      { setting: "gates.retrain.approvals", from: "developer, system_operator", to: "developer", effect: "weakens" },
    ],
    [
      "gates:\n  metadata: { approvals: [developer] }\n",
      { setting: "gates.metadata.approvals", from: "(none)", to: "developer", effect: "strengthens" },
    ],
    [
      "gates:\n  metadata: { evaluation: true }\n",
      { setting: "gates.metadata.evaluation", from: "false", to: "true", effect: "strengthens" },
    ],
    [
      "approvals: { allow_author: true }\n",
      { setting: "approvals.allow_author", from: "false", to: "true", effect: "weakens" },
    ],
    [
      "approvals: { distinct_people: false }\n",
      { setting: "approvals.distinct_people", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "approvals: { invalidate_on_push: false }\n",
      { setting: "approvals.invalidate_on_push", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "approvals: { via: [sign_off] }\n",
      { setting: "approvals.via", from: "review, sign_off", to: "sign_off", effect: "strengthens" },
    ],
    [
      "overrides: { roles: [security, developer] }\n",
      { setting: "overrides.roles", from: "security", to: "security, developer", effect: "weakens" },
    ],
    [
      "overrides: { roles: [] }\n",
      { setting: "overrides.roles", from: "security", to: "(none)", effect: "strengthens" },
    ],
    [
      "evaluation: { max_age_days: 365 }\n",
      { setting: "evaluation.max_age_days", from: "180", to: "365", effect: "weakens" },
    ],
    [
      "evaluation: { max_age_days: 90 }\n",
      { setting: "evaluation.max_age_days", from: "180", to: "90", effect: "strengthens" },
    ],
    [
      "evaluation: { independent: false }\n",
      { setting: "evaluation.independent", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "evaluation: { threats: [data_poisoning] }\n",
      {
        setting: "evaluation.threats",
        from: "data_poisoning, model_inversion, membership_inference, model_extraction, evasion",
        to: "data_poisoning",
        effect: "weakens",
      },
    ],
    [
      "supply_chain: { require_hashes: false }\n",
      { setting: "supply_chain.require_hashes", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "supply_chain: { require_data_provenance: false }\n",
      { setting: "supply_chain.require_data_provenance", from: "true", to: "false", effect: "weakens" },
    ],
    ["unmanaged_artifacts: warn\n", { setting: "unmanaged_artifacts", from: "fail", to: "warn", effect: "weakens" }],
    [
      "supply_chain: { formats: off }\n",
      { setting: "supply_chain.formats", from: "fail", to: "off", effect: "weakens" },
    ],
    [
      "release: { on_failure: draft }\n",
      { setting: "release.on_failure", from: "comment", to: "draft", effect: "strengthens" },
    ],
    [
      "release: { attach_bom: false }\n",
      { setting: "release.attach_bom", from: "true", to: "false", effect: "weakens" },
    ],
    [
      "end_of_life: { checklist: [Revoke credentials] }\n",
      expect.objectContaining({ setting: "end_of_life.checklist", to: "Revoke credentials", effect: "weakens" }),
    ],
    [
      "end_of_life: { labels: [retire] }\n",
      { setting: "end_of_life.labels", from: "model-eol", to: "retire", effect: "changes" },
    ],
    [
      "models: { artifacts: ['**/*.onnx'] }\n",
      expect.objectContaining({ setting: "models.artifacts", to: "**/*.onnx", effect: "weakens" }),
    ],
    [
      "roles:\n  developer: { users: [mallory] }\n",
      { setting: "roles.developer", from: "team ml-engineers", to: "@mallory", effect: "changes" },
    ],
    [
      "roles:\n  security: { teams: [appsec] }\n",
      { setting: "roles.security", from: "not declared", to: "team appsec", effect: "changes" },
    ],
  ])("proposed %j -> %o", (yaml, difference) => {
    expect(comparePolicies(DEFAULTS, policy(yaml))).toEqual([difference]);
  });

  it("reports a policy that tightens one thing and loosens another as both, in settings order", () => {
    const proposed = policy("gates:\n  metadata: { approvals: [developer] }\nevaluation: { independent: false }\n");
    expect(comparePolicies(DEFAULTS, proposed).map((d) => [d.setting, d.effect])).toEqual([
      ["gates.metadata.approvals", "strengthens"],
      ["evaluation.independent", "weakens"],
    ]);
  });

  it("sees the reverse change of a weakening as a strengthening", () => {
    const weak = policy("unmanaged_artifacts: off\n");
    expect(comparePolicies(weak, DEFAULTS)).toEqual([
      { setting: "unmanaged_artifacts", from: "off", to: "fail", effect: "strengthens" },
    ]);
  });
});
