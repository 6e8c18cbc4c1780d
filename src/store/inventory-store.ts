import type pg from "pg";
import { environmentKey } from "../core/deploy/judge-deployment.js";
import { modelMatches } from "../core/inventory/filters.js";
import type {
  DeploymentDecision,
  GateDecisionInput,
  InventoryModel,
  InventoryRepository,
  ModelFilter,
  ModelStatus,
  ModelTimeline,
  PullRequestDecision,
  ReleaseDecision,
  RepositorySnapshot,
  UnmanagedFile,
  VersionStanding,
} from "../core/inventory/types.js";
import { SCHEMA } from "./database.js";

/**
 * The organisation's inventory in Postgres (docs/inventory.md). Reads take the repositories the caller may
 * see: there is no "everything" read, so the dashboard cannot forget the access rule.
 */
export interface InventoryStore {
  /** The repositories among `repositoryIds` the inventory holds, by full name. */
  listRepositories(repositoryIds: ReadonlyArray<number>): Promise<InventoryRepository[]>;
  /** The models at the default branch of those repositories that pass every filter, by repository then name. */
  listModels(filter: ModelFilter): Promise<InventoryModel[]>;
  /** Every version of one model the inventory knows, newest first; undefined when it knows none. */
  modelTimeline(repositoryId: number, model: string): Promise<ModelTimeline | undefined>;
  /** The unmanaged files of those repositories, by repository then path. */
  listUnmanaged(repositoryIds: ReadonlyArray<number>): Promise<UnmanagedFile[]>;

  /** Replaces one repository's snapshot at once (repository, models, their swept standing, unmanaged files). */
  replaceRepository(snapshot: RepositorySnapshot, at: Date): Promise<void>;
  /** Records a gate's decision on a model version (the newest per gate, release tag and environment is kept). */
  recordDecision(input: GateDecisionInput): Promise<void>;
  /** Forgets a repository the App can no longer read: everything of it, at once. */
  removeRepository(repositoryId: number): Promise<void>;
  /** Forgets every repository of an installation (the App uninstalled); returns how many. */
  removeInstallation(installationId: number): Promise<number>;
  /** The repository ids the inventory holds for an installation (the sweep removes those GitHub no longer lists). */
  repositoryIdsOf(installationId: number): Promise<number[]>;
  /** The installations the inventory holds repositories of (the daily sweep forgets those GitHub no longer lists). */
  installationIds(): Promise<number[]>;
  /** Deletes versions no longer at any default branch and decisions older than `before` (the retention). */
  prune(before: Date): Promise<{ versions: number; decisions: number }>;
}

interface RepositoryRow {
  repository_id: string;
  installation_id: string;
  full_name: string;
  private: boolean;
  default_branch: string;
  head_sha: string | null;
  has_policy: boolean;
  policy_problem: string | null;
  manifest_problems: InventoryRepository["manifestProblems"];
  swept_at: Date;
}

interface VersionRow {
  repository_id: string;
  model: string;
  digest: string;
  version: string;
  sign_offs: VersionStanding["signOffs"] | null;
  awaiting_roles: string[] | null;
  evaluation: VersionStanding["evaluation"];
  end_of_life: VersionStanding["endOfLife"];
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  decisions: Array<{ gate: GateDecisionInput["gate"]; decision: unknown }> | null;
}

const REPOSITORY_COLUMNS = `repository_id, installation_id, full_name, private, default_branch, head_sha, has_policy,
  policy_problem, manifest_problems, swept_at`;

function repositoryOf(row: RepositoryRow): InventoryRepository {
  return {
    installationId: Number(row.installation_id),
    repositoryId: Number(row.repository_id),
    fullName: row.full_name,
    private: row.private,
    defaultBranch: row.default_branch,
    headSha: row.head_sha,
    hasPolicy: row.has_policy,
    policyProblem: row.policy_problem,
    manifestProblems: row.manifest_problems,
    sweptAt: row.swept_at.toISOString(),
  };
}

