import type { Logger } from "pino";
import type { Context, Probot, ProbotOctokit } from "probot";
import { decisionRecords, type DecisionSource } from "../core/inventory/decisions.js";
import { sweepPause, type RateLimitReading } from "../core/inventory/pacing.js";
import { repositoryEntry } from "../core/inventory/repository-entry.js";
import type { Decision } from "../core/evaluate/types.js";
import { ownAppId } from "../github/app-identity.js";
import { errorMessage, httpStatus } from "../github/errors.js";
import {
  listInstallationRepositories,
  organisationPolicies,
  readEndOfLifeIssues,
  readRepositoryFacts,
  RepositoryGone,
  type ListedRepository,
  type OrganisationPolicies,
} from "../github/read-inventory.js";
import type { Jobs } from "../queue/job-queue.js";
import type { InventoryStore } from "../store/inventory-store.js";
import type { Clock } from "./context.js";

export const INVENTORY_DAILY_JOB = "modelgate-inventory-daily";
export const INVENTORY_INSTALLATION_JOB = "modelgate-inventory-installation";
export const INVENTORY_REFRESH_JOB = "modelgate-inventory-refresh";

/** How long the inventory keeps a model version no default branch holds any more, and the decisions on it. */
export const INVENTORY_HISTORY_DAYS = 400;

export interface InventoryDeps {
  store: InventoryStore;
  markerKey: string;
  clock: Clock;
}

/** One repository to refresh; the default branch and visibility are read when the event did not say them. */
export interface RefreshRequest {
  installationId: number;
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private?: boolean;
  defaultBranch?: string;
}

export interface InstallationSweepRequest {
  installationId: number;
  /** Resume after this repository id (a sweep paused for the rate limit). */
  after?: number;
}

/** What one installation's sweep did. */
export interface InstallationSweep {
  swept: number;
  removed: number;
  failed: number;
  /** The sweep stopped to leave the rate limit to the gates; a continuation is queued. */
  pausedAfter?: number;
}

/**
 * The inventory's jobs (docs/inventory.md): the daily sweep of every installation, the sweep of one
 * installation (new, or resuming after a rate-limit pause) and the refresh of one repository (a push to its
 * default branch, an end-of-life issue changed, a repository added). Refreshes are deduplicated per repository
 * while one waits. Returns what the webhooks use.
 */
export function defineInventoryJobs(jobs: Jobs, deps: InventoryDeps): InventoryFeed {
  const feed: InventoryFeed = {
    deps,
    refresh: async (request) => {
      await jobs.enqueue(INVENTORY_REFRESH_JOB, request, { singletonKey: `repository:${request.id}` });
    },
    sweepInstallation: async (request, startAfterSeconds) => {
      await jobs.enqueue(INVENTORY_INSTALLATION_JOB, request, {
        singletonKey: `installation:${request.installationId}:${request.after ?? 0}`,
        ...(startAfterSeconds !== undefined ? { startAfterSeconds } : {}),
      });
    },
  };
  jobs.defineCron({
    name: INVENTORY_DAILY_JOB,
    cron: "30 4 * * *",
    retryLimit: 2,
    expireInSeconds: 3600,
    run: async (_data, { probot, log }) => {
      const appOctokit = await probot.auth();
      const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
      // an uninstallation whose webhook was missed (the server was down) is caught up with here, as a missed
      // repository removal is by the installation's sweep: GitHub no longer lists it, so nothing of it is kept
      const listed = new Set(installations.map((installation) => installation.id));
      let uninstalled = 0;
      for (const id of await deps.store.installationIds())
        if (!listed.has(id)) uninstalled += await deps.store.removeInstallation(id);
      // each installation is its own job: one slow or failing installation does not hold the others
      for (const installation of installations) {
        if (installation.suspended_at) continue;
        await feed.sweepInstallation({ installationId: installation.id });
      }
      const pruned = await deps.store.prune(new Date(deps.clock().getTime() - INVENTORY_HISTORY_DAYS * 86_400_000));
      log.info({ installations: installations.length, uninstalled, pruned }, "modelgate inventory sweep queued");
    },
  });
  jobs.defineJob<InstallationSweepRequest>({
    name: INVENTORY_INSTALLATION_JOB,
    retryLimit: 3,
    expireInSeconds: 3600,
    run: async (request, { probot, log }) => {
      const octokit = await probot.auth(request.installationId);
      const outcome = await sweepInstallation(octokit, request, deps, log);
      if (outcome.pausedAfter !== undefined && outcome.resumeInSeconds !== undefined)
        await feed.sweepInstallation(
          { installationId: request.installationId, after: outcome.pausedAfter },
          outcome.resumeInSeconds,
        );
    },
  });
  jobs.defineJob<RefreshRequest>({
    name: INVENTORY_REFRESH_JOB,
    retryLimit: 3,
    run: async (request, { probot, log }) => {
      const octokit = await probot.auth(request.installationId);
      await refreshRepository(octokit, request, deps, log);
    },
  });
  return feed;
}

