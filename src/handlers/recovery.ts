import type { Logger } from "pino";
import type { Probot, ProbotOctokit } from "probot";
import { detectChanges } from "../core/detect/detect-changes.js";
import { attemptsToRedeliver, REDELIVERY_WINDOW_HOURS } from "../core/recovery/redeliveries.js";
import { endOfLifeToReconcile, releaseToReconcile } from "../core/recovery/reconcile.js";
import { RELEASE_CHECK_NAME } from "../core/render/release-check-run.js";
import { ownAppId } from "../github/app-identity.js";
import { latestCheckRun, latestCheckRunConclusion } from "../github/check-runs.js";
import { conditionalGet } from "../github/conditional-read.js";
import { listDeliveryAttempts, redeliver } from "../github/hook-deliveries.js";
import { openPullRequestsByNumber } from "../github/pull-requests.js";
import { readBasePolicy } from "../github/read-policy.js";
import { readSnapshots } from "../github/read-snapshot.js";
import { releaseUnderEvaluation } from "../github/releases.js";
import type { JobContext, Jobs } from "../queue/job-queue.js";
import type { Coordination } from "../store/coordination.js";
import type { ReconciliationStore } from "../store/reconciliation-store.js";
import { openEndOfLifeIssue } from "./end-of-life.js";
import { CHECK_NAME, evaluateHead } from "./evaluate-pull-request.js";
import type { Clock, EvaluationContext } from "./context.js";
import { evaluateRelease } from "./release.js";

export const RECONCILE_JOB = "modelgate-reconcile";
export const REDELIVER_JOB = "modelgate-redeliver";
export const EVALUATE_HEAD_JOB = "modelgate-evaluate-head";
export const EVALUATE_RELEASE_JOB = "modelgate-evaluate-release";

interface RecoveryDeps {
  clock: Clock;
  markerKey: string;
  coordination: Coordination;
  store: ReconciliationStore;
}

interface HeadJob {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  headSha: string;
}

interface ReleaseJob {
  installationId: number;
  owner: string;
  repo: string;
  releaseId: number;
  defaultBranch: string;
  repositoryUrl: string;
}

/**
 * Recovery without a person (docs/operations.md, "Recovery"): redelivery of failed deliveries
 * every 10 minutes and level-triggered reconciliation every hour, both also on start
 * (server/runtime.ts enqueues them), plus the evaluation jobs reconciliation enqueues.
 */
export function defineRecoveryJobs(jobs: Jobs, deps: RecoveryDeps): void {
  jobs.defineCron({
    name: REDELIVER_JOB,
    cron: "*/10 * * * *",
    retryLimit: 2,
    run: async (_data, { probot, log }) => void (await redeliverFailed(probot, log, deps.clock())),
  });
  jobs.defineCron({
    name: RECONCILE_JOB,
    cron: "17 * * * *",
    retryLimit: 2,
    expireInSeconds: 3600,
    run: async (_data, { probot, log }) => void (await reconcile(probot, log, jobs, deps)),
  });
  jobs.defineJob<HeadJob>({
    name: EVALUATE_HEAD_JOB,
    run: async (data, job) => {
      const ctx = await jobContext(data, job, deps);
      const { octokit } = ctx;
      // every open pull request with this head is judged together (evaluateHead)
      const known = (
        await openPullRequestsByNumber(octokit, { owner: data.owner, repo: data.repo, numbers: [data.number] })
      ).filter((pr) => pr.headSha === data.headSha);
      await evaluateHead(ctx, data.headSha, known);
    },
  });
  jobs.defineJob<ReleaseJob>({
    name: EVALUATE_RELEASE_JOB,
    run: async (data, job) => {
      const ctx = {
        ...(await jobContext(data, job, deps)),
        defaultBranch: data.defaultBranch,
        repositoryUrl: data.repositoryUrl,
      };
      await evaluateRelease(ctx, { id: data.releaseId });
    },
  });
}

/** What an evaluation run from a reconciliation job works with: the installation's client, named after the job. */
async function jobContext(
  data: { installationId: number; owner: string; repo: string },
  { probot, log, jobId }: JobContext,
  deps: RecoveryDeps,
): Promise<EvaluationContext> {
  return {
    octokit: await probot.auth(data.installationId),
    log,
    delivery: `reconcile-${jobId}`,
    owner: data.owner,
    repo: data.repo,
    now: deps.clock(),
    markerKey: deps.markerKey,
    coordination: deps.coordination,
  };
}

