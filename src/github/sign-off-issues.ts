import type { ProbotOctokit } from "probot";
import { sha256Hex } from "../core/manifest/digest.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import type { ApprovalFacts, SignOffComment } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import { SIGN_OFF_LABEL, signOffIssueTitle } from "../core/render/sign-off-issue.js";
import { parseSignOffMarker } from "../core/sign-off/marker.js";
import { replaySignOffs } from "../core/sign-off/replay.js";
import {
  issueReplayContext,
  parseTracking,
  signOffIssueBody,
  trackedAuthors,
  trackPullRequest,
  TrackingFull,
  trackingFullMessage,
  type GatedVersion,
} from "../core/sign-off/issue.js";
import { lookUpSignOffIssue, type ListedSignOffIssue } from "../core/sign-off/issue-lookup.js";
import { supersededComment, supersededIssues } from "../core/sign-off/superseded.js";
import {
  signOffKey,
  signOffSubject,
  subjectPhrase,
  type ModelVersionRef,
  type SignOffSubjectOf,
} from "../core/sign-off/subject.js";
import type { Coordination } from "../store/coordination.js";
import { CouldNotEvaluate, describeFailure, describeTarget, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";
import { readSignOffHistories } from "./issue-comments.js";
import type { PullRequestUnderEvaluation } from "./pull-requests.js";

/** A sign-off issue this app opened (docs/sign-off.md); a `tracking` that is `undefined` makes it untrusted (signOffIssueFor). */
export interface SignOffIssue extends ListedSignOffIssue {
  /** The issue's page, for links. */
  url: string;
  body: string;
  /** True when this delivery just opened it: it has no comments yet. */
  fresh?: boolean;
}

interface RawIssue {
  number: number;
  html_url: string;
  state: string;
  body?: string | null;
  pull_request?: unknown;
  performed_via_github_app?: { id: number | null } | null;
  labels?: Array<string | { name?: string | null }>;
}

const LABEL_COLOR = "5319e7";
const LABEL_DESCRIPTION = "modelgate: sign-off of a model version by its accountable roles";

/**
 * The issue as modelgate sees it, or undefined when it is not one of this app's sign-off
 * issues: a pull request, an issue someone else opened (even with a copied marker), or a
 * body whose first marker is garbled, unsigned or edited (its signature fails under `markerKey`).
 */
export function asSignOffIssue(
  raw: RawIssue,
  appId: number,
  markerKey: string,
  repository: { owner: string; repo: string },
): SignOffIssue | undefined {
  if (raw.pull_request) return undefined;
  // only this app can open an issue "performed via" itself: a forged marker in a user's issue never counts
  if (raw.performed_via_github_app?.id !== appId) return undefined;
  // writers can edit this app's issues too: only a marker signed for THIS issue counts (a copied one does not verify)
  const key = issueMarkerKey(markerKey, { ...repository, issue: raw.number });
  const ref = parseSignOffMarker(raw.body, key);
  if (!ref) return undefined;
  const body = raw.body ?? "";
  return {
    number: raw.number,
    url: raw.html_url,
    state: raw.state === "closed" ? "closed" : "open",
    body,
    ref,
    tracking: parseTracking(body, ref, key),
  };
}

/**
 * The body an issue is created with: its number, which its markers are bound to, is only known
 * once it exists, so modelgate writes the signed body right after. An issue left with this body
 * (the second write failed) carries no marker and is never trusted.
 */
export const OPENING_ISSUE_BODY =
  "modelgate is opening this issue; its content follows in a moment. If this text stays, it could not be completed: close this issue, and modelgate opens a new one at the next evaluation.";

/** Whether the issue carries the sign-off label (GitHub's webhook payloads list labels as objects). */
export function hasSignOffLabel(raw: Pick<RawIssue, "labels">): boolean {
  return (raw.labels ?? []).some((label) => (typeof label === "string" ? label : label.name) === SIGN_OFF_LABEL);
}

/**
 * Every sign-off issue of this app in the repository, open and closed, oldest first. A
 * repository with issues turned off (GitHub answers 410) has none.
 */
export async function listSignOffIssues(
  octokit: ProbotOctokit,
  { owner, repo, appId, markerKey }: { owner: string; repo: string; appId: number; markerKey: string },
): Promise<SignOffIssue[]> {
  try {
    const raw = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      labels: SIGN_OFF_LABEL,
      state: "all",
      sort: "created",
      direction: "asc",
      per_page: 100,
    });
    return raw
      .flatMap((issue) => asSignOffIssue(issue as RawIssue, appId, markerKey, { owner, repo }) ?? [])
      .sort((a, b) => a.number - b.number);
  } catch (error) {
    if (httpStatus(error) === 410) return [];
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the sign-off issues" });
  }
}

