import type { ChangeKind } from "../policy/schema.js";

/**
 * What a sign-off approves besides the artefacts: shipping them (every change kind but a
 * decommission) or retiring them. A decommission keeps the model's digest, so the digest alone
 * cannot tell the two apart; approving a version to ship is not approving its retirement.
 */
export const SIGN_OFF_INTENTS = ["ship", "decommission"] as const;
export type SignOffIntent = (typeof SIGN_OFF_INTENTS)[number];

/** The model version (and intent) a sign-off issue is for: what its signed marker names (sign-off/marker.ts). */
export interface ModelVersionRef {
  model: string;
  version: string;
  digest: string;
  /** Absent for shipping: the markers of ship issues are written (and were always written) without it. */
  intent?: SignOffIntent;
}

/**
 * Whatever sign-offs are asked for or given about: a model change or verdict (model `name`, intent
 * from its change kinds), a gated version or a sign-off issue's marker (`model`, intent stated;
 * absent means ship).
 */
export type SignOffSubjectOf = {
  digest: string;
  intent?: SignOffIntent;
  kinds?: ReadonlyArray<ChangeKind>;
} & ({ model: string } | { name: string });

/**
 * What a sign-off approves (docs/sign-off.md): this model, these artefacts, this intent. The model
 * name is part of it: a model retrained to exactly another model's artefacts has that model's
 * digest, and an approval of the other model is not an approval of this one.
 */
export interface SignOffSubject {
  model: string;
  digest: string;
  intent: SignOffIntent;
}

/** The intent of a change: a decommission as soon as its kinds include one (whatever else changes with it). */
export function signOffIntent(kinds: ReadonlyArray<ChangeKind>): SignOffIntent {
  return kinds.includes("decommission") ? "decommission" : "ship";
}

/** The (model, digest, intent) a change, verdict, gated version or issue is signed off as. */
export function signOffSubject(of: SignOffSubjectOf): SignOffSubject {
  const model = "model" in of ? of.model : of.name;
  return { model, digest: of.digest, intent: of.intent ?? (of.kinds ? signOffIntent(of.kinds) : "ship") };
}

/**
 * THE key of sign-offs everywhere (comment histories, issue links, authors, issue lookup):
 * `<model>@<digest>` for shipping, `<model>@<digest>#decommission` for the retirement of the same
 * artefacts. Model names cannot hold `@` or `#` (manifest schema), so keys never collide.
 */
export function signOffKey(of: SignOffSubjectOf): string {
  const { model, digest, intent } = signOffSubject(of);
  return intent === "ship" ? `${model}@${digest}` : `${model}@${digest}#${intent}`;
}

/** How messages name a subject: "fraud-detector 2.1.0", or "the decommission of fraud-detector 2.1.0". */
export function subjectPhrase(ref: ModelVersionRef): string {
  return `${ref.intent === "decommission" ? "the decommission of " : ""}${ref.model} ${ref.version}`;
}