/** Asks GitHub to redeliver each failed delivery of the last 3 days that never succeeded. */
export async function redeliverFailed(probot: Probot, log: Logger, now: Date): Promise<{ redelivered: number[] }> {
  const appOctokit = await probot.auth();
  const since = new Date(now.getTime() - REDELIVERY_WINDOW_HOURS * 3_600_000);
  const chosen = attemptsToRedeliver(await listDeliveryAttempts(appOctokit, since), now);
  const redelivered: number[] = [];
  for (const attempt of chosen) {
    try {
      await redeliver(appOctokit, attempt.id);
      redelivered.push(attempt.id);
    } catch (error) {
      log.warn(
        { delivery: attempt.guid, attempt: attempt.id, reason: (error as Error).message },
        "modelgate could not ask GitHub to redeliver a failed delivery",
      );
    }
  }
  if (redelivered.length > 0)
    log.info({ deliveries: chosen.map((a) => a.guid) }, "modelgate asked GitHub to redeliver failed deliveries");
  return { redelivered };
}

export interface ReconcileReport {
  repositories: number;
  headsEnqueued: number;
  releasesEnqueued: number;
  endOfLifeChecked: number;
}

interface Repository {
  name: string;
  owner: { login: string };
  default_branch: string;
  html_url: string;
  archived?: boolean;
}

/** Level-triggered: what should exist and does not is enqueued (or, for end-of-life issues, opened). */
export async function reconcile(probot: Probot, log: Logger, jobs: Jobs, deps: RecoveryDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { repositories: 0, headsEnqueued: 0, releasesEnqueued: 0, endOfLifeChecked: 0 };
  const appOctokit = await probot.auth();
  const installations = await appOctokit.paginate("GET /app/installations", { per_page: 100 });
  for (const installation of installations as Array<{
    id: number;
    created_at?: string;
    suspended_at?: string | null;
  }>) {
    if (installation.suspended_at) continue;
    const octokit = await probot.auth(installation.id);
    const repositories = (await octokit.paginate("GET /installation/repositories", {
      per_page: 100,
    })) as unknown as Repository[];
    for (const repository of repositories) {
      if (repository.archived) continue;
      report.repositories += 1;
      try {
        await reconcileRepository(
          octokit,
          log,
          jobs,
          deps,
          { installationId: installation.id, installedAt: installation.created_at, repository },
          report,
        );
      } catch (error) {
        // one repository that cannot be read must not stop the others; the next run tries again
        log.warn(
          { repo: `${repository.owner.login}/${repository.name}`, reason: (error as Error).message },
          "modelgate could not reconcile a repository",
        );
      }
    }
  }
  log.info({ ...report }, "modelgate reconciled its installations");
  return report;
}

