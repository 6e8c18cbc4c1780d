/**
 * The organisation's findings, provisions matrix and audit pack, built from the inventory (docs/dashboard.md,
 * "Exports"). The provisions are THE list of core/audit/provisions.ts; which repository has a gap for a kind of
 * evidence is decided here, from the inventory's standings (the filters of core/inventory/filters.ts).
 */
import { PROVISIONS, type EvidenceKind, type Provision } from "../audit/provisions.js";
import type { AuditFinding } from "../audit/types.js";
import { anchor } from "../audit/ids.js";
import { disposalOpen, isFailing, modelMatches } from "../inventory/filters.js";
import type {
  InventoryModel,
  InventoryRepository,
  ModelTimeline,
  UnmanagedFile,
  VersionStanding,
} from "../inventory/types.js";

export const ORGANISATION_AUDIT_FORMAT = "modelgate-organisation-audit/1";

/** What the pack is built from, and what it leaves out compared with `modelgate audit` on a checkout. */
export const AUDIT_PACK_NOTES: ReadonlyArray<string> = [
  "Built from the server's inventory: the models at each default branch as last swept, the standing of their versions (evaluation, sign-offs, gate decisions, end of life) and the unmanaged model files.",
  "Not included (run `modelgate audit --github` on a checkout for these): the commit-by-commit history of every model and the gate recomputed at each step, git tags, the check runs' full decision records, refused sign-off commands, the ML-BOM components and the HTML report.",
  "Gate decisions are those the App recorded since the inventory began; older ones are in the check runs on GitHub.",
];

export interface RepositoryEvidence {
  repository: InventoryRepository;
  models: InventoryModel[];
  unmanaged: UnmanagedFile[];
}

/** The kinds of evidence a repository lacks, with why (one finding each). */
export function repositoryFindings(evidence: RepositoryEvidence, now: Date): AuditFinding[] {
  const { repository, models, unmanaged } = evidence;
  const findings: AuditFinding[] = [];
  const add = (id: string, severity: AuditFinding["severity"], message: string, provision: string, href: string) =>
    findings.push({ id, severity, message, provision, href });
  const base = `/dashboard?repository=${repository.repositoryId}`;
  if (repository.policyProblem)
    add(anchor("F-policy", repository.fullName), "failure", repository.policyProblem, "5.1.2-3", base);
  for (const problem of repository.manifestProblems)
    add(anchor("F-invalid", problem.path), "failure", `${problem.path}: ${problem.message}`, "5.2.1-1", base);
  for (const model of models) {
    const href = modelHref(model.repositoryId, model.name);
    const { standing } = model;
    if (modelMatches(model, { notEvaluated: true }, now))
      add(
        anchor("F-unevaluated", model.name),
        "failure",
        `${model.name} ${model.version} has no evaluation of its digest`,
        "5.2.5-1",
        href,
      );
    else if (modelMatches(model, { evaluationExpiringWithinDays: 0 }, now))
      add(
        anchor("F-expired", model.name),
        "failure",
        `the evaluation of ${model.name} ${model.version} has expired`,
        "5.2.5-1",
        href,
      );
    if (isFailing(standing))
      add(
        anchor("F-failing", model.name),
        "failure",
        `${model.name} ${model.version}: ${failingReason(standing)}`,
        "5.2.5-1",
        href,
      );
    if (standing.awaitingRoles.length > 0)
      add(
        anchor("F-awaiting", model.name),
        "warning",
        `${model.name} ${model.version} awaits sign-off by ${standing.awaitingRoles.join(", ")}`,
        "5.1.4-3",
        href,
      );
    if (model.status === "decommissioned" && disposalOpen(standing))
      add(
        anchor("F-eol-open", model.name),
        "warning",
        `the disposal of ${model.name} is not complete`,
        "5.5.1-2",
        href,
      );
  }
  for (const file of unmanaged)
    add(
      anchor("F-unmanaged", file.path),
      "failure",
      `unmanaged model file ${file.path} (${file.kind}); no manifest declares it`,
      "5.2.1-2",
      `/dashboard/unmanaged#repository-${repository.repositoryId}`,
    );
  return findings;
}

function failingReason(standing: VersionStanding): string {
  if (standing.evaluation?.result === "fail") return "its evaluation failed";
  if (standing.pullRequest?.conclusion === "failure") return "its pull request gate failed";
  if (standing.releases.some((r) => r.conclusion === "failure")) return "a release gate failed";
  return "a deployment was rejected";
}

/** The dashboard's address of one model's timeline. */
export function modelHref(repositoryId: number, model: string): string {
  return `/dashboard/repositories/${repositoryId}/models/${encodeURIComponent(model)}`;
}

/** Which findings speak to which kind of evidence (a gap in that kind). */
const GAP_FINDINGS: Partial<Record<EvidenceKind, ReadonlyArray<string>>> = {
  inventory: ["F-invalid", "F-unmanaged"],
  unmanaged: ["F-unmanaged"],
  evaluations: ["F-unevaluated", "F-expired", "F-failing"],
  threats: ["F-unevaluated"],
  independence: ["F-unevaluated"],
  "sign-offs": ["F-awaiting"],
  versions: ["F-failing"],
  "end-of-life": ["F-eol-open"],
  configuration: ["F-policy"],
};

