import { z } from "zod";
import { countingEvaluation } from "../evidence/evaluation.js";
import type { ModelChange } from "../detect/types.js";
import { requiredRoles } from "../evaluate/approval-requirements.js";
import { subjectReplayContext } from "../evidence/model-evidence.js";
import { CHANGE_KINDS, type ChangeKind, type Policy } from "../policy/schema.js";
import { renderMarker, parseMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";
import { ISSUE_BODY_MAX_CHARS, renderSignOffIssueBody, type SignOffIssueInput } from "../render/sign-off-issue.js";
import { truncateChars } from "../render/truncate.js";
import { signedSubject } from "./marker.js";
import { type ReplayContext, type ReplayPeople, type SignOffState } from "./replay.js";
import { signOffIntent, subjectPhrase, type ModelVersionRef } from "./subject.js";

/**
 * What a sign-off issue remembers between deliveries, in a second hidden marker of its body:
 * the pull requests that carried its digest (with their authors and the roles their change
 * needs) and what the table shows about the model. The command handler reads it to know
 * which pull requests to re-evaluate and whose sign-off is an author's.
 */
export interface SignOffTracking {
  manifestPath: string;
  kinds: ChangeKind[];
  evaluation?: SignOffIssueInput["evaluation"];
  pulls: TrackedPullRequest[];
  /** Authors of the pull requests no longer listed in `pulls` (beyond MAX_TRACKED_PULLS): still authors of this version. */
  formerAuthors?: string[];
}

export interface TrackedPullRequest {
  number: number;
  author: string;
  /** The roles this pull request's change of the model needs. */
  roles: string[];
}

/** A model version whose gate needs sign-offs, as one pull request changes it; `intent` is set for a decommission. */
export interface GatedVersion extends ModelVersionRef {
  manifestPath: string;
  kinds: ChangeKind[];
  roles: string[];
  evaluation?: SignOffIssueInput["evaluation"];
}

const TRACKING_KIND = "sign-off-tracking";
/** The oldest pull requests are no longer listed beyond this many, so the marker stays small; their authors are kept. */
export const MAX_TRACKED_PULLS = 100;
/** Authors of unlisted pull requests kept at most: beyond it an author would be lost, so the issue cannot track more. */
export const MAX_FORMER_AUTHORS = 200;

/**
 * A sign-off issue cannot track one more pull request without forgetting an author (who could
 * then sign off their own change): the evaluation fails closed instead (docs/security.md).
 */
export class TrackingFull extends Error {
  override name = "TrackingFull";
}

/** Why the gate cannot evaluate when the issue of `ref` cannot track one more pull request (`reason`: the TrackingFull message). */
export function trackingFullMessage({
  issue,
  ref,
  pullRequest,
  reason,
}: {
  issue: number;
  ref: ModelVersionRef;
  pullRequest: number;
  reason: string;
}): string {
  return `sign-off issue #${issue} of ${subjectPhrase(ref)} cannot track pull request #${pullRequest}: ${reason}; ask an administrator (docs/security.md, capped author list)`;
}
const MAX_TRACKING_CHARS = 30_000;

const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/);
const trackingSchema = z.strictObject({
  manifestPath: z.string().min(1).max(1000),
  kinds: z.array(z.enum(CHANGE_KINDS)).max(CHANGE_KINDS.length),
  evaluation: z
    .strictObject({
      date: z.string().max(40),
      evaluator: z.string().max(60),
      result: z.enum(["pass", "fail"]),
      report: z.string().max(2000).optional(),
    })
    .optional(),
  pulls: z
    .array(
      z.strictObject({
        number: z.number().int().positive(),
        author: z.string().max(60),
        roles: z.array(roleName).max(100),
      }),
    )
    .max(MAX_TRACKED_PULLS),
  formerAuthors: z.array(z.string().min(1).max(60)).max(MAX_FORMER_AUTHORS).optional(),
});
const signedTrackingSchema = trackingSchema.extend({ sig: z.string().max(128) });

/**
 * The model versions of a change set that need sign-offs (docs/sign-off.md): one per model whose gates
 * name roles, with the intent of its change (a decommission is signed off apart from shipping).
 */
export function gatedVersions(policy: Policy, changes: ReadonlyArray<ModelChange>): GatedVersion[] {
  const gated: GatedVersion[] = [];
  for (const change of changes) {
    const roles = requiredRoles(policy, change.kinds);
    const version = change.toVersion ?? change.fromVersion;
    const manifest = change.head ?? change.base;
    if (roles.length === 0 || version === undefined || !manifest) continue;
    // the record the gate judges: the one answer of core/evidence (this copy; the gate also weighs the base's)
    const record = countingEvaluation({ version, digest: change.digest }, [
      { where: "this commit", loaded: manifest },
    ])?.record;
    const intent = signOffIntent(change.kinds);
    gated.push({
      model: change.name,
      version,
      digest: change.digest,
      ...(intent !== "ship" ? { intent } : {}),
      manifestPath: change.manifestPath,
      kinds: change.kinds,
      roles,
      ...(record
        ? {
            evaluation: {
              date: record.date,
              evaluator: record.evaluator,
              result: record.result,
              ...(record.report ? { report: record.report } : {}),
            },
          }
        : {}),
    });
  }
  return gated;
}

/**
 * The tracking of an issue once `pr` carries its digest: the PR's entry is replaced or added (newest
 * last). Beyond MAX_TRACKED_PULLS the oldest entries are no longer listed, but their authors move to
 * `formerAuthors`: no author is ever dropped. Throws TrackingFull when even that list is full.
 */