async function reconcileRepository(
  octokit: ProbotOctokit,
  log: Logger,
  jobs: Jobs,
  deps: RecoveryDeps,
  {
    installationId,
    installedAt,
    repository,
  }: { installationId: number; installedAt: string | undefined; repository: Repository },
  report: ReconcileReport,
): Promise<void> {
  const owner = repository.owner.login;
  const repo = repository.name;
  const appId = await ownAppId(octokit);
  const { store } = deps;

  const openPulls: Array<{ number: number; head: { sha: string } }> = [];
  for (let page = 1; ; page++) {
    const pulls = await conditionalGet<Array<{ number: number; head: { sha: string } }>>(
      octokit,
      store,
      "GET /repos/{owner}/{repo}/pulls",
      {
        owner,
        repo,
        state: "open",
        per_page: 100,
        page,
      },
    );
    openPulls.push(...pulls.data);
    if (pulls.data.length < 100) break;
  }
  // a head or release a stored delivery will judge is left to it: judging it here too costs a second write
  const pending = await store.pendingWork(owner, repo);
  for (const pull of openPulls) {
    if (pending.heads.has(pull.head.sha)) continue;
    const key = `head-completed:${owner}/${repo}@${pull.head.sha}`;
    if ((await store.remembered(key)) !== undefined) continue;
    const run = await latestCheckRun(octokit, { owner, repo, headSha: pull.head.sha, name: CHECK_NAME, appId });
    // a completed run stays completed: that head is never asked about again; but a "Could not evaluate" GitHub
    // caused is no answer, and its head is evaluated again until a run decides on facts
    if (typeof run?.conclusion === "string" && !run.transientFailure) await store.remember(key);
    else {
      await jobs.enqueue(
        EVALUATE_HEAD_JOB,
        { installationId, owner, repo, number: pull.number, headSha: pull.head.sha } satisfies HeadJob,
        {
          singletonKey: `${owner}/${repo}@${pull.head.sha}`,
          singletonSeconds: 3600,
        },
      );
      report.headsEnqueued += 1;
    }
  }

  const releases = await conditionalGet<Parameters<typeof releaseUnderEvaluation>[0][]>(
    octokit,
    store,
    "GET /repos/{owner}/{repo}/releases",
    {
      owner,
      repo,
      per_page: 100,
    },
  );
  for (const release of releases.data.map(releaseUnderEvaluation)) {
    if (!releaseToReconcile(release, installedAt) || pending.releases.has(release.id)) continue;
    const key = `release-completed:${owner}/${repo}#${release.id}@${release.tagName}`;
    if ((await store.remembered(key)) !== undefined) continue;
    const conclusion = await latestCheckRunConclusion(octokit, {
      owner,
      repo,
      headSha: release.tagName,
      name: RELEASE_CHECK_NAME,
      appId,
    });
    if (typeof conclusion === "string") await store.remember(key);
    else {
      const job: ReleaseJob = {
        installationId,
        owner,
        repo,
        releaseId: release.id,
        defaultBranch: repository.default_branch,
        repositoryUrl: repository.html_url,
      };
      await jobs.enqueue(EVALUATE_RELEASE_JOB, job, {
        singletonKey: `${owner}/${repo}#release-${release.id}`,
        singletonSeconds: 3600,
      });
      report.releasesEnqueued += 1;
    }
  }

  // end-of-life issues: only when the default branch moved since the last reconciliation
  const branch = repository.default_branch;
  const ref = await conditionalGet<{ object: { sha: string } }>(
    octokit,
    store,
    "GET /repos/{owner}/{repo}/git/ref/{ref}",
    {
      owner,
      repo,
      ref: `heads/${branch}`,
    },
  );
  const commit = ref.data.object.sha;
  const eolKey = `end-of-life-reconciled:${owner}/${repo}`;
  const previous = await store.remembered(eolKey);
  if (previous === commit) return;
  const read = await readBasePolicy(octokit, { owner, repo, branch });
  if (!read.ok) return;
  // what the missed pushes decommissioned since the last look, a deleted manifest included (only a diff shows it)
  let snapshots: Awaited<ReturnType<typeof readSnapshots>> | undefined;
  if (previous) {
    try {
      snapshots = await readSnapshots(octokit, { owner, repo, baseCommit: previous, headCommit: commit }, read.policy);
    } catch (error) {
      // the previous commit is gone (a force push): the models decommissioned at the head are still found
      log.warn(
        { repo: `${owner}/${repo}`, previous, reason: (error as Error).message },
        "modelgate could not compare the default branch with its last reconciled commit",
      );
    }
  }
  const head =
    snapshots?.head ??
    (await readSnapshots(octokit, { owner, repo, baseCommit: commit, headCommit: commit }, read.policy)).head;
  const detected = detectChanges(read.policy, snapshots?.base ?? head, head);
  const decommissioned = endOfLifeToReconcile(snapshots ? detected.changes : [], detected.models.head);
  const ctx = {
    octokit,
    log,
    delivery: `reconcile-${owner}/${repo}@${commit.slice(0, 7)}`,
    owner,
    repo,
    defaultBranch: branch,
    markerKey: deps.markerKey,
    coordination: deps.coordination,
  };
  for (const change of decommissioned) await openEndOfLifeIssue(ctx, read.policy, change, { commit, appId });
  report.endOfLifeChecked += decommissioned.length;
  await store.remember(eolKey, commit);
}
