import { Octokit } from "@octokit/rest";
import type { TrainingFacts } from "../core/governance/training.js";
import { z } from "zod";
import { parseDecisionRecord, PULL_REQUEST_CHECK_NAME } from "../core/audit/check-run-record.js";
import type {
  CheckRunEvidence,
  EndOfLifeIssueEvidence,
  GitHubEvidence,
  PullRequestEvidence,
  ReleaseEvidence,
  SignOffEvidence,
  SignOffIssueEvidence,
} from "../core/audit/types.js";
import { requiredRoles } from "../core/evaluate/approval-requirements.js";
import { subjectReplayContext } from "../core/evidence/model-evidence.js";
import type { SignOffComment } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import { checklistStatus, parseChecklist } from "../core/end-of-life/checklist.js";
import { parseEndOfLifeMarker } from "../core/end-of-life/marker.js";
import { parseDriftMarker, parseUnverifiedDriftMarker } from "../core/monitoring/marker.js";
import { DRIFT_LABEL } from "../core/render/drift-issue.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import { parseMarker } from "../core/markers/hidden-marker.js";
import { BOM_ASSET_NAME, RELEASE_CHECK_NAME } from "../core/render/release-check-run.js";
import { SIGN_OFF_LABEL } from "../core/render/sign-off-issue.js";
import { parseSignOffMarker } from "../core/sign-off/marker.js";
import type { ModelVersionRef, SignOffIntent } from "../core/sign-off/subject.js";
import { parseTracking, trackedAuthors, trackedRoles, type SignOffTracking } from "../core/sign-off/issue.js";
import { parseCommand } from "../core/sign-off/command.js";
import {
  replayContext,
  replaySignOffs,
  type ReplayContext,
  type RoleAnswer,
  type SignOffState,
} from "../core/sign-off/replay.js";
import { CouldNotEvaluate, describeFailure } from "../github/errors.js";
import { signOffComments } from "../github/issue-comments.js";
import { readTeamMembership, roleTeams, type TeamMembership } from "../github/membership.js";
import { CliError } from "./cli-error.js";
import { compareCodeUnits } from "../core/compare-code-units.js";

export interface GitHubAuditTarget {
  owner: string;
  repo: string;
  token: string;
  /** REST API base, e.g. https://ghe.example.com/api/v3 (default https://api.github.com). */
  apiUrl?: string;
  /** The modelgate App: only its check runs and issues count. */
  appId: number;
  /** Verifies the signed markers of modelgate's issues; absent: markers are read unverified (said in the report). */
  markerKey?: string;
}

export interface LocalHistory {
  policy: Policy;
  /** Commits of the audited history: pull requests merged as one of them are read. */
  commits: ReadonlySet<string>;
  /** Tag name -> commit in the local clone. */
  tagCommits: ReadonlyMap<string, string>;
  /** The training roster of the audited commit (docs/governance.md "Training"): sign-offs are replayed with it. */
  training?: TrainingFacts;
}

// read without a key: the same fields as the signed markers, signature not checked
const unverifiedSignOffMarker = z.object({
  model: z.string().max(100),
  version: z.string().max(256),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  intent: z.enum(["ship", "decommission"]).optional(),
});
const unverifiedTracking = z.object({
  manifestPath: z.string().max(1000),
  kinds: z.array(z.string()).max(10),
  pulls: z
    .array(
      z.object({
        number: z.number().int().positive(),
        author: z.string().max(60),
        roles: z.array(z.string().max(40)).max(100),
      }),
    )
    .max(100),
});
const unverifiedEndOfLife = z.object({ model: z.string().max(100), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) });

interface RawIssue {
  number: number;
  html_url: string;
  state: string;
  closed_at?: string | null;
  created_at?: string;
  body?: string | null;
  pull_request?: unknown;
  performed_via_github_app?: { id: number | null } | null;
}

/**
 * What only GitHub holds about a repository's models, read with a token (REST, paginated):
 * pull requests, releases, the check runs and issues of the modelgate App. Any read error stops
 * the audit (exit 2): a report that silently lacks evidence would mislead its reader.
 */
