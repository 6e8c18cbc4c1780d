import type { Logger } from "pino";
import type { Probot, ProbotOctokit } from "probot";
import { POLICY_PATH } from "../core/policy/load-policy.js";
import { plural } from "../core/render/markdown.js";
import {
  renderReviewClosedComment,
  renderReviewIssueBody,
  renderReviewStageComment,
  reviewIssueTitle,
  stageOfBody,
  type ReviewClosing,
} from "../core/render/re-evaluation-issue.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import type { ReviewRef } from "../core/review/marker.js";
import { evaluationTime } from "../core/evidence/evaluation.js";
import { modelsInUse, reviewStatuses, type InUseAt, type ReviewStatus } from "../core/review/re-evaluation.js";
import { ownAppId } from "../github/app-identity.js";
import { httpStatus } from "../github/errors.js";
import { readBasePolicy } from "../github/read-policy.js";
import { readBranchHead, readModelsAt } from "../github/read-models.js";
import {
  listReleases,
  readInstallationCreatedAt,
  releaseBaseline,
  type ReleaseBaseline,
  type ReleaseUnderEvaluation,
} from "../github/releases.js";
import { NOT_A_RELEASE } from "../github/known-good.js";
import { RELEASE_CHECK_NAME } from "../core/render/release-check-run.js";
import { ensureReviewIssue, isReviewOf, listReviewIssues, type ReviewIssue } from "../github/review-issues.js";
import type { Coordination } from "../store/coordination.js";
import { remindTraining } from "./training-reminders.js";
import { monitorModels, type MonitoringOutcome } from "./monitoring.js";
import { sweepDocumentReviews } from "./document-reviews.js";

/** What the daily run needs besides the repository. */
export interface SweepContext {
  octokit: ProbotOctokit;
  log: Logger;
  now: Date;
  markerKey: string;
  /** Review issues are created once across replicas under its locks. */
  coordination: Coordination;
}

export interface SweptRepository {
  owner: string;
  repo: string;
  defaultBranch: string;
  /** The repository's web address, for links in closing comments. */
  repositoryUrl: string;
}

/** What one repository's run did. */
export interface SweepOutcome {
  repo: string;
  /** Model versions whose evaluation is due, expired or not. */
  due: number;
  opened: number;
  updated: number;
  closed: number;
  /** Issues left for the next run: GitHub limits how fast content may be created (MAX_ISSUE_WRITES_PER_RUN). */
  deferred: number;
  /** With `monitoring` in the policy: its "Drift detected" issues (docs/monitoring.md). */
  monitoring?: MonitoringOutcome;
}

/**
 * Issues opened, updated or closed in one repository per run. GitHub's secondary rate limits
 * allow about 80 content-creating requests a minute; an issue costs up to three. The rest waits
 * for the next day's run (nothing is lost: what is due stays due).
 */
export const MAX_ISSUE_WRITES_PER_RUN = 20;

/**
 * The daily run over one repository (docs/re-evaluation.md): every model version on the default branch and
 * in the latest release whose evaluation expires within `evaluation.notice_days` gets one
 * "Re-evaluation due" issue; an open one is updated when the date nears or passes, and closed
 * with a link when a new evaluation of its digest lands on the default branch (or when the
 * version is no longer in use). Exactly once across runs and replicas: issues are found by their
 * signed markers first, and created under a claim (claim.ts). One issue that cannot be written
 * does not stop the others; the run then throws so its job fails and is retried.
 */