export interface OrganisationProvisionRow {
  id: string;
  clause: string;
  title: string;
  coverage: Provision["coverage"];
  modelgate?: string;
  outside?: string;
  /** Repositories where modelgate gates models (a policy, or models declared): they carry this evidence. */
  gated: number;
  /** Of those, the ones with a finding about this provision's evidence. */
  withGaps: Array<{ repositoryId: number; fullName: string }>;
}

/** The provisions matrix of the organisation: each provision, how many repositories evidence it, which have gaps. */
export function organisationProvisions(
  repositories: ReadonlyArray<{ repository: InventoryRepository; models: number; findings: AuditFinding[] }>,
): OrganisationProvisionRow[] {
  const gated = repositories.filter((r) => r.repository.hasPolicy || r.models > 0);
  return PROVISIONS.map((provision) => {
    const prefixes = (provision.evidence ?? []).flatMap((kind) => GAP_FINDINGS[kind] ?? []);
    const withGaps =
      provision.coverage === "organisational"
        ? []
        : repositories
            .filter((r) => r.findings.some((f) => prefixes.some((prefix) => f.id.startsWith(`${prefix}-`))))
            .map((r) => ({ repositoryId: r.repository.repositoryId, fullName: r.repository.fullName }));
    return {
      id: provision.id,
      clause: provision.clause,
      title: provision.title,
      coverage: provision.coverage,
      ...(provision.modelgate ? { modelgate: provision.modelgate } : {}),
      ...(provision.outside ? { outside: provision.outside } : {}),
      gated: provision.coverage === "organisational" ? 0 : gated.length,
      withGaps,
    };
  });
}

export interface RepositoryAuditPack {
  repository: {
    id: number;
    name: string;
    private: boolean;
    ref: string;
    commit: string | null;
    sweptAt: string;
  };
  policy: { found: boolean; problem: string | null };
  summary: {
    models: number;
    versions: number;
    failedVersions: number;
    pendingVersions: number;
    unmanaged: number;
    findings: number;
  };
  inventory: {
    commit: string | null;
    models: Array<{ name: string; version: string; status: string; digest: string; manifest: string }>;
    errors: Array<{ path: string; message: string }>;
  };
  models: Array<{
    name: string;
    manifest: string;
    status: string;
    current: { version: string; digest: string } | null;
    versions: VersionStanding[];
  }>;
  unmanaged: Array<{ path: string; kind: string; reason: string }>;
  findings: AuditFinding[];
}

export interface OrganisationAuditPack {
  format: typeof ORGANISATION_AUDIT_FORMAT;
  generatedAt: string;
  tool: { name: "modelgate"; version: string };
  sources: { inventory: true; notes: ReadonlyArray<string> };
  repositories: RepositoryAuditPack[];
  provisions: OrganisationProvisionRow[];
}

/** The audit pack's JSON for the chosen repositories (each with its models' timelines). */
export function organisationAuditPack(input: {
  generatedAt: Date;
  toolVersion: string;
  repositories: ReadonlyArray<RepositoryEvidence & { timelines: ModelTimeline[] }>;
}): OrganisationAuditPack {
  const now = input.generatedAt;
  const packs: RepositoryAuditPack[] = [];
  const matrixInput: Array<{ repository: InventoryRepository; models: number; findings: AuditFinding[] }> = [];
  for (const evidence of input.repositories) {
    const { repository, models, unmanaged, timelines } = evidence;
    const findings = repositoryFindings(evidence, now);
    matrixInput.push({ repository, models: models.length, findings });
    const versions = timelines.flatMap((t) => t.versions);
    packs.push({
      repository: {
        id: repository.repositoryId,
        name: repository.fullName,
        private: repository.private,
        ref: repository.defaultBranch,
        commit: repository.headSha,
        sweptAt: repository.sweptAt,
      },
      policy: { found: repository.hasPolicy, problem: repository.policyProblem },
      summary: {
        models: models.length,
        versions: versions.length,
        failedVersions: versions.filter(isFailing).length,
        pendingVersions: versions.filter((v) => v.awaitingRoles.length > 0).length,
        unmanaged: unmanaged.length,
        findings: findings.length,
      },
      inventory: {
        commit: repository.headSha,
        models: models.map((m) => ({
          name: m.name,
          version: m.version,
          status: m.status,
          digest: m.digest,
          manifest: m.manifestPath,
        })),
        errors: repository.manifestProblems.map((p) => ({ path: p.path, message: p.message })),
      },
      models: models.map((m) => ({
        name: m.name,
        manifest: m.manifestPath,
        status: m.status,
        current: { version: m.version, digest: m.digest },
        versions: timelines.find((t) => t.model === m.name)?.versions ?? [m.standing],
      })),
      unmanaged: unmanaged.map((u) => ({ path: u.path, kind: u.kind, reason: u.reason })),
      findings,
    });
  }
  return {
    format: ORGANISATION_AUDIT_FORMAT,
    generatedAt: now.toISOString(),
    tool: { name: "modelgate", version: input.toolVersion },
    sources: { inventory: true, notes: AUDIT_PACK_NOTES },
    repositories: packs,
    provisions: organisationProvisions(matrixInput),
  };
}

/** Items by their repository id, in one pass (the views group 10,000 models over 1,000 repositories). */
export function byRepository<T extends { repositoryId: number }>(items: ReadonlyArray<T>): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(item.repositoryId);
    if (group) group.push(item);
    else groups.set(item.repositoryId, [item]);
  }
  return groups;
}