/** A version's standing from its row and its decisions (the newest pull request decision is the one shown). */
function standingOf(row: VersionRow): VersionStanding {
  const pullRequests: PullRequestDecision[] = [];
  const releases: ReleaseDecision[] = [];
  const deployments: DeploymentDecision[] = [];
  for (const { gate, decision } of row.decisions ?? []) {
    if (gate === "pull_request") pullRequests.push(decision as PullRequestDecision);
    else if (gate === "release") releases.push(decision as ReleaseDecision);
    else deployments.push(decision as DeploymentDecision);
  }
  const newestFirst = (a: { decidedAt: string }, b: { decidedAt: string }): number =>
    Date.parse(b.decidedAt) - Date.parse(a.decidedAt);
  pullRequests.sort(newestFirst);
  releases.sort(newestFirst);
  deployments.sort(newestFirst);
  return {
    model: row.model,
    version: row.version,
    digest: row.digest,
    pullRequest: pullRequests[0] ?? null,
    releases,
    deployments,
    signOffs: row.sign_offs ?? [],
    awaitingRoles: row.awaiting_roles ?? [],
    evaluation: row.evaluation,
    endOfLife: row.end_of_life,
    firstSeenAt: row.first_seen_at?.toISOString() ?? null,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
  };
}

/** The decisions of one version, as one json array (null when none). */
function decisionsOf(repositoryId: string, model: string, digest: string): string {
  return `(SELECT json_agg(json_build_object('gate', d.gate, 'decision', d.decision))
   FROM ${SCHEMA}.inventory_decisions d
   WHERE d.repository_id = ${repositoryId} AND d.model = ${model} AND d.digest = ${digest})`;
}

function decisionKey(input: GateDecisionInput): string {
  if (input.gate === "release") return input.decision.tag;
  if (input.gate === "deployment") return environmentKey(input.decision.environment);
  // one pull request decision per version: the newest (a later PR with the same digest replaces it)
  return "";
}