/** The issue of a sign-off subject (core/sign-off/issue-lookup.ts); CouldNotEvaluate when no issue can be trusted to be it, never a guess. */
export function signOffIssueFor(
  issues: ReadonlyArray<SignOffIssue>,
  subject: SignOffSubjectOf,
): SignOffIssue | undefined {
  const found = lookUpSignOffIssue(issues, subject);
  if ("cannotTell" in found) throw new CouldNotEvaluate(found.cannotTell);
  return found.issue;
}

/**
 * The claim key of a subject's sign-off issue (a git ref name part): `sign-off-<hex>-<model>` for
 * shipping, `sign-off-decommission-<hex>-<model>` for a retirement, where `<model>` is a hash of the
 * model name (two models may hold byte-identical artefacts; a name may not be ref-safe).
 */
export function signOffClaimKey(subject: SignOffSubjectOf): string {
  const { model, digest, intent } = signOffSubject(subject);
  const hex = digest.replace(/^sha256:/, "");
  const name = sha256Hex(model).slice(0, 16);
  return intent === "ship" ? `sign-off-${hex}-${name}` : `sign-off-${intent}-${hex}-${name}`;
}

/**
 * Opens the sign-off issue of a model version once, across concurrent deliveries and
 * replicas (see claim.ts), or returns the one another delivery opened meanwhile.
 */
export async function openSignOffIssue(
  octokit: ProbotOctokit,
  target: { owner: string; repo: string; appId: number; markerKey: string; coordination: Coordination },
  /** The body, rendered with the markers bound to the new issue (signOffIssueBody with its issueMarkerKey). */
  issue: { ref: ModelVersionRef; body: (issueKey: string) => string },
  /** Makes sure the label exists; an evaluation opening several issues shares one, so it asks GitHub once. */
  ensureLabel: () => Promise<void> = () => ensureSignOffLabel(octokit, target),
): Promise<SignOffIssue> {
  const { owner, repo, appId, markerKey } = target;
  const { ref } = issue;
  const what = `the sign-off issue of ${subjectPhrase(ref)}`;
  try {
    // one creator across deliveries and replicas: a lock and a record in the database (Coordination)
    return await target.coordination.findOrCreateOnce(`${owner}/${repo}:${signOffClaimKey(ref)}`, {
      find: async () => signOffIssueFor(await listSignOffIssues(octokit, { owner, repo, appId, markerKey }), ref),
      create: async () => {
        await ensureLabel();
        const { data } = await octokit.rest.issues.create({
          owner,
          repo,
          title: signOffIssueTitle(ref.model, ref.version, ref.intent),
          body: OPENING_ISSUE_BODY,
          labels: [SIGN_OFF_LABEL],
        });
        const key = issueMarkerKey(markerKey, { owner, repo, issue: data.number });
        const body = issue.body(key);
        await completeOpenedIssue(octokit, { owner, repo }, data.number, body);
        return {
          number: data.number,
          url: data.html_url,
          state: "open",
          body,
          ref,
          tracking: parseTracking(body, ref, key),
          fresh: true,
        };
      },
    });
  } catch (error) {
    if (error instanceof CouldNotEvaluate) throw error;
    // issues turned off: sign-offs by issue cannot work, and the fix is in the repository settings or the policy
    const hint =
      httpStatus(error) === 410
        ? ` (issues are turned off: turn them on, or set approvals.via to [review] and overrides.roles to [] in the policy)`
        : "";
    throw new CouldNotEvaluate(
      `${describeFailure(error)} while opening ${describeTarget({ owner, repo, what })}${hint}`,
      { cause: error },
    );
  }
}