/** What the webhooks hand the inventory. */
export interface InventoryFeed {
  deps: InventoryDeps;
  refresh(request: RefreshRequest): Promise<void>;
  sweepInstallation(request: InstallationSweepRequest, startAfterSeconds?: number): Promise<void>;
}

/**
 * Sweeps one installation: lists its repositories (one request per 100), forgets those it no longer lists,
 * and refreshes each, in id order, stopping when a rate limit has less than its reserved share left
 * (core/inventory/pacing.ts); the caller queues the rest for after the reset.
 */
export async function sweepInstallation(
  octokit: ProbotOctokit,
  request: InstallationSweepRequest,
  deps: InventoryDeps,
  log: Logger,
): Promise<InstallationSweep & { resumeInSeconds?: number }> {
  const readings = rateLimitReadings(octokit);
  const listed = (await listInstallationRepositories(octokit)).sort((a, b) => a.id - b.id);
  const listedIds = new Set(listed.map((repository) => repository.id));
  const outcome: InstallationSweep & { resumeInSeconds?: number } = { swept: 0, removed: 0, failed: 0 };
  for (const id of await deps.store.repositoryIdsOf(request.installationId)) {
    if (listedIds.has(id)) continue;
    await deps.store.removeRepository(id);
    outcome.removed += 1;
  }
  const organisationPolicy = organisationPolicies(octokit);
  let last = request.after;
  for (const repository of listed) {
    if (request.after !== undefined && repository.id <= request.after) continue;
    const pause = sweepPause([...readings.values()], deps.clock());
    if (pause && last !== undefined) {
      log.info(
        { installation: request.installationId, after: last, resume_in_seconds: pause.resumeInSeconds },
        "modelgate inventory sweep pauses for the rate limit",
      );
      return { ...outcome, pausedAfter: last, resumeInSeconds: pause.resumeInSeconds };
    }
    const result = await refreshListed(octokit, { ...repository, installationId: request.installationId }, deps, log, {
      organisationPolicy,
    });
    outcome[result] += 1;
    last = repository.id;
  }
  log.info({ installation: request.installationId, ...outcome }, "modelgate inventory sweep done");
  return outcome;
}

/** Refreshes one repository named by an event; one the App can no longer read leaves the inventory. */
export async function refreshRepository(
  octokit: ProbotOctokit,
  request: RefreshRequest,
  deps: InventoryDeps,
  log: Logger,
): Promise<"swept" | "removed" | "failed"> {
  let repository: ListedRepository;
  if (request.defaultBranch !== undefined && request.private !== undefined) {
    repository = {
      id: request.id,
      owner: request.owner,
      name: request.name,
      fullName: request.fullName,
      private: request.private,
      defaultBranch: request.defaultBranch,
      archived: false,
    };
  } else {
    try {
      const { data } = await octokit.rest.repos.get({ owner: request.owner, repo: request.name });
      repository = {
        id: data.id,
        owner: data.owner.login,
        name: data.name,
        fullName: data.full_name,
        private: data.private,
        defaultBranch: data.default_branch,
        archived: data.archived,
      };
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      await deps.store.removeRepository(request.id);
      return "removed";
    }
  }
  const result = await refreshListed(octokit, { ...repository, installationId: request.installationId }, deps, log, {
    organisationPolicy: organisationPolicies(octokit),
  });
  if (result === "failed") throw new Error(`the inventory of ${request.fullName} could not be refreshed`);
  return result;
}

async function refreshListed(
  octokit: ProbotOctokit,
  repository: ListedRepository & { installationId: number },
  deps: InventoryDeps,
  log: Logger,
  { organisationPolicy }: { organisationPolicy: OrganisationPolicies },
): Promise<"swept" | "removed" | "failed"> {
  try {
    const facts = await readRepositoryFacts(octokit, repository, { markerKey: deps.markerKey, organisationPolicy });
    let entry = repositoryEntry(facts);
    // the issues are read only when a model needs them
    if (entry.models.some((model) => model.status === "decommissioned")) {
      const endOfLifeIssues = await readEndOfLifeIssues(octokit, repository, facts.policy.result, deps.markerKey);
      entry = repositoryEntry({ ...facts, endOfLifeIssues });
    }
    await deps.store.replaceRepository(entry, deps.clock());
    return "swept";
  } catch (error) {
    if (error instanceof RepositoryGone) {
      await deps.store.removeRepository(repository.id);
      return "removed";
    }
    // the repository keeps its last snapshot; the next sweep or event tries again
    log.warn(
      { repo: repository.fullName, status: httpStatus(error), reason: errorMessage(error) },
      "modelgate could not refresh a repository's inventory",
    );
    return "failed";
  }
}