export async function readGitHubEvidence(
  target: GitHubAuditTarget,
  local: LocalHistory,
  fetchImpl?: typeof fetch,
): Promise<GitHubEvidence> {
  const { owner, repo, appId, markerKey } = target;
  const octokit = new Octokit({
    auth: target.token,
    ...(target.apiUrl ? { baseUrl: target.apiUrl.replace(/\/+$/, "") } : {}),
    userAgent: "modelgate-audit",
    // failures are reported once, as the CLI's message (exit 2), not also by Octokit's request log
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    ...(fetchImpl ? { request: { fetch: fetchImpl } } : {}),
  });
  const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw new CliError(
        `cannot read ${what} of ${owner}/${repo} from GitHub: ${status !== undefined ? `GitHub answered ${status}` : (error as Error).message}`,
      );
    }
  };

  const { data: repository } = await read("the repository", () => octokit.rest.repos.get({ owner, repo }));
  const pulls = await read("the pull requests", () =>
    octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: "all", per_page: 100 }),
  );
  const pullRequests: PullRequestEvidence[] = pulls.map((p) => ({
    number: p.number,
    url: p.html_url,
    title: p.title,
    author: p.user?.login ?? "",
    headSha: p.head.sha,
    ...(p.merge_commit_sha && p.merged_at ? { mergeCommitSha: p.merge_commit_sha } : {}),
    ...(p.merged_at ? { mergedAt: p.merged_at } : {}),
  }));

  const rawReleases = await read("the releases", () =>
    octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }),
  );
  const releases: ReleaseEvidence[] = rawReleases.map((r) => {
    const commit = local.tagCommits.get(r.tag_name);
    const bom = r.assets.find((a) => a.name === BOM_ASSET_NAME);
    return {
      id: r.id,
      tag: r.tag_name,
      name: r.name ?? r.tag_name,
      url: r.html_url,
      ...(r.published_at ? { publishedAt: r.published_at } : {}),
      draft: r.draft,
      prerelease: r.prerelease,
      ...(commit ? { commit } : {}),
      ...(bom ? { bomAsset: { name: bom.name, url: bom.browser_download_url } } : {}),
    };
  });

  const byApp = (issues: RawIssue[]): RawIssue[] =>
    issues.filter((i) => !i.pull_request && i.performed_via_github_app?.id === appId);
  const signOffRaw = byApp(
    (await read("the sign-off issues", () =>
      octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        labels: SIGN_OFF_LABEL,
        state: "all",
        per_page: 100,
      }),
    )) as RawIssue[],
  );
  const eolLabel = local.policy.end_of_life.labels[0] ?? "model-eol";
  const eolRaw = byApp(
    (await read("the end-of-life issues", () =>
      octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, labels: eolLabel, state: "all", per_page: 100 }),
    )) as RawIssue[],
  );

  // the monitoring history's issues (docs/monitoring.md): only when the policy monitors, so nothing else is asked
  const driftIssues = local.policy.monitoring
    ? byApp(
        (await read("the drift issues", () =>
          octokit.paginate(octokit.rest.issues.listForRepo, {
            owner,
            repo,
            labels: DRIFT_LABEL,
            state: "all",
            per_page: 100,
          }),
        )) as RawIssue[],
      ).flatMap((issue) => {
        const ref =
          markerKey !== undefined
            ? parseDriftMarker(
                issue.body,
                issueMarkerKey(markerKey, { owner, repo, issue: issue.number }),
                `${owner}/${repo}`,
              )
            : parseUnverifiedDriftMarker(issue.body);
        if (!ref) return [];
        return [
          {
            number: issue.number,
            url: issue.html_url,
            state: issue.state === "closed" ? ("closed" as const) : ("open" as const),
            createdAt: issue.created_at ?? "",
            ...(issue.closed_at ? { closedAt: issue.closed_at } : {}),
            model: ref.model,
            version: ref.version,
            digest: ref.digest,
          },
        ];
      })
    : undefined;

  const commentsOf = async (issue: RawIssue): Promise<SignOffComment[]> => {
    const raw = await read(`the comments of issue #${issue.number}`, () =>
      octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue.number, per_page: 100 }),
    );
    return signOffComments(
      raw.map((c) => ({
        id: c.id,
        login: c.user?.login ?? "",
        isBot: c.user?.type === "Bot",
        body: c.body ?? "",
        createdAt: c.created_at,
        updatedAt: c.updated_at,
      })),
    ).sort((a, b) => compareCodeUnits(a.createdAt, b.createdAt) || a.id - b.id);
  };

  // the app signs each issue's markers with a key bound to that issue: a marker copied elsewhere does not verify
  const keyOf = (issue: RawIssue): string | undefined =>
    markerKey === undefined ? undefined : issueMarkerKey(markerKey, { owner, repo, issue: issue.number });
  // every issue's comments first: the role teams' members are then read once, for all commenters
  const signOffRead: Array<{ issue: RawIssue; ref: ModelVersionRef; comments: SignOffComment[] }> = [];
  for (const issue of signOffRaw) {
    const ref = signOffRef(issue.body, keyOf(issue));
    if (ref) signOffRead.push({ issue, ref, comments: await commentsOf(issue) });
  }
  const eolRead: Array<{ issue: RawIssue; ref: { model: string; digest: string }; comments: SignOffComment[] }> = [];
  for (const issue of eolRaw) {
    const ref = endOfLifeRef(issue.body, keyOf(issue));
    if (ref) eolRead.push({ issue, ref, comments: await commentsOf(issue) });
  }
  const membership = await readRoleMembership(
    octokit,
    owner,
    local.policy,
    [...signOffRead, ...eolRead].flatMap((read) => read.comments),
  );
  const replay = (
    comments: SignOffComment[],
    authors: string[],
    roles: string[],
    intent?: SignOffIntent,
  ): SignOffState =>
    replaySignOffs(
      comments,
      auditReplayContext(
        local.policy,
        membership,
        { authors, org: owner, ...(local.training ? { training: local.training } : {}) },
        roles,
        intent,
      ),
    );

  const signOffIssues: SignOffIssueEvidence[] = [];
  for (const { issue, ref, comments } of signOffRead) {
    const tracking = trackingOf(issue.body, ref, keyOf(issue));
    const roles = tracking ? trackedRoles(tracking) : Object.keys(local.policy.roles);
    // replayed as every gate replays a sign-off issue, so the audit counts what the gates counted
    const state = replay(comments, trackedAuthors(tracking), roles, ref.intent ?? "ship");
    signOffIssues.push({
      number: issue.number,
      url: issue.html_url,
      state: issue.state === "closed" ? "closed" : "open",
      model: ref.model,
      version: ref.version,
      digest: ref.digest,
      intent: ref.intent ?? "ship",
      pulls: (tracking?.pulls ?? []).map((p) => p.number),
      signOffs: standing(state, issue.html_url, comments),
      ...(state.override ? { override: state.override } : {}),
      ...(state.regressionAcceptances?.length
        ? {
            acceptedRegressions: state.regressionAcceptances.map(({ commentId, ...accepted }) => ({
              ...accepted,
              url: `${issue.html_url}#issuecomment-${commentId}`,
            })),
          }
        : {}),
      refused: state.outcomes
        .filter((o) => !o.accepted)
        .map((o) => ({
          by: o.login,
          command: `/${o.command.type}${"role" in o.command ? ` ${o.command.role}` : ""}`,
          reason: o.reason ?? "",
          url: `${issue.html_url}#issuecomment-${o.commentId}`,
          ...(o.roleNotVerified ? { roleNotVerified: true as const } : {}),
        })),
    });
  }

  const disposalRoles = requiredRoles(local.policy, ["decommission"]);
  const endOfLifeIssues: EndOfLifeIssueEvidence[] = [];
  for (const { issue, ref, comments } of eolRead) {
    const state = replay(comments, [], disposalRoles);
    const signOffs = standing(state, issue.html_url, comments);
    endOfLifeIssues.push({
      number: issue.number,
      url: issue.html_url,
      state: issue.state === "closed" ? "closed" : "open",
      ...(issue.closed_at ? { closedAt: issue.closed_at } : {}),
      model: ref.model,
      digest: ref.digest,
      checklist: parseChecklist(issue.body),
      unchecked: checklistStatus(issue.body, local.policy.end_of_life.checklist).unchecked,
      signOffs,
      missingRoles: disposalRoles.filter((role) => !signOffs.some((s) => s.role === role && s.state === "approved")),
    });
  }

  // the check runs of the pull requests that carried a model version, and of the releases
  const tracked = new Set(signOffIssues.flatMap((i) => i.pulls));
  const relevant = pullRequests.filter(
    (p) => tracked.has(p.number) || (p.mergeCommitSha !== undefined && local.commits.has(p.mergeCommitSha)),
  );
  const checkRuns: CheckRunEvidence[] = [];
  const runsAt = async (sha: string, name: string): Promise<void> => {
    const runs = await read(`the check runs of ${sha.slice(0, 12)}`, () =>
      octokit.paginate(octokit.rest.checks.listForRef, {
        owner,
        repo,
        ref: sha,
        check_name: name,
        filter: "all",
        per_page: 100,
      }),
    );
    for (const run of runs) {
      if (run.app?.id !== appId || run.name !== name) continue;
      const models = parseDecisionRecord(run.output?.text);
      checkRuns.push({
        name: run.name,
        headSha: run.head_sha,
        conclusion: run.conclusion ?? null,
        status: run.status,
        url: run.html_url ?? "",
        ...(run.completed_at ? { completedAt: run.completed_at } : {}),
        models: models ?? [],
        ...(models ? {} : { recordMissing: true }),
      });
    }
  };
  for (const sha of new Set(relevant.map((p) => p.headSha))) await runsAt(sha, PULL_REQUEST_CHECK_NAME);
  for (const sha of new Set(releases.flatMap((r) => (r.commit ? [r.commit] : []))))
    await runsAt(sha, RELEASE_CHECK_NAME);

  return {
    repository: `${owner}/${repo}`,
    url: repository.html_url,
    appId,
    markersVerified: markerKey !== undefined,
    pullRequests,
    releases,
    checkRuns,
    signOffIssues,
    endOfLifeIssues,
    ...(driftIssues ? { driftIssues } : {}),
    ...(membership.unreadable !== undefined ? { membershipUnreadable: membership.unreadable } : {}),
  };
}

