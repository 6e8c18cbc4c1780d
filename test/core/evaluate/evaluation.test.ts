import { describe, expect, it } from "vitest";
import type { RequirementStatus } from "../../../src/core/evaluate/types.js";
import { lineContaining, modelFiles, testPolicy } from "../../fixtures/manifests.js";
import { THREATS } from "../../fixtures/threats.js";
import { fraud, retrain, scenario } from "./scenario.js";

const baseDigest = modelFiles(fraud).digest;
const allThreats = Object.fromEntries(THREATS.map((t) => [t, "tested; mitigated"]));

interface Case {
  name: string;
  evaluation?: Record<string, unknown> | false;
  policy?: Record<string, unknown>;
  id: string;
  status: RequirementStatus;
  message: RegExp;
  /** Text on the annotated line of the manifest. */
  line?: string;
}

const cases: Case[] = [
  {
    name: "a passing record for this version and digest",
    id: "evaluation.bound",
    status: "met",
    message: /names version 1\.1\.0 and digest sha256:/,
    line: "model_digest:",
  },
  {
    name: "no record at all",
    evaluation: false,
    id: "evaluation.bound",
    status: "failed",
    message:
      /no security evaluation of version 1\.1\.0: add a record to evaluations with version: 1\.1\.0 and model_digest: sha256:[0-9a-f]{64}/,
  },
  {
    name: "a record of this version for other artefacts",
    evaluation: { model_digest: baseDigest },
    id: "evaluation.bound",
    status: "failed",
    message: new RegExp(`evaluation is for digest ${baseDigest}, the artefacts are sha256:[0-9a-f]{64}`),
    line: `model_digest: ${baseDigest}`,
  },
  {
    name: "a failed result",
    evaluation: { result: "fail" },
    id: "evaluation.result",
    status: "failed",
    message: /failed \(result: fail\)/,
    line: "result: fail",
  },
  { name: "a passing result", id: "evaluation.result", status: "met", message: /^result: pass/ },
  {
    name: "an evaluation older than max_age_days",
    evaluation: { date: "2026-05-01" },
    id: "evaluation.current",
    status: "failed",
    message: /214 days old, older than 180 days/,
    line: "date: 2026-05-01",
  },
  {
    name: "a custom max_age_days",
    evaluation: { date: "2026-11-20" },
    policy: { evaluation: { max_age_days: 7 } },
    id: "evaluation.current",
    status: "failed",
    message: /11 days old, older than 7 days/,
  },
  {
    name: "a current evaluation",
    id: "evaluation.current",
    status: "met",
    message: /evaluated 2026-11-20, 11 days ago/,
  },
  {
    name: "a date-time evaluation",
    evaluation: { date: "2026-11-30T09:00:00Z" },
    id: "evaluation.current",
    status: "met",
    message: /evaluated 2026-11-30T09:00:00Z, 1 day ago \(at most 180 days\)/,
  },
  {
    name: "an evaluation dated in the future",
    evaluation: { date: "2026-12-03" },
    id: "evaluation.current",
    status: "failed",
    message: /in the future/,
  },
  {
    name: "a date-time in the future",
    evaluation: { date: "2026-12-01T13:00:00Z" },
    id: "evaluation.current",
    status: "failed",
    message: /in the future/,
  },
  {
    name: "today's date where it is already tomorrow (UTC+14) is not the future",
    evaluation: { date: "2026-12-02" },
    id: "evaluation.current",
    status: "met",
    message: /evaluated 2026-12-02/,
  },
  {
    name: "an evaluator who authored the change",
    evaluation: { evaluator: "Author" },
    id: "evaluation.independent",
    status: "failed",
    message: /evaluator @Author is an author of this change/,
    line: "evaluator: Author",
  },
  {
    name: "an independent evaluator",
    id: "evaluation.independent",
    status: "met",
    message: /@evaluator is not an author/,
  },
  {
    name: "a threat not addressed",
    evaluation: { threats: { ...allThreats, evasion: undefined, model_extraction: undefined } },
    id: "evaluation.threats",
    status: "failed",
    message: /does not address model_extraction, evasion/,
  },
  {
    name: "every threat addressed",
    id: "evaluation.threats",
    status: "met",
    message: /addresses data_poisoning, model_inversion, membership_inference, model_extraction, evasion/,
  },
  {
    name: "threats of a custom policy",
    policy: { evaluation: { threats: ["prompt_injection"] } },
    id: "evaluation.threats",
    status: "failed",
    message: /does not address prompt_injection/,
  },
];

