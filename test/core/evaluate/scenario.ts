/** A retrain of one model, judged by evaluateGate: each test changes one thing and looks at one requirement. */
import { evaluateGate } from "../../../src/core/evaluate/evaluate-gate.js";
import type {
  ApprovalFacts,
  Decision,
  ModelVerdict,
  Requirement,
  Review,
  SignOffComment,
} from "../../../src/core/evaluate/types.js";
import type { Policy } from "../../../src/core/policy/schema.js";
import {
  approvalFacts,
  modelFiles,
  snapshot,
  testPolicy,
  type FileSpec,
  type ModelFixture,
  type ModelSpec,
} from "../../fixtures/manifests.js";
import { TEST_NOW } from "../../fixtures/clock.js";

export const HEAD_SHA = approvalFacts().headSha;

export const fraud: ModelSpec = {
  dir: "models/fraud",
  components: {
    "weights/model.safetensors": { kind: "weights", lfs: "weights v1" },
    "prompts/system.txt": { kind: "prompt", text: "You are a fraud analyst." },
  },
};

/** The retrain every scenario starts from: new weights, version 1.1.0, a valid evaluation. */
export const retrain: Partial<ModelSpec> = {
  version: "1.1.0",
  components: { ...fraud.components, "weights/model.safetensors": { kind: "weights", lfs: "weights v2" } },
};

export function review(login: string, overrides: Partial<Review> = {}): Review {
  return { login, state: "APPROVED", commitId: HEAD_SHA, submittedAt: "2026-11-30T10:00:00Z", ...overrides };
}

let nextCommentId = 1;
export function comment(login: string, body: string, overrides: Partial<SignOffComment> = {}): SignOffComment {
  const id = nextCommentId++;
  return {
    id,
    login,
    body,
    createdAt: `2026-11-30T10:${String(id % 60).padStart(2, "0")}:00Z`,
    edited: false,
    ...overrides,
  };
}

/** Both retrain roles approved by reviews on the head commit. */
export const approvedByReviews: Partial<ApprovalFacts> = { reviews: [review("dev1"), review("ops1")] };

export interface Scenario {
  decision: Decision;
  model: ModelVerdict;
  head: ModelFixture;
  req(id: string): Requirement;
  ids(prefix: string): string[];
}

export function scenario(
  options: {
    head?: Partial<ModelSpec>;
    facts?: Partial<ApprovalFacts> | ((head: ModelFixture) => Partial<ApprovalFacts>);
    policy?: Policy;
    extraHeadFiles?: Record<string, FileSpec>;
    base?: Partial<ModelSpec> | null;
  } = {},
): Scenario {
  const base = options.base === null ? undefined : modelFiles({ ...fraud, ...options.base });
  const head = modelFiles({ ...fraud, ...retrain, ...options.head });
  const facts = approvalFacts(
    typeof options.facts === "function" ? options.facts(head) : (options.facts ?? approvedByReviews),
  );
  const decision = evaluateGate({
    policy: options.policy ?? testPolicy(),
    base: snapshot(base?.files ?? {}, "base"),
    head: snapshot({ ...head.files, ...options.extraHeadFiles }, "head"),
    facts,
    now: TEST_NOW,
  });
  const model = decision.models.find((m) => m.name === "fraud");
  if (!model) throw new Error(`no verdict for fraud: ${JSON.stringify(decision)}`);
  return {
    decision,
    model,
    head,
    req(id) {
      const found = model.requirements.find((r) => r.id === id);
      if (!found) throw new Error(`no requirement ${id} in ${model.requirements.map((r) => r.id).join(", ")}`);
      return found;
    },
    ids: (prefix) => model.requirements.filter((r) => r.id.startsWith(prefix)).map((r) => r.id),
  };
}