/** The role teams' members as GitHub says today, or why they could not be read. */
interface RoleMembership {
  teamMembership?: TeamMembership;
  unreadable?: string;
}

/**
 * The live membership of every commenter who posted a command, in every team that holds a role,
 * read as the App reads it (src/github/membership.ts). A failure does not stop the audit: the
 * sign-offs it would verify are reported "role not verified" instead (auditReplayContext).
 */
async function readRoleMembership(
  octokit: Octokit,
  org: string,
  policy: Policy,
  comments: ReadonlyArray<SignOffComment>,
): Promise<RoleMembership> {
  const teams = roleTeams(policy);
  const logins = [...new Set(comments.filter((c) => !c.edited && parseCommand(c.body)).map((c) => c.login))];
  if (teams.length === 0 || logins.length === 0) return { teamMembership: {} };
  try {
    return { teamMembership: await readTeamMembership(octokit, { org, logins, teams }) };
  } catch (error) {
    if (error instanceof CouldNotEvaluate) return { unreadable: error.message };
    return { unreadable: `${describeFailure(error)} while reading the members of the role teams of @${org}` };
  }
}

/**
 * The gate's replay context (replayContext) with the membership read; when it could not be read,
 * holding a role through a team is "unverified" (never counted), through the policy's users still known.
 */
