import { describe, expect, it } from "vitest";
import { judgeDeployment, type DeploymentBaseline } from "../../../src/core/deploy/judge-deployment.js";
import { detectChanges } from "../../../src/core/detect/detect-changes.js";
import { requiredRoles } from "../../../src/core/evaluate/approval-requirements.js";
import { evaluateGate, placesSeen } from "../../../src/core/evaluate/evaluate-gate.js";
import type { Decision, SignOffComment } from "../../../src/core/evaluate/types.js";
import { CHANGE_KINDS, type ChangeKind, type Policy } from "../../../src/core/policy/schema.js";
import { judgeReleaseModels, NO_SIGN_OFF_ISSUE_YET, releasePolicy } from "../../../src/core/release/judge-release.js";
import { approvalRole } from "../../../src/core/render/requirement-kinds.js";
import { issueReplayContext } from "../../../src/core/sign-off/issue.js";
import { replaySignOffs } from "../../../src/core/sign-off/replay.js";
import { signOffIntent, signOffKey } from "../../../src/core/sign-off/subject.js";
import { TEST_NOW } from "../../fixtures/clock.js";
import { approvalFacts, DEFAULT_TRAINING_DATA, modelFiles, snapshot, testPolicy } from "../../fixtures/manifests.js";
import { random } from "../../fixtures/random.js";

/**
 * Property: whatever the policy, the change, the baseline and the sign-offs, every approval a
 * gate (pull request, release, deployment) still asks for is one the model version's sign-off
 * issue accepts from a holder who is not an author, and a release or deployment of a version
 * without an issue says how to get one. A rejection never names something nobody can provide.
 */
const ROLES = ["developer", "system_operator", "data_custodian", "security"] as const;
const HOLDER: Record<string, string> = {
  developer: "dev1",
  system_operator: "ops1",
  data_custodian: "custodian1",
  security: "sec1",
};
const KINDS: ReadonlyArray<ChangeKind> = CHANGE_KINDS;
const VIAS: Array<Policy["approvals"]["via"]> = [["sign_off"], ["review", "sign_off"], ["review"]];

interface ModelState {
  weights: number;
  prompt: number;
  data: number;
  description: number;
  minor: number;
  decommissioned: boolean;
}

function files(state: ModelState) {
  return modelFiles({
    dir: "models/fraud",
    name: "fraud",
    version: `1.${state.minor}.0`,
    ...(state.decommissioned ? { status: "decommissioned" as const } : {}),
    description: `description ${state.description}`,
    components: {
      "weights/model.safetensors": { kind: "weights", lfs: `weights ${state.weights}` },
      "prompt.txt": { kind: "prompt", text: `prompt ${state.prompt}\n` },
    },
    training_data: [{ ...DEFAULT_TRAINING_DATA, name: `data-${state.data}` }],
    evaluation: { evaluator: "eve" },
  });
}

/** A later state: some of the artefacts and fields changed, the version raised when an artefact did. */
function next(state: ModelState, rand: () => number): ModelState {
  const later = { ...state };
  if (rand() < 0.4) later.weights++;
  if (rand() < 0.3) later.prompt++;
  if (rand() < 0.3) later.data++;
  if (rand() < 0.3) later.description++;
  if (rand() < 0.7) later.minor++;
  if (rand() < 0.1) later.decommissioned = true;
  return later;
}

function randomPolicy(rand: () => number): Policy {
  const gates = Object.fromEntries(
    KINDS.map((kind) => [kind, { approvals: ROLES.filter(() => rand() < 0.4), evaluation: rand() < 0.8 }]),
  );
  return testPolicy({ gates, approvals: { via: VIAS[Math.floor(rand() * VIAS.length)] } });
}

