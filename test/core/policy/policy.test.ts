import { describe, expect, it } from "vitest";
import { parsePolicy, validatePolicy, POLICY_PATH } from "../../../src/core/policy/load-policy.js";
import { defaultPolicy, DEFAULT_GATES, CHANGE_KINDS } from "../../../src/core/policy/schema.js";

/** The defaults docs/configuration.md documents, transcribed by hand: every default a user gets without a policy file. */
const DOCUMENTED_DEFAULTS = {
  models: {
    manifests: ["**/model.yaml"],
    artifacts: [
      "**/*.safetensors",
      "**/*.onnx",
      "**/*.pt",
      "**/*.pth",
      "**/*.ckpt",
      "**/*.gguf",
      "**/*.h5",
      "**/*.keras",
      "**/*.pb",
      "**/*.tflite",
      "**/*.pkl",
      "**/*.joblib",
      "**/*.bin",
      "**/*.mlmodel",
      "**/*.npz",
      "**/*.jit",
      "**/*.ptl",
      "**/*.torchscript",
      "**/*.caffemodel",
      "**/*.mar",
      "**/*.engine",
      "**/*.ggml",
      "**/*.llamafile",
      "**/*.msgpack",
    ],
  },
  roles: {
    developer: { teams: ["ml-engineers"], users: [] },
    system_operator: { teams: ["platform-ops"], users: [] },
    data_custodian: { teams: ["data-governance"], users: [] },
  },
  gates: {
    new_model: { evaluation: true, approvals: ["developer", "system_operator", "data_custodian"] },
    retrain: { evaluation: true, approvals: ["developer", "system_operator"] },
    training_data: { evaluation: true, approvals: ["data_custodian"] },
    configuration: { evaluation: true, approvals: ["developer"] },
    version_bump: { evaluation: true, approvals: ["developer"] },
    decommission: { evaluation: false, approvals: ["system_operator", "data_custodian"] },
    metadata: { evaluation: false, approvals: [] },
  },
  approvals: { via: ["review", "sign_off"], allow_author: false, distinct_people: true, invalidate_on_push: true },
  overrides: { roles: ["security"] },
  regression: { metrics: [], missing: "fail" },
  evaluation: {
    max_age_days: 180,
    notice_days: 30,
    independent: true,
    threats: ["data_poisoning", "model_inversion", "membership_inference", "model_extraction", "evasion"],
  },
  supply_chain: {
    require_hashes: true,
    require_data_provenance: true,
    formats: "fail",
    signatures: { require: false, signers: [] },
    provenance: { require: false, workflows: [] },
  },
  unmanaged_artifacts: "fail",
  deployments: { environments: ["production"], approve_others: false },
  rollback: "known_good",
  documentation: { require: [] },
  release: { on_failure: "comment", attach_bom: true },
  end_of_life: {
    labels: ["model-eol"],
    checklist: [
      "Disable serving endpoints and API keys",
      "Delete or archive weights and checkpoints (every copy and registry)",
      "Dispose of training and evaluation data per retention terms",
      "Remove configuration, secrets and prompts",
      "Revoke credentials",
      "Update the asset inventory",
      "Record disposal evidence",
    ],
  },
  training: { require: false, admins: "system_operator", notice_days: 30 },
  governance: { documents: [], disclosure_policy: false },
};

function policyOf(text: string | undefined) {
  const result = parsePolicy(text);
  if (!result.ok) throw new Error(`unexpected errors ${JSON.stringify(result.errors)}`);
  return result.policy;
}

