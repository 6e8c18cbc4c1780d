import type { TreeEntry } from "../core/detect/snapshot.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import { judgeMonitoring, type MonitoringStatus } from "../core/monitoring/judge.js";
import type { Policy } from "../core/policy/schema.js";
import {
  driftIssueTitle,
  driftRef,
  renderDriftClearedComment,
  renderDriftIssueBody,
  renderDriftNotInUseComment,
} from "../core/render/drift-issue.js";
import type { ModelInUse, SecurityBreach } from "../core/review/re-evaluation.js";
import { ownAppId } from "../github/app-identity.js";
import { errorMessage, httpStatus } from "../github/errors.js";
import { ensureDriftIssue, isDriftOf, listDriftIssues, type DriftIssue } from "../github/drift-issues.js";
import { readArtifactReports, readCommittedReports, versionKey } from "../github/monitoring-reports.js";
import type { SweepContext, SweptRepository } from "./re-evaluation.js";

/** What the monitoring part of one repository's daily run did. */
export interface MonitoringOutcome {
  /** Model versions whose monitoring has a finding. */
  breached: number;
  opened: number;
  updated: number;
  closed: number;
  deferred: number;
}

/** Drift issue writes in one repository per run (an issue costs up to three requests); the rest waits a day. */
export const MAX_DRIFT_WRITES_PER_RUN = 20;

/**
 * docs/monitoring.md: the daily run's monitoring of one repository. With `monitoring` in the policy, every model
 * version in use has its reports read (committed, or a workflow's artefact) and judged; a version with findings
 * has one open "Drift detected" issue (opened, edited when the findings change, reopened when they come back), a
 * version without closes it. Returns the security breaches (they make re-evaluations due) and the failures, read or
 * write: the run writes its re-evaluation issues first, then fails so that its job is tried again (a monitoring
 * outage never keeps a re-evaluation from being announced).
 */
export async function monitorModels(
  ctx: SweepContext,
  repository: SweptRepository,
  facts: { policy: Policy; head: string; entries: ReadonlyMap<string, TreeEntry>; models: ReadonlyArray<ModelInUse> },
): Promise<{ securityBreaches: SecurityBreach[]; outcome?: MonitoringOutcome; failures: unknown[] }> {
  try {
    return await monitor(ctx, repository, facts);
  } catch (error) {
    ctx.log.error(
      { repo: `${repository.owner}/${repository.repo}`, status: httpStatus(error), reason: errorMessage(error) },
      "modelgate could not read the monitoring reports of a repository",
    );
    return { securityBreaches: [], failures: [error] };
  }
}