/**
 * Writes the signed body of an issue just opened with OPENING_ISSUE_BODY. When that fails, the
 * unfinished issue is closed (best effort: without a marker it is ignored anyway) and the error
 * rethrown, so the claim is released and the next evaluation opens the issue again.
 */
export async function completeOpenedIssue(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  issueNumber: number,
  body: string,
): Promise<void> {
  try {
    await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, body });
  } catch (error) {
    await octokit.rest.issues
      .update({ owner, repo, issue_number: issueNumber, state: "closed", state_reason: "not_planned" })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the label if the repository lacks it. GitHub would also create an unknown label
 * named in a new issue, but only for writers with push access: modelgate does not rely on it.
 */
export async function ensureSignOffLabel(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
): Promise<void> {
  try {
    await octokit.rest.issues.createLabel({
      owner,
      repo,
      name: SIGN_OFF_LABEL,
      color: LABEL_COLOR,
      description: LABEL_DESCRIPTION,
    });
  } catch (error) {
    // 422 "already_exists": the usual case after the first issue
    if (httpStatus(error) !== 422) throw error;
  }
}

/** What the evaluation of one pull request knows about the sign-off issues of its gated model versions. */
export interface SignOffIssueFacts {
  /** Every sign-off issue of the repository (to find the older issues a new digest supersedes). */
  listed: SignOffIssue[];
  /** Per signOffKey of a gated version: its issue and the comments that can carry commands. */
  bySubject: Map<string, { version: GatedVersion; issue: SignOffIssue; comments: SignOffComment[] }>;
}

export const NO_SIGN_OFF_ISSUES: SignOffIssueFacts = { listed: [], bySubject: new Map() };

/**
 * Finds the sign-off issue of each gated model version of a pull request and reads its
 * comments (all issues together: readSignOffHistories); with `open`, opens the missing ones.
 * Read failures throw CouldNotEvaluate: a comment history that cannot be read could hide a
 * rejection, so the gate fails closed.
 */
export async function gatherSignOffIssues(
  octokit: ProbotOctokit,
  target: {
    owner: string;
    repo: string;
    appId: number;
    pr: PullRequestUnderEvaluation;
    org: string;
    repositoryUrl: string;
    markerKey: string;
    coordination: Coordination;
  },
  policy: Policy,
  gated: ReadonlyArray<GatedVersion>,
  options: { open: boolean },
): Promise<SignOffIssueFacts> {
  if (gated.length === 0) return NO_SIGN_OFF_ISSUES;
  const { owner, repo, appId, pr, markerKey } = target;
  const listed = await listSignOffIssues(octokit, { owner, repo, appId, markerKey });
  const found = new Map<string, { version: GatedVersion; issue: SignOffIssue }>();
  let labelReady: Promise<void> | undefined;
  const ensureLabel = () => (labelReady ??= ensureSignOffLabel(octokit, { owner, repo }));
  for (const version of gated) {
    const key = signOffKey(version);
    if (found.has(key)) continue;
    let issue = signOffIssueFor(listed, version);
    if (!issue && options.open) {
      const tracking = trackPullRequest(undefined, version, {
        number: pr.number,
        author: pr.author,
        roles: version.roles,
      });
      const body = (issueKey: string) =>
        signOffIssueBody({
          ref: refOf(version),
          tracking,
          state: undefined,
          policy,
          org: target.org,
          repositoryUrl: target.repositoryUrl,
          markerKey: issueKey,
        });
      // the base commit is always in this repository (a fork's head may not be)
      issue = await openSignOffIssue(
        octokit,
        { owner, repo, appId, markerKey, coordination: target.coordination },
        { ref: refOf(version), body },
        ensureLabel,
      );
    }
    if (issue) {
      // the issue must be able to track this PR without forgetting an author, or the gate cannot tell who may not sign
      try {
        trackPullRequest(issue.tracking, version, { number: pr.number, author: pr.author, roles: version.roles });
      } catch (error) {
        if (!(error instanceof TrackingFull)) throw error;
        throw new CouldNotEvaluate(
          trackingFullMessage({ issue: issue.number, ref: issue.ref, pullRequest: pr.number, reason: error.message }),
          {
            cause: error,
          },
        );
      }
      found.set(key, { version, issue });
    }
  }
  // a fresh issue has no comments yet: only the others are read
  const read = [...found.values()].filter(({ issue }) => !issue.fresh);
  const histories = await readSignOffHistories(
    octokit,
    { owner, repo },
    read.map(({ issue }) => issue.number),
  );
  const bySubject: SignOffIssueFacts["bySubject"] = new Map();
  for (const [key, { version, issue }] of found)
    bySubject.set(key, { version, issue, comments: issue.fresh ? [] : histories.of(issue.number) });
  return { listed, bySubject };
}

/** The approval facts the sign-off issues add, per signOffKey: comment histories, links, and the authors of every PR that carried the subject. */
export function signOffApprovalFacts(
  issues: SignOffIssueFacts,
): Pick<ApprovalFacts, "signOffs" | "signOffIssues" | "signOffAuthors"> {
  const signOffs: ApprovalFacts["signOffs"] = {};
  const signOffIssues: ApprovalFacts["signOffIssues"] = {};
  const signOffAuthors: Record<string, string[]> = {};
  for (const [key, { issue, comments }] of issues.bySubject) {
    signOffs[key] = comments;
    signOffIssues[key] = issue.url;
    signOffAuthors[key] = trackedAuthors(issue.tracking);
  }
  return { signOffs, signOffIssues, signOffAuthors };
}

/**
 * After an evaluation, brings each issue up to date: this PR in its tracking, the table
 * replayed from its comments, reopened if it had been closed (the PR carries its digest
 * again); then closes the older open issue of the same model that this PR used to carry,
 * with a comment linking the new one. Writes only what differs, so a redelivery writes nothing.
 */
export async function syncSignOffIssues(
  octokit: ProbotOctokit,
  target: {
    owner: string;
    repo: string;
    pr: PullRequestUnderEvaluation;
    org: string;
    repositoryUrl: string;
    markerKey: string;
  },
  policy: Policy,
  facts: Pick<ApprovalFacts, "teamMembership" | "authors" | "training">,
  issues: SignOffIssueFacts,
): Promise<void> {
  const { owner, repo, pr } = target;
  for (const { version, issue, comments } of issues.bySubject.values()) {
    const tracking = trackPullRequest(issue.tracking, version, {
      number: pr.number,
      author: pr.author,
      roles: version.roles,
    });
    const state = replaySignOffs(
      comments,
      issueReplayContext(policy, issue.ref, tracking, {
        authors: facts.authors,
        teamMembership: facts.teamMembership,
        org: target.org,
        ...(facts.training ? { training: facts.training } : {}),
      }),
    );
    const body = signOffIssueBody({
      ref: issue.ref,
      tracking,
      state,
      policy,
      org: target.org,
      repositoryUrl: target.repositoryUrl,
      markerKey: issueMarkerKey(target.markerKey, { owner, repo, issue: issue.number }),
    });
    await updateSignOffIssue(octokit, { owner, repo }, issue, { body, state: "open" });

    for (const old of supersededIssues(issues.listed, version, pr.number)) {
      await closeSupersededIssue(
        octokit,
        { owner, repo },
        old,
        supersededComment(old.ref, { issue: issue.number, pullRequest: pr.number, version }),
      );
    }
  }
}

/** PATCHes the issue's body and state where they differ from what GitHub has. */
export async function updateSignOffIssue(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  issue: SignOffIssue,
  wanted: { body: string; state?: "open" | "closed" },
): Promise<boolean> {
  const bodyChanged = wanted.body !== issue.body;
  const stateChanged = wanted.state !== undefined && wanted.state !== issue.state;
  if (!bodyChanged && !stateChanged) return false;
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    ...(bodyChanged ? { body: wanted.body } : {}),
    ...(stateChanged ? { state: wanted.state } : {}),
  });
  return true;
}

/** Closes an issue whose subject a pull request no longer carries, with the comment that points at the issue of the new one (supersededComment). */
export async function closeSupersededIssue(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  old: SignOffIssue,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ owner, repo, issue_number: old.number, body });
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: old.number,
    state: "closed",
    state_reason: "not_planned",
  });
}

function refOf({ model, version, digest, intent }: ModelVersionRef): ModelVersionRef {
  return { model, version, digest, ...(intent ? { intent } : {}) };
}