describe("evaluation requirements (5.2.5-1, 5.2.5-2, 5.2.5-2.1, 5.1.3-1)", () => {
  it.each(cases)("$name: $id $status", ({ evaluation, policy, id, status, message, line }) => {
    const s = scenario({
      head: evaluation === undefined ? {} : { evaluation },
      ...(policy ? { policy: testPolicy(policy) } : {}),
    });
    const requirement = s.req(id);
    expect(requirement.status).toBe(status);
    expect(requirement.message).toMatch(message);
    expect(requirement.path).toBe("models/fraud/model.yaml");
    if (line) expect(requirement.line).toBe(lineContaining(s.head.yaml, line));
  });

  it("a failing requirement fails the model and the decision", () => {
    const s = scenario({ head: { evaluation: { result: "fail" } } });
    expect(s.model.verdict).toBe("failure");
    expect(s.decision.verdict).toBe("failure");
  });

  it("with every requirement met and both roles approved, the retrain passes", () => {
    const s = scenario();
    expect(s.model.requirements.filter((r) => r.status !== "met")).toEqual([]);
    expect(s.model.verdict).toBe("success");
    expect(s.decision.verdict).toBe("success");
    expect(s.model).toMatchObject({
      name: "fraud",
      kinds: ["retrain"],
      from: "1.0.0",
      to: "1.1.0",
      digest: s.head.digest,
    });
  });

  it("the newest record for the digest counts: a later failure replaces an earlier pass", () => {
    const digest = modelFiles({ ...fraud, ...retrain }).digest;
    const record = {
      version: "1.1.0",
      model_digest: digest,
      date: "2026-11-20",
      evaluator: "evaluator",
      result: "pass",
      threats: allThreats,
    };
    const s = scenario({ head: { evaluations: [record, { ...record, date: "2026-11-25", result: "fail" }] } });
    expect(s.req("evaluation.result").status).toBe("failed");
  });

  it.each([
    ["an evaluator who is an author", "author"],
    ["an evaluator who is not", "evaluator"],
  ])(
    "attack: offline (no authors known), independence of %s is pending 'not checked offline', never met",
    (_case, evaluator) => {
      const s = scenario({ head: { evaluation: { evaluator } }, facts: { available: false, authors: [] } });
      expect(s.req("evaluation.independent")).toMatchObject({
        status: "pending",
        message: expect.stringMatching(/^not checked offline:/),
        provision: "5.2.5-2.1",
      });
      expect(s.model.verdict).toBe("action_required");
    },
  );

  it("independence is not required when the policy says so", () => {
    const s = scenario({
      head: { evaluation: { evaluator: "author" } },
      policy: testPolicy({ evaluation: { independent: false } }),
    });
    expect(s.ids("evaluation.")).toEqual([
      "evaluation.bound",
      "evaluation.result",
      "evaluation.current",
      "evaluation.threats",
    ]);
  });

  it("a change kind whose gate needs no evaluation is not asked for one", () => {
    const s = scenario({
      head: { version: "1.0.0", components: fraud.components, description: "new words", evaluation: false },
    });
    expect(s.model.kinds).toEqual(["metadata"]);
    expect(s.ids("evaluation.")).toEqual([]);
  });

  it("each requirement names the provision it evidences", () => {
    const s = scenario();
    expect(
      Object.fromEntries(
        s.model.requirements.filter((r) => r.id.startsWith("evaluation.")).map((r) => [r.id, r.provision]),
      ),
    ).toEqual({
      "evaluation.bound": "5.2.5-1",
      "evaluation.result": "5.2.5-1",
      "evaluation.current": "5.2.5-2",
      "evaluation.independent": "5.2.5-2.1",
      "evaluation.threats": "5.1.3-1",
    });
  });
});