/** Every approval asked for is accepted by the version's issue; a version without an issue is told how to get one. */
function expectProvidable(decision: Decision, policy: Policy, prRoles: string[], gate: string, hasIssue: boolean) {
  for (const model of decision.models) {
    if (model.verdict === "success") continue;
    for (const requirement of model.requirements) {
      const role = approvalRole(requirement);
      if (requirement.status === "pending") expect(role, `${gate}: only approvals wait`).toBeDefined();
      if (role === undefined || requirement.status === "met") continue;
      expect(Object.hasOwn(policy.roles, role), `${gate}: ${role} is a role of the policy`).toBe(true);
      const intent = signOffIntent(model.kinds);
      const tracking = {
        manifestPath: model.manifestPath,
        kinds: model.kinds,
        pulls: [{ number: 7, author: "author", roles: prRoles }],
      };
      const replayed = replaySignOffs(
        [{ id: 1, login: HOLDER[role]!, body: `/approve ${role}`, createdAt: "2026-11-30T10:00:00Z", edited: false }],
        issueReplayContext(policy, { intent }, tracking, { authors: ["author"], teamMembership: {}, org: "acme" }),
      );
      expect(replayed.outcomes[0], `${gate}: the issue accepts /approve ${role} (${model.kinds.join(", ")})`).toEqual(
        expect.objectContaining({ accepted: true }),
      );
      if (gate !== "pull request" && !hasIssue) expect(requirement.message).toContain(NO_SIGN_OFF_ISSUE_YET);
    }
  }
}

describe("every approval a gate asks for can be given on the sign-off issue", () => {
  it.each(Array.from({ length: 150 }, (_, i) => i + 1))("scenario %i", (seed) => {
    const rand = random(seed);
    const policy = randomPolicy(rand);
    const start: ModelState = { weights: 0, prompt: 0, data: 0, description: 0, minor: 0, decommissioned: false };
    const released = next(start, rand);
    const prBase = next(released, rand);
    const prHead = next(prBase, rand);
    const empty = snapshot({}, "empty");
    const releasedAt = snapshot(files(released).files, "released");
    const baseAt = rand() < 0.2 ? empty : snapshot(files(prBase).files, "pr-base");
    const head = files(prHead);
    const headAt = snapshot(head.files, "deployed");

    // the pull request gate, and the roles its change needs (what the issue tracks)
    const prDetected = detectChanges(policy, baseAt, headAt);
    const prKinds = prDetected.changes[0]?.kinds ?? [];
    const prRoles = requiredRoles(policy, prKinds);
    const hasIssue = rand() < 0.5;
    const key = signOffKey({ name: "fraud", digest: head.digest, kinds: prKinds.length > 0 ? prKinds : ["retrain"] });
    const given = ROLES.filter(() => hasIssue && rand() < 0.5);
    const signOffs: Record<string, SignOffComment[]> = hasIssue
      ? {
          [key]: given.map((role, i) => ({
            id: i + 1,
            login: HOLDER[role]!,
            body: `/approve ${role}`,
            createdAt: `2026-11-30T10:0${i}:00Z`,
            edited: false,
          })),
        }
      : {};
    const facts = approvalFacts({
      signOffs,
      signOffIssues: hasIssue ? { [key]: "https://github.com/acme/models/issues/41" } : {},
    });
    const pr = evaluateGate({ policy, base: baseAt, head: headAt, facts, now: TEST_NOW, detected: prDetected });
    expectProvidable(pr, policy, prRoles, "pull request", hasIssue);

    // the release and deployment gates, against each baseline they may use
    const releaseFacts = { ...facts, authors: [], reviews: [] };
    const authors = new Map([[key, ["author"]]]);
    const baselines: Array<[DeploymentBaseline, typeof empty]> = [
      [{ kind: "deployment", commit: "a".repeat(40), environment: "production" }, releasedAt],
      [{ kind: "release", tag: "v1", commit: "b".repeat(40) }, releasedAt],
      [{ kind: "merge", commit: "c".repeat(40), pullRequest: 7 }, baseAt],
      [{ kind: "none" }, empty],
    ];
    for (const [baseline, base] of baselines) {
      const judged = releasePolicy(policy);
      const detected = detectChanges(judged, base, headAt);
      const input = { policy: judged, base, head: headAt, facts: releaseFacts, now: TEST_NOW, detected };
      const release = judgeReleaseModels(input, authors, policy);
      expectProvidable(release, policy, prRoles, `release (${baseline.kind})`, hasIssue);
      const deployment = judgeDeployment(release, detected, policy, TEST_NOW, baseline, placesSeen({}, detected));
      expectProvidable(deployment, policy, prRoles, `deployment (${baseline.kind})`, hasIssue);
    }
  });
});
