import type { ChangeKind } from "../policy/schema.js";

/**
 * What a sign-off approves besides the artefacts: shipping them (every change kind but a
 * decommission) or retiring them. A decommission keeps the model's digest, so the digest alone
 * cannot tell the two apart; approving a version to ship is not approving its retirement.
 */
export const SIGN_OFF_INTENTS = ["ship", "decommission"] as const;
export type SignOffIntent = (typeof SIGN_OFF_INTENTS)[number];

/**
 * Whatever sign-offs are asked for or given about: a model change or verdict (intent from its
 * change kinds), a gated version or a sign-off issue's marker (intent stated; absent means ship,
 * as in the markers of issues opened before intents existed).
 */
export interface SignOffSubjectOf {
  digest: string;
  intent?: SignOffIntent;
  kinds?: ReadonlyArray<ChangeKind>;
}

export interface SignOffSubject {
  digest: string;
  intent: SignOffIntent;
}

/** The intent of a change: a decommission as soon as its kinds include one (whatever else changes with it). */
export function signOffIntent(kinds: ReadonlyArray<ChangeKind>): SignOffIntent {
  return kinds.includes("decommission") ? "decommission" : "ship";
}

/** The (digest, intent) a change, verdict, gated version or issue is signed off as. */
export function signOffSubject(of: SignOffSubjectOf): SignOffSubject {
  return { digest: of.digest, intent: of.intent ?? (of.kinds ? signOffIntent(of.kinds) : "ship") };
}

/**
 * THE key of sign-offs everywhere (comment histories, issue links, authors, issue lookup):
 * the digest for shipping, so the issues of every shipped version keep their meaning, and
 * `<digest>#decommission` for the retirement of the same artefacts.
 */
export function signOffKey(of: SignOffSubjectOf): string {
  const { digest, intent } = signOffSubject(of);
  return intent === "ship" ? digest : `${digest}#${intent}`;
}