export function postgresInventoryStore(pool: pg.Pool): InventoryStore {
  const ids = (repositoryIds: ReadonlyArray<number>): string[] => repositoryIds.map(String);
  return {
    listRepositories: async (repositoryIds) => {
      const { rows } = await pool.query<RepositoryRow>(
        `SELECT ${REPOSITORY_COLUMNS} FROM ${SCHEMA}.inventory_repositories WHERE repository_id = ANY($1::bigint[])
         ORDER BY full_name COLLATE "C"`,
        [ids(repositoryIds)],
      );
      return rows.map(repositoryOf);
    },

    listModels: async (filter) => {
      const { rows } = await pool.query<
        VersionRow & { full_name: string; name: string; status: ModelStatus; manifest_path: string }
      >(
        `SELECT m.repository_id, r.full_name, m.name, m.status, m.manifest_path,
                m.name AS model, m.digest, m.version, v.sign_offs, v.awaiting_roles, v.evaluation, v.end_of_life,
                v.first_seen_at, v.last_seen_at, ${decisionsOf("m.repository_id", "m.name", "m.digest")} AS decisions
         FROM ${SCHEMA}.inventory_models m
         JOIN ${SCHEMA}.inventory_repositories r ON r.repository_id = m.repository_id
         LEFT JOIN ${SCHEMA}.inventory_versions v
           ON v.repository_id = m.repository_id AND v.model = m.name AND v.digest = m.digest
         WHERE m.repository_id = ANY($1::bigint[])
         ORDER BY r.full_name COLLATE "C", m.name COLLATE "C"`,
        [ids(filter.repositoryIds)],
      );
      const now = filter.now ?? new Date();
      const models: InventoryModel[] = rows.map((row) => ({
        repositoryId: Number(row.repository_id),
        fullName: row.full_name,
        name: row.name,
        version: row.version,
        digest: row.digest,
        status: row.status,
        manifestPath: row.manifest_path,
        standing: standingOf(row),
      }));
      return models.filter((model) => modelMatches(model, filter, now));
    },

    modelTimeline: async (repositoryId, model) => {
      const repository = (
        await pool.query<RepositoryRow>(
          `SELECT ${REPOSITORY_COLUMNS} FROM ${SCHEMA}.inventory_repositories WHERE repository_id = $1`,
          [String(repositoryId)],
        )
      ).rows[0];
      // versions seen at the default branch, and versions only a gate has decided on (a PR not merged yet)
      const { rows } = await pool.query<VersionRow>(
        `WITH digests AS (
           SELECT digest FROM ${SCHEMA}.inventory_versions WHERE repository_id = $1 AND model = $2
           UNION
           SELECT digest FROM ${SCHEMA}.inventory_decisions WHERE repository_id = $1 AND model = $2
         )
         SELECT $1::bigint AS repository_id, $2::text AS model, g.digest,
                coalesce(v.version, (SELECT d.version FROM ${SCHEMA}.inventory_decisions d
                  WHERE d.repository_id = $1 AND d.model = $2 AND d.digest = g.digest ORDER BY d.decided_at DESC LIMIT 1)) AS version,
                v.sign_offs, v.awaiting_roles, v.evaluation, v.end_of_life, v.first_seen_at, v.last_seen_at,
                ${decisionsOf("$1", "$2", "g.digest")} AS decisions
         FROM digests g
         LEFT JOIN ${SCHEMA}.inventory_versions v ON v.repository_id = $1 AND v.model = $2 AND v.digest = g.digest`,
        [String(repositoryId), model],
      );
      if (rows.length === 0) return undefined;
      const versions = rows.map(standingOf).sort(newestVersionFirst);
      const fullName = repository?.full_name ?? "";
      const current = (
        await pool.query<{ version: string; digest: string; status: ModelStatus; manifest_path: string }>(
          `SELECT version, digest, status, manifest_path FROM ${SCHEMA}.inventory_models WHERE repository_id = $1 AND name = $2`,
          [String(repositoryId), model],
        )
      ).rows[0];
      const standing = current && versions.find((version) => version.digest === current.digest);
      return {
        repositoryId,
        fullName,
        model,
        current:
          current && standing
            ? {
                repositoryId,
                fullName,
                name: model,
                version: current.version,
                digest: current.digest,
                status: current.status,
                manifestPath: current.manifest_path,
                standing,
              }
            : null,
        versions,
      };
    },

    listUnmanaged: async (repositoryIds) => {
      const { rows } = await pool.query<{
        repository_id: string;
        full_name: string;
        path: string;
        kind: UnmanagedFile["kind"];
        reason: string;
        evidence: UnmanagedFile["evidence"];
      }>(
        `SELECT u.repository_id, r.full_name, u.path, u.kind, u.reason, u.evidence
         FROM ${SCHEMA}.inventory_unmanaged u JOIN ${SCHEMA}.inventory_repositories r USING (repository_id)
         WHERE u.repository_id = ANY($1::bigint[])
         ORDER BY r.full_name COLLATE "C", u.path COLLATE "C"`,
        [ids(repositoryIds)],
      );
      return rows.map((row) => ({
        repositoryId: Number(row.repository_id),
        fullName: row.full_name,
        path: row.path,
        kind: row.kind,
        reason: row.reason,
        evidence: row.evidence,
      }));
    },

    replaceRepository: async (snapshot, at) => {
      const { repository, models, unmanaged } = snapshot;
      const id = String(repository.repositoryId);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(
          `INSERT INTO ${SCHEMA}.inventory_repositories (${REPOSITORY_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (repository_id) DO UPDATE SET installation_id = EXCLUDED.installation_id,
             full_name = EXCLUDED.full_name, private = EXCLUDED.private, default_branch = EXCLUDED.default_branch,
             head_sha = EXCLUDED.head_sha, has_policy = EXCLUDED.has_policy, policy_problem = EXCLUDED.policy_problem,
             manifest_problems = EXCLUDED.manifest_problems, swept_at = EXCLUDED.swept_at`,
          [
            id,
            String(repository.installationId),
            repository.fullName,
            repository.private,
            repository.defaultBranch,
            repository.headSha,
            repository.hasPolicy,
            repository.policyProblem,
            JSON.stringify(repository.manifestProblems),
            at,
          ],
        );
        await client.query(`DELETE FROM ${SCHEMA}.inventory_models WHERE repository_id = $1`, [id]);
        await client.query(`DELETE FROM ${SCHEMA}.inventory_unmanaged WHERE repository_id = $1`, [id]);
        const modelRows = models.map((model) => ({
          name: model.name,
          version: model.version,
          digest: model.digest,
          status: model.status,
          manifest_path: model.manifestPath,
          evaluation: model.standing.evaluation,
          end_of_life: model.standing.endOfLife,
        }));
        await client.query(
          `INSERT INTO ${SCHEMA}.inventory_models (repository_id, name, version, digest, status, manifest_path)
           SELECT $1, name, version, digest, status, manifest_path
           FROM jsonb_to_recordset($2::jsonb) AS x(name text, version text, digest text, status text, manifest_path text)`,
          [id, JSON.stringify(modelRows)],
        );
        await client.query(
          `INSERT INTO ${SCHEMA}.inventory_versions AS v (repository_id, model, digest, version,
             evaluation, end_of_life, first_seen_at, last_seen_at, updated_at)
           SELECT $1, name, digest, version, evaluation, end_of_life, $3, $3, $3
           FROM jsonb_to_recordset($2::jsonb)
             AS x(name text, version text, digest text, evaluation jsonb, end_of_life jsonb)
           ON CONFLICT (repository_id, model, digest) DO UPDATE SET version = EXCLUDED.version, evaluation = EXCLUDED.evaluation,
             end_of_life = EXCLUDED.end_of_life, first_seen_at = coalesce(v.first_seen_at, EXCLUDED.first_seen_at),
             last_seen_at = EXCLUDED.last_seen_at, updated_at = EXCLUDED.updated_at`,
          [id, JSON.stringify(modelRows), at],
        );
        await client.query(
          `INSERT INTO ${SCHEMA}.inventory_unmanaged (repository_id, path, kind, reason, evidence)
           SELECT $1, path, kind, reason, evidence
           FROM jsonb_to_recordset($2::jsonb) AS x(path text, kind text, reason text, evidence jsonb)`,
          [id, JSON.stringify(unmanaged)],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    recordDecision: async (input) => {
      const id = String(input.repositoryId);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        // a decision older than the one stored (a retried delivery finishing late) does not replace it
        const { rowCount } = await client.query(
          `INSERT INTO ${SCHEMA}.inventory_decisions AS d (repository_id, model, digest, version, gate, key, decision, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (repository_id, model, digest, gate, key) DO UPDATE SET version = EXCLUDED.version,
             decision = EXCLUDED.decision, decided_at = EXCLUDED.decided_at
           WHERE d.decided_at <= EXCLUDED.decided_at`,
          [
            id,
            input.model,
            input.digest,
            input.version,
            input.gate,
            decisionKey(input),
            JSON.stringify(input.decision),
            input.decision.decidedAt,
          ],
        );
        // the people facts of the newest decision on the version stand
        if (rowCount)
          await client.query(
            `INSERT INTO ${SCHEMA}.inventory_versions AS v (repository_id, model, digest, version, sign_offs, awaiting_roles,
                people_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (repository_id, model, digest) DO UPDATE SET sign_offs = EXCLUDED.sign_offs,
               awaiting_roles = EXCLUDED.awaiting_roles, people_at = EXCLUDED.people_at,
               updated_at = greatest(v.updated_at, EXCLUDED.updated_at)
             WHERE v.people_at IS NULL OR v.people_at <= $7`,
            [
              id,
              input.model,
              input.digest,
              input.version,
              JSON.stringify(input.signOffs),
              JSON.stringify(input.awaitingRoles),
              input.decision.decidedAt,
            ],
          );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    removeRepository: async (repositoryId) => {
      await pool.query(
        `WITH r AS (DELETE FROM ${SCHEMA}.inventory_repositories WHERE repository_id = $1),
              m AS (DELETE FROM ${SCHEMA}.inventory_models WHERE repository_id = $1),
              v AS (DELETE FROM ${SCHEMA}.inventory_versions WHERE repository_id = $1),
              d AS (DELETE FROM ${SCHEMA}.inventory_decisions WHERE repository_id = $1)
         DELETE FROM ${SCHEMA}.inventory_unmanaged WHERE repository_id = $1`,
        [String(repositoryId)],
      );
    },

    removeInstallation: async (installationId) => {
      const { rows } = await pool.query<{ repository_id: string }>(
        `SELECT repository_id FROM ${SCHEMA}.inventory_repositories WHERE installation_id = $1`,
        [String(installationId)],
      );
      const gone = rows.map((row) => row.repository_id);
      if (gone.length === 0) return 0;
      await pool.query(
        `WITH r AS (DELETE FROM ${SCHEMA}.inventory_repositories WHERE repository_id = ANY($1::bigint[])),
              m AS (DELETE FROM ${SCHEMA}.inventory_models WHERE repository_id = ANY($1::bigint[])),
              v AS (DELETE FROM ${SCHEMA}.inventory_versions WHERE repository_id = ANY($1::bigint[])),
              d AS (DELETE FROM ${SCHEMA}.inventory_decisions WHERE repository_id = ANY($1::bigint[]))
         DELETE FROM ${SCHEMA}.inventory_unmanaged WHERE repository_id = ANY($1::bigint[])`,
        [gone],
      );
      return gone.length;
    },

    repositoryIdsOf: async (installationId) => {
      const { rows } = await pool.query<{ repository_id: string }>(
        `SELECT repository_id FROM ${SCHEMA}.inventory_repositories WHERE installation_id = $1 ORDER BY repository_id`,
        [String(installationId)],
      );
      return rows.map((row) => Number(row.repository_id));
    },

    installationIds: async () => {
      const { rows } = await pool.query<{ installation_id: string }>(
        `SELECT DISTINCT installation_id FROM ${SCHEMA}.inventory_repositories ORDER BY installation_id`,
      );
      return rows.map((row) => Number(row.installation_id));
    },

    prune: async (before) => {
      // a version still at a default branch is kept whatever its age; so are the decisions about it
      const versions = await pool.query(
        `DELETE FROM ${SCHEMA}.inventory_versions v WHERE greatest(v.last_seen_at, v.updated_at) < $1
           AND NOT EXISTS (SELECT FROM ${SCHEMA}.inventory_models m
                           WHERE m.repository_id = v.repository_id AND m.name = v.model AND m.digest = v.digest)`,
        [before],
      );
      const decisions = await pool.query(
        `DELETE FROM ${SCHEMA}.inventory_decisions d WHERE d.decided_at < $1
           AND NOT EXISTS (SELECT FROM ${SCHEMA}.inventory_models m
                           WHERE m.repository_id = d.repository_id AND m.name = d.model AND m.digest = d.digest)`,
        [before],
      );
      return { versions: versions.rowCount ?? 0, decisions: decisions.rowCount ?? 0 };
    },
  };
}

/** Newest first: by when the version was last at the default branch, else by its newest decision. */
function newestVersionFirst(a: VersionStanding, b: VersionStanding): number {
  return newestTime(b) - newestTime(a);
}

function newestTime(standing: VersionStanding): number {
  const times = [
    standing.lastSeenAt,
    standing.pullRequest?.decidedAt,
    ...standing.releases.map((release) => release.decidedAt),
    ...standing.deployments.map((deployment) => deployment.decidedAt),
  ].flatMap((time) => (time ? [Date.parse(time)] : []));
  return times.length === 0 ? 0 : Math.max(...times);
}