function auditReplayContext(
  policy: Policy,
  membership: RoleMembership,
  people: { authors: string[]; org: string; training?: TrainingFacts },
  requiredRoles: string[],
  /** A sign-off issue's intent (the subject's replay); none for an end-of-life issue. */
  intent?: SignOffIntent,
): ReplayContext {
  const who = { ...people, teamMembership: membership.teamMembership ?? {} };
  const ctx = intent
    ? subjectReplayContext(policy, who, requiredRoles, intent)
    : replayContext(policy, who, requiredRoles);
  if (membership.teamMembership !== undefined) return ctx;
  return {
    ...ctx,
    holdsRole: (login, role): RoleAnswer => {
      if (ctx.holdsRole(login, role) === true) return true;
      const teams = Object.hasOwn(policy.roles, role) ? (policy.roles[role]?.teams ?? []) : [];
      return teams.length > 0 ? "unverified" : false;
    },
  };
}

/**
 * The standing sign-offs and rejections, then, for a role with none, the last command whose role
 * holding could not be read: shown as "unverified", never as approved (missing roles stay missing).
 */
function standing(state: SignOffState, issueUrl: string, comments: ReadonlyArray<SignOffComment>): SignOffEvidence[] {
  const standingRoles: SignOffEvidence[] = Object.entries(state.roles).map(([role, s]) => ({
    role,
    state: s.state,
    by: s.by,
    at: s.at,
    ...(s.reason ? { reason: s.reason } : {}),
    url: `${issueUrl}#issuecomment-${s.commentId}`,
  }));
  const unverified = new Map<string, SignOffEvidence>();
  for (const outcome of state.outcomes) {
    const { command } = outcome;
    if (
      !outcome.roleNotVerified ||
      command.type === "override" ||
      command.type === "revoke" ||
      command.type === "accept-regression"
    )
      continue;
    if (Object.hasOwn(state.roles, command.role)) continue;
    unverified.set(command.role, {
      role: command.role,
      state: "unverified",
      by: outcome.login,
      at: comments.find((c) => c.id === outcome.commentId)?.createdAt ?? "",
      url: `${issueUrl}#issuecomment-${outcome.commentId}`,
    });
  }
  return [...standingRoles, ...unverified.values()];
}

function signOffRef(body: string | null | undefined, markerKey: string | undefined): ModelVersionRef | undefined {
  if (markerKey !== undefined) return parseSignOffMarker(body, markerKey);
  const parsed = parseMarker("sign-off", body, unverifiedSignOffMarker);
  if (!parsed) return undefined;
  const { intent, ...rest } = parsed;
  return intent === "decommission" ? { ...rest, intent } : rest;
}

function trackingOf(
  body: string | null | undefined,
  ref: ModelVersionRef,
  markerKey: string | undefined,
): SignOffTracking | undefined {
  if (markerKey !== undefined) return parseTracking(body, ref, markerKey);
  return parseMarker("sign-off-tracking", body, unverifiedTracking, 30_000) as SignOffTracking | undefined;
}

function endOfLifeRef(
  body: string | null | undefined,
  markerKey: string | undefined,
): { model: string; digest: string } | undefined {
  if (markerKey !== undefined) return parseEndOfLifeMarker(body, markerKey);
  return parseMarker("end-of-life", body, unverifiedEndOfLife);
}