/** The rate limits GitHub states on this client's answers, by resource (the newest answer of each). */
function rateLimitReadings(octokit: ProbotOctokit): Map<string, RateLimitReading> {
  const readings = new Map<string, RateLimitReading>();
  octokit.hook.after("request", (response) => {
    const headers = response.headers as Record<string, string | number | undefined>;
    const limit = Number(headers["x-ratelimit-limit"]);
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const resetAt = Number(headers["x-ratelimit-reset"]);
    if (![limit, remaining, resetAt].every(Number.isFinite)) return;
    const resource = String(headers["x-ratelimit-resource"] ?? "core");
    readings.set(resource, { resource, limit, remaining, resetAt });
  });
  return readings;
}

// --- webhooks ---

type RepositoryPayload = {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  default_branch?: string;
  owner?: { login: string } | null;
};

function refreshRequestOf(installationId: number, repository: RepositoryPayload): RefreshRequest {
  const owner = repository.owner?.login ?? repository.full_name.split("/")[0] ?? "";
  return {
    installationId,
    id: repository.id,
    owner,
    name: repository.name,
    fullName: repository.full_name,
    private: repository.private,
    ...(repository.default_branch !== undefined ? { defaultBranch: repository.default_branch } : {}),
  };
}

/** A new installation is swept at once; an uninstalled one leaves the inventory at once. */
export function onInstallation(feed: InventoryFeed) {
  return async (context: Context<"installation">): Promise<void> => {
    const { action, installation } = context.payload;
    if (action === "created" || action === "unsuspend")
      await feed.sweepInstallation({ installationId: installation.id });
    else if (action === "deleted") {
      const removed = await feed.deps.store.removeInstallation(installation.id);
      context.log.info({ installation: installation.id, removed }, "modelgate inventory forgot an installation");
    }
  };
}

/** Repositories added to an installation are swept at once; removed ones leave the inventory at once. */
export function onInstallationRepositories(feed: InventoryFeed) {
  return async (context: Context<"installation_repositories">): Promise<void> => {
    const { installation, repositories_added: added, repositories_removed: removed } = context.payload;
    for (const repository of removed)
      if (repository.id !== undefined) await feed.deps.store.removeRepository(repository.id);
    for (const repository of added) {
      const [owner = "", name = repository.name] = repository.full_name.split("/");
      await feed.refresh({
        installationId: installation.id,
        id: repository.id,
        owner,
        name,
        fullName: repository.full_name,
      });
    }
  };
}

/** A push to the default branch may change its models: the repository is refreshed (deduplicated while one waits). */
export function onInventoryPush(feed: InventoryFeed) {
  return async (context: Context<"push">): Promise<void> => {
    const { ref, repository, installation } = context.payload;
    if (!installation || ref !== `refs/heads/${repository.default_branch}`) return;
    await feed.refresh(refreshRequestOf(installation.id, repository as RepositoryPayload));
  };
}

/** An issue of this App edited or closed may be an end-of-life issue whose checklist moved: refresh. */
export function onInventoryIssue(feed: InventoryFeed) {
  return async (context: Context<"issues">): Promise<void> => {
    const { issue, repository, installation } = context.payload;
    if (!installation || issue.performed_via_github_app?.id !== (await ownAppId(context.octokit))) return;
    await feed.refresh(refreshRequestOf(installation.id, repository as RepositoryPayload));
  };
}

// --- gate decisions ---

const recorders = new WeakMap<object, { store: InventoryStore; repositoryId: number; log: Logger }>();

/**
 * The handler, with its delivery's client able to record gate decisions in the inventory: the PR, release and
 * deployment gates call recordGateDecision where they write their answer (one call each). Keyed by the
 * delivery's own client, so a decision is recorded for the repository of that delivery and nothing else.
 */
export function recordingGateDecisions<C extends { octokit: object; payload: unknown; log: Logger }>(
  handle: (context: C) => Promise<void>,
  store: InventoryStore | undefined,
): (context: C) => Promise<void> {
  if (!store) return handle;
  return (context) => {
    const repositoryId = (context.payload as { repository?: { id?: unknown } }).repository?.id;
    if (typeof repositoryId === "number") recorders.set(context.octokit, { store, repositoryId, log: context.log });
    return handle(context);
  };
}

/**
 * Records what a gate decided on each model version, as it was written to GitHub. Never fails the gate: a
 * decision the inventory could not record is logged, and the next sweep shows the version without it.
 */
export async function recordGateDecision(octokit: object, decision: Decision, source: DecisionSource): Promise<void> {
  const recorder = recorders.get(octokit);
  if (!recorder) return;
  try {
    for (const record of decisionRecords(recorder.repositoryId, decision, source))
      await recorder.store.recordDecision(record);
  } catch (error) {
    recorder.log.warn(
      { gate: source.gate, reason: errorMessage(error) },
      "modelgate could not record a decision in the inventory",
    );
  }
}

/** The inventory's events, registered by the app (src/index.ts) when it has an inventory. */
export function registerInventoryEvents(app: Probot, feed: InventoryFeed): void {
  app.on("installation", onInstallation(feed));
  app.on("installation_repositories", onInstallationRepositories(feed));
}