async function monitor(
  ctx: SweepContext,
  repository: SweptRepository,
  facts: { policy: Policy; head: string; entries: ReadonlyMap<string, TreeEntry>; models: ReadonlyArray<ModelInUse> },
): Promise<{ securityBreaches: SecurityBreach[]; outcome?: MonitoringOutcome; failures: unknown[] }> {
  const monitoring = facts.policy.monitoring;
  if (!monitoring) return { securityBreaches: [], failures: [] };
  const { owner, repo, defaultBranch } = repository;
  const location = { owner, repo };
  const versions = facts.models.map(({ name, version, digest }) => ({ name, version, digest }));
  const found = monitoring.reports.workflow
    ? await readArtifactReports(ctx.octokit, { owner, repo, branch: defaultBranch }, monitoring, versions)
    : await readCommittedReports(ctx.octokit, { owner, repo, commit: facts.head }, facts.entries, monitoring, versions);
  const statuses = versions.map((v) => judgeMonitoring(monitoring, v, found.get(versionKey(v)) ?? [], ctx.now));
  const appId = await ownAppId(ctx.octokit);
  const issues = await listDriftIssues(ctx.octokit, location, { appId, markerKey: ctx.markerKey });
  const outcome: MonitoringOutcome = { breached: 0, opened: 0, updated: 0, closed: 0, deferred: 0 };
  const failures: unknown[] = [];
  const label = { ensured: false };
  let writes = 0;
  const step = async (work: () => Promise<void>) => {
    if (writes >= MAX_DRIFT_WRITES_PER_RUN) {
      outcome.deferred += 1;
      return;
    }
    writes += 1;
    await work().catch((error: unknown) => {
      failures.push(error);
      ctx.log.error(
        { repo: `${owner}/${repo}`, status: httpStatus(error), reason: errorMessage(error) },
        "modelgate could not write a drift issue",
      );
    });
  };
  const fullName = `${owner}/${repo}`;
  const bodyFor = (status: MonitoringStatus, issue: number) =>
    renderDriftIssueBody({
      status,
      repo: fullName,
      org: owner,
      policy: facts.policy,
      markerKey: issueMarkerKey(ctx.markerKey, { owner, repo, issue }),
    });

  for (const status of statuses) {
    const existing = issues.find((issue) => isDriftOf(issue, status));
    if (status.findings.length > 0) outcome.breached += 1;
    if (status.findings.length === 0) {
      if (existing?.state !== "open") continue;
      await step(async () => {
        await closeDrift(ctx, location, existing, renderDriftClearedComment(status), bodyFor(status, existing.number));
        outcome.closed += 1;
        ctx.log.info(
          { repo: fullName, model: status.name, version: status.version, issue: existing.number },
          "modelgate drift issue closed",
        );
      });
      continue;
    }
    if (!existing) {
      await step(async () => {
        const { issue, created } = await ensureDriftIssue(
          ctx.octokit,
          location,
          {
            ref: driftRef(fullName, status),
            title: driftIssueTitle(status.name, status.version),
            body: (issueKey) =>
              renderDriftIssueBody({ status, repo: fullName, org: owner, policy: facts.policy, markerKey: issueKey }),
            appId,
            markerKey: ctx.markerKey,
          },
          ctx.coordination,
          label,
        );
        if (created) outcome.opened += 1;
        ctx.log.info(
          {
            repo: fullName,
            model: status.name,
            version: status.version,
            digest: status.digest,
            issue: issue.number,
            findings: status.findings.map((f) => f.kind),
          },
          "modelgate drift issue opened",
        );
      });
      continue;
    }
    const body = bodyFor(status, existing.number);
    // unchanged findings: nothing to say (a closed one stays closed: whoever closed it saw these findings)
    if (existing.body === body) continue;
    await step(async () => {
      await ctx.octokit.rest.issues.update({
        owner,
        repo,
        issue_number: existing.number,
        body,
        ...(existing.state === "closed" ? { state: "open" as const } : {}),
      });
      outcome.updated += 1;
      ctx.log.info(
        {
          repo: fullName,
          model: status.name,
          version: status.version,
          issue: existing.number,
          reopened: existing.state === "closed",
        },
        "modelgate drift issue updated",
      );
    });
  }
  for (const issue of issues) {
    if (issue.state !== "open" || statuses.some((status) => isDriftOf(issue, status))) continue;
    await step(async () => {
      await closeDrift(ctx, location, issue, renderDriftNotInUseComment());
      outcome.closed += 1;
    });
  }
  const securityBreaches = statuses.flatMap((status) =>
    status.securityBreach
      ? [{ name: status.name, version: status.version, digest: status.digest, ...status.securityBreach }]
      : [],
  );
  return { securityBreaches, outcome, failures };
}

async function closeDrift(
  ctx: SweepContext,
  { owner, repo }: { owner: string; repo: string },
  issue: DriftIssue,
  comment: string,
  body?: string,
): Promise<void> {
  await ctx.octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: comment });
  // the body says it cleared: the same findings coming back later differ from it and reopen the issue
  await ctx.octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    state: "closed",
    state_reason: "completed",
    ...(body ? { body } : {}),
  });
}