function errorsOf(text: string) {
  const result = parsePolicy(text);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("policy defaults (docs/configuration.md)", () => {
  it("the built-in policy is exactly the documented one", () => {
    expect(defaultPolicy()).toEqual(DOCUMENTED_DEFAULTS);
  });

  it.each([
    { name: "no file", text: undefined },
    { name: "an empty file", text: "" },
    { name: "a file with only comments", text: "# nothing here\n" },
    { name: "an empty mapping", text: "{}\n" },
  ])("$name means the defaults", ({ text }) => {
    expect(policyOf(text)).toEqual(DOCUMENTED_DEFAULTS);
  });

  it("a gate names only what it changes; other fields and gates keep their defaults", () => {
    const policy = policyOf("gates:\n  retrain:\n    approvals: [developer]\n  metadata:\n    evaluation: true\n");
    expect(policy.gates.retrain).toEqual({ evaluation: true, approvals: ["developer"] });
    expect(policy.gates.metadata).toEqual({ evaluation: true, approvals: [] });
    for (const kind of CHANGE_KINDS.filter((k) => k !== "retrain" && k !== "metadata"))
      expect(policy.gates[kind]).toEqual(DEFAULT_GATES[kind]);
  });

  it("declaring a further role keeps the accountable roles' default holders", () => {
    const policy = policyOf("roles:\n  security:\n    users: [sec-lead]\n  developer:\n    users: [alice]\n");
    expect(policy.roles).toEqual({
      developer: { teams: [], users: ["alice"] },
      system_operator: { teams: ["platform-ops"], users: [] },
      data_custodian: { teams: ["data-governance"], users: [] },
      security: { teams: [], users: ["sec-lead"] },
    });
  });

  it("a section given in part keeps the defaults of its other fields", () => {
    const policy = policyOf("approvals:\n  allow_author: true\nevaluation:\n  max_age_days: 90\n");
    expect(policy.approvals).toEqual({ ...DOCUMENTED_DEFAULTS.approvals, allow_author: true });
    expect(policy.evaluation).toEqual({ ...DOCUMENTED_DEFAULTS.evaluation, max_age_days: 90 });
  });

  it("accepts Probot's _extends", () => {
    expect(policyOf("_extends: .github\n")._extends).toBe(".github");
  });
});

describe("policy errors name the file and line", () => {
  it.each([
    {
      name: "unknown top-level key",
      text: "models:\n  manifests: ['**/model.yaml']\nunmanaged_artifact: warn\n",
      line: 3,
      message: 'unknown key "unmanaged_artifact"',
    },
    {
      name: "unknown nested key",
      text: "approvals:\n  via: [review]\n  allow_authors: true\n",
      line: 3,
      message: 'approvals: unknown key "allow_authors"',
    },
    {
      name: "unknown change kind under gates",
      text: "gates:\n  retrained:\n    evaluation: true\n",
      line: 2,
      message: 'gates: unknown key "retrained"',
    },
    {
      name: "bad enum",
      text: "release:\n  on_failure: comment\nunmanaged_artifacts: block\n",
      line: 3,
      message: /^unmanaged_artifacts: Invalid option: expected one of "fail"\|"warn"\|"off"$/,
    },
    {
      name: "bad enum in a list",
      text: "approvals:\n  via:\n    - review\n    - email\n",
      line: 4,
      message: /^approvals\.via\[1\]: Invalid option/,
    },
    {
      name: "gate naming an undeclared role",
      text: "gates:\n  new_model:\n    approvals:\n      - developer\n      - auditor\n",
      line: 5,
      message: 'gates.new_model.approvals[1]: role "auditor" is not declared under roles',
    },
    {
      name: "gate naming a role that only Object.prototype has",
      text: "gates:\n  retrain:\n    approvals: [constructor]\n",
      line: 3,
      message: 'gates.retrain.approvals[0]: role "constructor" is not declared under roles',
    },
    {
      name: "wrong type",
      text: "evaluation:\n  max_age_days: soon\n",
      line: 2,
      message: /^evaluation\.max_age_days: /,
    },
    { name: "zero days", text: "evaluation:\n  max_age_days: 0\n", line: 2, message: /^evaluation\.max_age_days: / },
    { name: "no approval channel", text: "approvals:\n  via: []\n", line: 2, message: /^approvals\.via: / },
    {
      name: "a team written with its org",
      text: "roles:\n  developer:\n    teams: ['acme/ml']\n",
      line: 3,
      message: /^roles\.developer\.teams\[0\]: not a team slug/,
    },
    { name: "invalid YAML", text: "roles: [\n", line: 2, message: /^invalid YAML: / },
    { name: "not a mapping", text: "- a\n- b\n", line: 1, message: /expected object/ },
  ])("$name", ({ text, line, message }) => {
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe(POLICY_PATH);
    expect(errors[0]?.line).toBe(line);
    if (typeof message === "string") expect(errors[0]?.message).toBe(message);
    else expect(errors[0]?.message).toMatch(message);
  });

  it("one error per unknown key, each at its own line", () => {
    expect(errorsOf("a: 1\nmodels: {}\nb: 2\n").map((e) => [e.line, e.message])).toEqual([
      [1, 'unknown key "a"'],
      [3, 'unknown key "b"'],
    ]);
  });

  it("an invalid role holder does not also report the default roles as undeclared", () => {
    expect(errorsOf("roles:\n  developer:\n    users: ['not a login']\n").map((e) => e.message)).toEqual([
      "roles.developer.users[0]: not a GitHub login",
    ]);
  });

  it("names the file it was given", () => {
    const result = parsePolicy("bogus: 1\n", "org/.github/modelgate.yml");
    expect(result.ok ? [] : result.errors).toEqual([
      { path: "org/.github/modelgate.yml", line: 1, message: 'unknown key "bogus"' },
    ]);
  });

  it("validatePolicy checks an object merged by Probot's config plugin, at line 1 without a source", () => {
    const result = validatePolicy({ unmanaged_artifacts: "nope" });
    expect(result.ok ? [] : result.errors).toEqual([
      {
        path: POLICY_PATH,
        line: 1,
        message: 'unmanaged_artifacts: Invalid option: expected one of "fail"|"warn"|"off"',
      },
    ]);
    expect(validatePolicy(null)).toEqual({ ok: true, policy: DOCUMENTED_DEFAULTS });
  });
});

describe("supply_chain.signatures and supply_chain.provenance (docs/supply-chain.md)", () => {
  it("accepts the three kinds of signer and signer workflows", () => {
    const parsed = validatePolicy(
      {
        supply_chain: {
          signatures: {
            require: true,
            signers: [
              {
                issuer: "https://token.actions.githubusercontent.com",
                identity: "https://github.com/acme/models/.github/workflows/sign.yml@refs/heads/main",
              },
              { public_key: ".github/modelgate/signing-key.pub" },
              { certificate_chain: ".github/modelgate/ca.pem" },
            ],
          },
          provenance: { require: true, workflows: ["acme/models/.github/workflows/train.yml@refs/heads/main"] },
        },
      },
      ".github/modelgate.yml",
    );
    expect(parsed.ok).toBe(true);
  });
  it.each([
    [
      "a signer of two kinds at once",
      { signatures: { signers: [{ public_key: "a.pem", certificate_chain: "b.pem" }] } },
    ],
    ["a key outside the repository", { signatures: { signers: [{ public_key: "../keys/a.pem" }] } }],
    ["an issuer that is not a URL", { signatures: { signers: [{ issuer: "github", identity: "x" }] } }],
    ["a workflow without a ref", { provenance: { workflows: ["acme/models/.github/workflows/train.yml"] } }],
  ])("rejects %s", (_name, supply_chain) => {
    expect(validatePolicy({ supply_chain }, ".github/modelgate.yml").ok).toBe(false);
  });
});