export async function sweepRepository(ctx: SweepContext, repository: SweptRepository): Promise<SweepOutcome> {
  const { owner, repo, defaultBranch } = repository;
  const location = { owner, repo };
  const read = await readBasePolicy(ctx.octokit, { owner, repo, branch: defaultBranch });
  if (!read.ok)
    throw new Error(
      `the policy ${POLICY_PATH} of ${owner}/${repo} on ${defaultBranch} is invalid: no re-evaluation issue can be opened or closed`,
    );
  const policy = read.policy;
  const head = await readBranchHead(ctx.octokit, { owner, repo, branch: defaultBranch });
  const onBranch = await readModelsAt(ctx.octokit, { owner, repo, commit: head }, policy);
  const places: Array<{ at: Omit<InUseAt, "manifestPath">; models: typeof onBranch.models }> = [
    { at: { ref: defaultBranch, kind: "default branch", commit: head }, models: onBranch.models },
  ];
  const latest = await releaseInUse(ctx.octokit, location);
  if (latest) {
    const { commit } = latest;
    // the release is often the default branch's commit: read once
    const models =
      commit === head ? onBranch.models : (await readModelsAt(ctx.octokit, { owner, repo, commit }, policy)).models;
    places.push({ at: { ref: latest.release.tagName, kind: "latest release", commit }, models });
  }
  const inUse = modelsInUse(places);
  // production monitoring first: a security breach it finds makes a re-evaluation due now
  const monitored = await monitorModels(ctx, repository, { policy, head, entries: onBranch.entries, models: inUse });
  const statuses = reviewStatuses(policy, inUse, ctx.now, monitored.securityBreaches);
  const due = statuses.filter((status) => status.stage !== "current");
  const appId = await ownAppId(ctx.octokit);
  const issues = await listReviewIssues(ctx.octokit, location, { appId, markerKey: ctx.markerKey });
  const outcome: SweepOutcome = {
    repo: `${owner}/${repo}`,
    due: due.length,
    opened: 0,
    updated: 0,
    closed: 0,
    deferred: 0,
    ...(monitored.outcome ? { monitoring: monitored.outcome } : {}),
  };
  const failures: unknown[] = [];
  const label = { ensured: false };
  let writes = 0;
  const step = async (work: () => Promise<void>) => {
    if (writes >= MAX_ISSUE_WRITES_PER_RUN) {
      outcome.deferred += 1;
      return;
    }
    writes += 1;
    await work().catch((error: unknown) => void failures.push(error));
  };

  for (const status of due) {
    const ref: ReviewRef = {
      repo: `${owner}/${repo}`,
      model: status.name,
      digest: status.digest,
      evaluated: status.evaluation.date,
    };
    const existing = issues.find((issue) => isReviewOf(issue, ref));
    // the markers are signed for the issue they are in (docs/security.md)
    const bodyFor = (issueKey: string) =>
      renderReviewIssueBody({ status, repo: `${owner}/${repo}`, org: owner, policy, markerKey: issueKey });
    const body = existing ? bodyFor(issueMarkerKey(ctx.markerKey, { owner, repo, issue: existing.number })) : "";
    // a closed issue of this evaluation stays closed: whoever closed it decided
    if (existing && (existing.state === "closed" || existing.body === body)) continue;
    await step(async () => {
      if (!existing) {
        const { issue, created } = await ensureReviewIssue(
          ctx.octokit,
          location,
          {
            ref,
            title: reviewIssueTitle(status.name, status.version),
            body: bodyFor,
            sha: head,
            appId,
            markerKey: ctx.markerKey,
          },
          ctx.coordination,
          label,
          issues,
        );
        if (created) outcome.opened += 1;
        ctx.log.info(
          {
            repo: outcome.repo,
            model: status.name,
            version: status.version,
            digest: status.digest,
            issue: issue.number,
            expires_on: status.expiresOn,
            created,
          },
          "modelgate re-evaluation issue opened",
        );
        return;
      }
      await updateReview(ctx, location, existing, {
        body,
        comment:
          stageOfBody(existing.body) !== status.stage ? renderReviewStageComment(status, policy, owner) : undefined,
      });
      outcome.updated += 1;
      ctx.log.info(
        {
          repo: outcome.repo,
          model: status.name,
          version: status.version,
          issue: existing.number,
          stage: status.stage,
        },
        "modelgate re-evaluation issue updated",
      );
    });
  }

  for (const issue of issues) {
    if (
      issue.state !== "open" ||
      due.some((status) =>
        isReviewOf(issue, { model: status.name, digest: status.digest, evaluated: status.evaluation.date }),
      )
    )
      continue;
    const reason = closingReason(issue, statuses, repository);
    if (!reason) continue;
    await step(async () => {
      await closeReview(ctx, location, issue, renderReviewClosedComment(reason));
      outcome.closed += 1;
      ctx.log.info(
        {
          repo: outcome.repo,
          model: issue.ref.model,
          digest: issue.ref.digest,
          issue: issue.number,
          reason: reason.kind,
        },
        "modelgate re-evaluation issue closed",
      );
    });
  }
  await remindTraining(ctx, repository, policy).catch((error: unknown) => void failures.push(error));
  await sweepDocumentReviews(ctx, repository, policy, head).catch((error: unknown) => void failures.push(error));
  if (outcome.deferred > 0)
    ctx.log.warn(
      { repo: outcome.repo, deferred: outcome.deferred },
      "modelgate left re-evaluation issues for the next run",
    );
  if (failures.length > 0) {
    for (const error of failures)
      ctx.log.error(
        { repo: outcome.repo, status: httpStatus(error), reason: (error as Error).message },
        "modelgate could not write a re-evaluation issue",
      );
    throw new AggregateError(
      failures,
      `${plural(failures.length, "re-evaluation issue")} of ${owner}/${repo} could not be written`,
    );
  }
  // after the re-evaluation issues: a monitoring outage never keeps them from being written (the job is tried again)
  if (monitored.failures.length > 0)
    throw new AggregateError(monitored.failures, `the monitoring of ${owner}/${repo} could not be read or written`);
  return outcome;
}

/**
 * Why an open issue no longer applies: a newer evaluation of its digest (linked at the manifest
 * on the default branch), the version is in use nowhere any more, or the policy lets its evaluation count longer. `undefined` keeps it open
 * (e.g. the latest record of its digest failed: the gates fail it, the issue stays).
 */
