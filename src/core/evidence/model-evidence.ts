import { rolesAnyGateMayRequire } from "../evaluate/approval-requirements.js";
import type { ApprovalFacts } from "../evaluate/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { Policy } from "../policy/schema.js";
import {
  replayContext,
  replaySignOffs,
  type ReplayContext,
  type ReplayPeople,
  type SignOffState,
} from "../sign-off/replay.js";
import { signOffKey, type SignOffIntent } from "../sign-off/subject.js";
import { countingEvaluation, type CountingEvaluation, type EvidenceCopy } from "./evaluation.js";

/** The manifests of one place a gate can see (the base, the default branch, a release). */
export interface ModelsAt {
  /** As the user knows the place: "the base branch", "the default branch", "release v3". */
  where: string;
  models: ReadonlyArray<LoadedManifest>;
}

/** A model version whose evidence is asked for: model M at digest D, with the intent of its change. */
export interface EvidenceSubject {
  name: string;
  version: string;
  digest: string;
  intent: SignOffIntent;
}

export interface ModelVersionEvidenceInput {
  policy: Policy;
  subject: EvidenceSubject;
  /** The manifest under judgement (the commit being gated). */
  judged: LoadedManifest;
  /** Every other place the gate can see: their copies of the model's manifest hold records too. */
  elsewhere: ReadonlyArray<ModelsAt>;
  /**
   * People facts when they could be read (absent offline: no sign-off is then known). `authors`
   * must already hold every author of the version (authorsOf).
   */
  facts?: ApprovalFacts;
  /** The roles the asking gate requires of this version (its change kinds' gates). */
  requiredRoles: string[];
}

/** "Which evaluation, which sign-offs count for this model version?" — the one answer every gate gets. */
export interface ModelVersionEvidence {
  /** The sign-off key of the subject (core/sign-off/subject.ts). */
  key: string;
  evaluation: CountingEvaluation | undefined;
  /** Every copy the evaluation was chosen from, the judged one first. */
  copies: EvidenceCopy[];
  /** Standing sign-offs replayed from the subject's sign-off issue; undefined offline. */
  signOffs: SignOffState | undefined;
}

/**
 * The evidence of model M at digest D (docs/architecture.md "Where each rule lives"): the
 * evaluation that counts (countingEvaluation over every copy of the manifest the gate can see)
 * and the sign-offs that stand (the replay of the subject's sign-off issue, by the live team
 * membership). The PR gate, the release gate, the deployment gate, known good rollback, the CLI
 * and the audit ask this; the daily run and the ML-BOM ask its evaluation part (evidenceCopies +
 * countingEvaluation) as they have no sign-offs to replay.
 */
export function modelVersionEvidence(input: ModelVersionEvidenceInput): ModelVersionEvidence {
  const { policy, subject, judged, facts } = input;
  const key = signOffKey({ name: subject.name, digest: subject.digest, intent: subject.intent });
  const copies = evidenceCopies(judged, subject.name, input.elsewhere);
  const evaluation = countingEvaluation(subject, copies);
  const signOffs = facts?.available
    ? replaySignOffs(
        Object.hasOwn(facts.signOffs, key) ? (facts.signOffs[key] ?? []) : [],
        subjectReplayContext(policy, facts, input.requiredRoles, subject.intent),
      )
    : undefined;
  return { key, evaluation, copies, signOffs };
}

/**
 * The one replay context of a sign-off subject, for the gates, the command replies, the issue
 * table and the audit alike: `requiredRoles` those the asking gate needs, and the roles accepted
 * every role some gate of the policy may ask of the version for its intent (rolesAnyGateMayRequire),
 * so a reply and a gate never disagree and every rejection names a role the issue takes.
 */
export function subjectReplayContext(
  policy: Policy,
  people: ReplayPeople,
  requiredRoles: string[],
  intent: SignOffIntent,
): ReplayContext {
  return replayContext(policy, people, requiredRoles, rolesAnyGateMayRequire(policy, intent));
}

/** The copies of model `name`'s manifest: the judged one first, then one per place that holds the model. */
export function evidenceCopies(
  judged: LoadedManifest,
  name: string,
  elsewhere: ReadonlyArray<ModelsAt>,
): EvidenceCopy[] {
  const copies: EvidenceCopy[] = [{ where: "this commit", loaded: judged }];
  for (const place of elsewhere) {
    for (const loaded of place.models) {
      if (loaded !== judged && loaded.manifest.name === name) copies.push({ where: place.where, loaded });
    }
  }
  return copies;
}