export function trackPullRequest(
  tracking: SignOffTracking | undefined,
  version: GatedVersion,
  pr: TrackedPullRequest,
): SignOffTracking {
  const all = [...(tracking?.pulls ?? []).filter((p) => p.number !== pr.number), pr];
  const listed = all.slice(-MAX_TRACKED_PULLS);
  const stillListed = new Set(listed.map((p) => p.author.toLowerCase()));
  const former = [
    ...new Set(
      [...(tracking?.formerAuthors ?? []), ...all.slice(0, all.length - listed.length).map((p) => p.author)].map((a) =>
        a.toLowerCase(),
      ),
    ),
  ]
    .filter((a) => a !== "" && !stillListed.has(a))
    .sort();
  if (former.length > MAX_FORMER_AUTHORS) {
    throw new TrackingFull(
      `it already tracks ${MAX_TRACKED_PULLS} pull requests and ${MAX_FORMER_AUTHORS} authors of older ones: tracking #${pr.number} too would forget an author`,
    );
  }
  return {
    manifestPath: version.manifestPath,
    kinds: version.kinds,
    ...(version.evaluation ? { evaluation: version.evaluation } : {}),
    pulls: listed,
    ...(former.length > 0 ? { formerAuthors: former } : {}),
  };
}

/** Authors of every pull request that carried the digest (listed or former): each of them is an author of this model version. */
export function trackedAuthors(tracking: SignOffTracking | undefined): string[] {
  return [
    ...new Set(
      [...(tracking?.pulls ?? []).map((p) => p.author), ...(tracking?.formerAuthors ?? [])].filter((a) => a !== ""),
    ),
  ];
}

/** The roles the issue asks for: every role a tracked pull request needs, in first-seen order. */
export function trackedRoles(tracking: SignOffTracking | undefined): string[] {
  return [...new Set((tracking?.pulls ?? []).flatMap((p) => p.roles))];
}

/**
 * The replay context of a sign-off issue as a whole: the command handler answers with it and
 * the issue table shows it. For one pull request it equals the evaluation's context.
 */
export function issueReplayContext(
  policy: Policy,
  ref: Pick<ModelVersionRef, "intent">,
  tracking: SignOffTracking | undefined,
  people: Pick<ReplayPeople, "authors" | "teamMembership" | "org" | "training">,
): ReplayContext {
  const authors = [...new Set([...trackedAuthors(tracking), ...people.authors].map((a) => a.toLowerCase()))];
  return subjectReplayContext(policy, { ...people, authors }, trackedRoles(tracking), ref.intent ?? "ship");
}

/**
 * The tracking marker, signed over the issue's subject and the tracking: it names the authors
 * who may not sign, so an edit (an author removed) or a copy onto another issue must not verify.
 */
export function renderTrackingMarker(tracking: SignOffTracking, ref: ModelVersionRef, markerKey: string): string {
  return renderMarker(TRACKING_KIND, {
    ...tracking,
    sig: markerSignature(markerKey, TRACKING_KIND, { subject: signedSubject(ref), tracking }),
  });
}

/**
 * The tracking of the issue of `ref`; `undefined` when it is missing, garbled, unsigned or edited
 * (its signature does not verify under `markerKey` for this subject).
 */
export function parseTracking(
  body: string | null | undefined,
  ref: ModelVersionRef,
  markerKey: string,
): SignOffTracking | undefined {
  const parsed = parseMarker(TRACKING_KIND, body, signedTrackingSchema, MAX_TRACKING_CHARS);
  if (!parsed) return undefined;
  const { sig, ...tracking } = parsed;
  return verifyMarkerSignature(markerKey, TRACKING_KIND, { subject: signedSubject(ref), tracking }, sig)
    ? (tracking as SignOffTracking)
    : undefined;
}

export interface SignOffIssueBodyInput {
  ref: ModelVersionRef;
  tracking: SignOffTracking;
  /** The issue replayed with issueReplayContext; undefined before any comment. */
  state: SignOffState | undefined;
  policy: Policy;
  org: string;
  /** e.g. https://github.com/acme/models, to link the pull requests. */
  repositoryUrl: string;
  /** Signs both markers. */
  markerKey: string;
}

/** The whole body of a sign-off issue: rendered table, then the tracking marker right after the first (identity) marker. */
export function signOffIssueBody(input: SignOffIssueBodyInput): string {
  const { ref, tracking, state, policy } = input;
  const tracked = trackedRoles(tracking);
  // a role signed off for a release or deployment that asks for more than the pull requests is shown too
  const recorded = Object.keys(state?.roles ?? {}).filter((role) => !tracked.includes(role));
  const roles = [...tracked, ...recorded].map((role) => {
    const standing = state?.roles[role];
    const holders = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
    return {
      role,
      state: standing?.state ?? ("pending" as const),
      ...(standing ? { by: standing.by } : {}),
      ...(standing?.reason ? { reason: standing.reason } : {}),
      holders: holders ?? { users: [], teams: [] },
    };
  });
  const rendered = renderSignOffIssueBody({
    ...ref,
    manifestPath: tracking.manifestPath,
    kinds: tracking.kinds,
    roles,
    ...(tracking.evaluation ? { evaluation: tracking.evaluation } : {}),
    pullRequests: tracking.pulls.map((pr) => ({ number: pr.number, url: `${input.repositoryUrl}/pull/${pr.number}` })),
    ...(state?.override ? { override: state.override } : {}),
    org: input.org,
    markerKey: input.markerKey,
  });
  const marker = renderTrackingMarker(tracking, ref, input.markerKey);
  const newline = rendered.indexOf("\n");
  const identity = newline < 0 ? rendered : rendered.slice(0, newline);
  const rest = newline < 0 ? "" : rendered.slice(newline);
  return (
    identity +
    "\n" +
    marker +
    truncateChars(rest, ISSUE_BODY_MAX_CHARS - identity.length - marker.length - 1, "\n… truncated\n")
  );
}