function closingReason(
  issue: ReviewIssue,
  statuses: ReadonlyArray<ReviewStatus>,
  repository: SweptRepository,
): ReviewClosing | undefined {
  const same = statuses.filter((status) => status.name === issue.ref.model && status.digest === issue.ref.digest);
  if (same.length === 0) return { kind: "not-in-use" };
  const newer = same.find((status) => evaluationTime(status.evaluation.date) > evaluationTime(issue.ref.evaluated));
  if (!newer) {
    // the same evaluation, no longer near expiry: the policy now lets it count longer
    return same.some((status) => status.evaluation.date === issue.ref.evaluated && status.stage === "current")
      ? { kind: "no-longer-due" }
      : undefined;
  }
  const at = newer.at.find((place) => place.kind === "default branch") ?? newer.at[0];
  const link = at
    ? `${repository.repositoryUrl}/blob/${at.commit}/${at.manifestPath.split("/").map(encodeURIComponent).join("/")}`
    : repository.repositoryUrl;
  return { kind: "re-evaluated", date: newer.evaluation.date, link };
}

async function updateReview(
  ctx: SweepContext,
  { owner, repo }: { owner: string; repo: string },
  issue: ReviewIssue,
  update: { body: string; comment: string | undefined },
): Promise<void> {
  // the body first: a failed comment is not repeated by the next run (no duplicate notices)
  await ctx.octokit.rest.issues.update({ owner, repo, issue_number: issue.number, body: update.body });
  if (update.comment)
    await ctx.octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: update.comment });
}

async function closeReview(
  ctx: SweepContext,
  { owner, repo }: { owner: string; repo: string },
  issue: ReviewIssue,
  comment: string,
): Promise<void> {
  await ctx.octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: comment });
  await ctx.octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    state: "closed",
    state_reason: "completed",
  });
}

/**
 * The release in use: the latest release that counts, in the order every gate compares releases
 * (gatedReleases: passed its gate, or published before the App was installed) — the release a
 * deployment is compared with when no deployment was approved. Not GitHub's "latest" flag, which
 * a hotfix or a failed release can carry.
 */
async function releaseInUse(
  octokit: ProbotOctokit,
  location: { owner: string; repo: string },
): Promise<ReleaseBaseline<ReleaseUnderEvaluation> | undefined> {
  const releases = await listReleases(octokit, location);
  if (releases.length === 0) return undefined;
  const check = { name: RELEASE_CHECK_NAME, appId: await ownAppId(octokit) };
  let installedAt: Promise<string> | undefined;
  const installed = (): Promise<string> => (installedAt ??= readInstallationCreatedAt(octokit, location));
  return releaseBaseline(octokit, location, NOT_A_RELEASE, releases, check, installed);
}

/**
 * The daily run over every repository an installation can see (archived ones are skipped: they
 * take no issues). One repository that fails does not stop the others; each failure is logged
 * and the run throws at the end, so the job is retried.
 */
export async function sweepInstallation(ctx: SweepContext): Promise<SweepOutcome[]> {
  const repositories = await ctx.octokit.paginate(ctx.octokit.rest.apps.listReposAccessibleToInstallation, {
    per_page: 100,
  });
  const outcomes: SweepOutcome[] = [];
  const failures: unknown[] = [];
  for (const repository of repositories) {
    if (repository.archived || repository.disabled) continue;
    const swept = {
      owner: repository.owner.login,
      repo: repository.name,
      defaultBranch: repository.default_branch,
      repositoryUrl: repository.html_url,
    };
    try {
      outcomes.push(await sweepRepository(ctx, swept));
    } catch (error) {
      failures.push(error);
      ctx.log.error(
        { repo: `${swept.owner}/${swept.repo}`, status: httpStatus(error), reason: (error as Error).message },
        "modelgate could not check the evaluations of a repository",
      );
    }
  }
  ctx.log.info(
    {
      repositories: outcomes.length,
      failed: failures.length,
      opened: sum(outcomes, "opened"),
      updated: sum(outcomes, "updated"),
      closed: sum(outcomes, "closed"),
    },
    "modelgate daily re-evaluation run",
  );
  if (failures.length > 0)
    throw new AggregateError(failures, `${plural(failures.length, "repository", "repositories")} could not be checked`);
  return outcomes;
}

/** The daily run over every installation of the App: what the queue's daily job runs (one runner across replicas). */
export async function sweepAllInstallations(
  app: Probot,
  options: { now: Date; markerKey: string; coordination: Coordination },
): Promise<SweepOutcome[]> {
  const appOctokit = await app.auth();
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  const outcomes: SweepOutcome[] = [];
  const failures: unknown[] = [];
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    const octokit = await app.auth(installation.id);
    const log = app.log.child({ installation: installation.id });
    try {
      outcomes.push(
        ...(await sweepInstallation({
          octokit,
          log,
          now: options.now,
          markerKey: options.markerKey,
          coordination: options.coordination,
        })),
      );
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0)
    throw new AggregateError(failures, `${plural(failures.length, "installation")} could not be checked in full`);
  return outcomes;
}

function sum(outcomes: ReadonlyArray<SweepOutcome>, field: "opened" | "updated" | "closed"): number {
  return outcomes.reduce((total, outcome) => total + outcome[field], 0);
}
