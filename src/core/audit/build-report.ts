import { measuredAt } from "./metrics-chart.js";
import type { ModelChange } from "../detect/types.js";
import type { ModelVerdict, Requirement, Verdict } from "../evaluate/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import { signOffIntent } from "../sign-off/subject.js";
import { anchor, modelAnchor, versionAnchor } from "./ids.js";
import { MONITORED_PROVISIONS, PROVISIONS, type EvidenceKind } from "./provisions.js";
import { buildAuditMonitoring } from "./monitoring.js";
import {
  AUDIT_FORMAT,
  type AuditFinding,
  type AuditInput,
  type AuditModel,
  type AuditReport,
  type AuditVersion,
  type CheckRunEvidence,
  type GateOutcome,
  type ProvisionRow,
} from "./types.js";
import { compareCodeUnits } from "../compare-code-units.js";
import { governanceEvidence, governanceSection, provisionDocuments } from "./governance-evidence.js";

const OFFLINE_INDEPENDENCE =
  "the authors of the change are on GitHub: evaluator independence is checked by the app when the change is gated (its check run records it)";

/**
 * The auditor's evidence pack as data (the JSON of `modelgate audit`; the HTML renders it): per
 * model every version of its history with the gate as it judged that change, the GitHub
 * evidence when it was read, the inventory at the head and the coverage of every provision.
 */
export function buildAuditReport(input: AuditInput): AuditReport {
  const index = indexInput(input);
  const byName = new Map<string, AuditModel>();
  const model = (name: string, manifest: string): AuditModel => {
    let entry = byName.get(name);
    if (!entry) {
      entry = { id: modelAnchor(name), name, manifest, status: "deleted", versions: [], endOfLife: [] };
      byName.set(name, entry);
    }
    return entry;
  };

  for (const step of input.history) {
    const changes = new Map(step.changes.map((change) => [change.name, change]));
    for (const verdict of step.decision.models) {
      const change = changes.get(verdict.name);
      if (!change) continue;
      const entry = model(verdict.name, verdict.manifestPath);
      entry.manifest = verdict.manifestPath;
      entry.versions.push(versionOf(input, index, step, change, verdict));
    }
  }

  const headVerdicts = new Map(input.head.decision.models.map((m) => [m.name, m]));
  for (const loaded of input.head.models) {
    const entry = model(loaded.manifest.name, loaded.path);
    entry.manifest = loaded.path;
    entry.status = loaded.manifest.status;
    const judged = headVerdicts.get(loaded.manifest.name);
    // a retired model is judged by its disposal (end of life), not by evidence for shipping it
    const requirements =
      loaded.manifest.status === "decommissioned" ? [] : stateRequirements(judged?.requirements ?? []);
    entry.current = {
      version: loaded.manifest.version,
      digest: loaded.digest,
      verdict: verdictOf(requirements),
      requirements,
    };
    const bom = index.bomByName.get(loaded.manifest.name);
    if (bom) entry.bom = bom;
  }
  for (const issue of input.github?.endOfLifeIssues ?? []) byName.get(issue.model)?.endOfLife.push(issue);

  const models = [...byName.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
  const releases = releaseRows(input);
  const findings = collectFindings(input, models);
  const versions = models.flatMap((m) => m.versions);
  const report: AuditReport = {
    format: AUDIT_FORMAT,
    generatedAt: input.generatedAt,
    tool: { name: "modelgate", version: input.toolVersion },
    repository: {
      name: input.repository,
      ref: input.ref,
      commit: input.commit,
      ...(input.github ? { url: input.github.url } : {}),
    },
    sources: {
      git: true,
      github: input.github !== undefined,
      ...(input.github ? { markersVerified: input.github.markersVerified } : {}),
      notes: sourceNotes(input),
    },
    policy: input.policy,
    summary: {
      models: models.length,
      versions: versions.length,
      commits: input.history.length,
      failedVersions: versions.filter((v) => v.outcome === "failed").length,
      pendingVersions: versions.filter((v) => v.outcome === "pending").length,
      unmanaged: input.head.unmanaged.length,
      findings: findings.length,
    },
    models,
    inventory: {
      commit: input.commit,
      models: models
        .filter((m) => m.current)
        .map((m) => ({
          id: m.id,
          name: m.name,
          version: m.current!.version,
          status: m.status,
          digest: m.current!.digest,
          manifest: m.manifest,
          verdict: m.current!.verdict,
        })),
      errors: input.head.errors,
    },
    unmanaged: input.head.unmanaged,
    releases,
    provisions: [],
    ...(input.governance ? { governance: governanceSection(input.governance) } : {}),
    findings,
    ...(input.monitoring ? { monitoring: buildAuditMonitoring(input.monitoring, new Date(input.generatedAt)) } : {}),
    ...(input.github?.driftIssues ? { driftIssues: input.github.driftIssues } : {}),
  };
  report.provisions = provisionRows(report, input);
  return report;
}

function sourceNotes(input: AuditInput): string[] {
  const notes = [
    `Versions are read from the first-parent git history of ${input.ref}; each is judged as the gate judges a change (the policy of the commit before it, its date as the evaluation time).`,
  ];
  if (!input.github) {
    notes.push(
      "Made from git only: sign-offs, pull requests, check runs, releases and end-of-life issues live on GitHub and are not in this report. Run `modelgate audit --github owner/repo` to include them.",
      "Offline, approvals cannot be read: a version whose only open requirements are approvals is marked pending, never passed.",
    );
  } else {
    notes.push(
      `GitHub evidence of ${input.github.repository}: check runs, sign-off and end-of-life issues of the modelgate App (id ${input.github.appId}) only.`,
      input.github.markersVerified
        ? "The signed markers of modelgate's issues were verified with the App's marker key."
        : "The signed markers of modelgate's issues were NOT verified (no PRIVATE_KEY, PRIVATE_KEY_PATH or WEBHOOK_SECRET given): issues are matched by the App that opened them only.",
      input.github.membershipUnreadable === undefined
        ? "Sign-offs are replayed from the issues' comment histories with the members of the role teams as GitHub lists them when this report is made, as the gate reads them on every evaluation: someone no longer in a role's team shows as refused, never as approved; a command modelgate refused when it was posted stays refused."
        : `Sign-offs are replayed from the issues' comment histories, but the members of the role teams could not be read (${input.github.membershipUnreadable}): a sign-off by a team's member is shown as "role not verified" and not counted; only the policy's users are known to hold their roles.`,
    );
  }
  return notes;
}

/** Lookups the report makes once per version, built once (a large repository has 10,000 versions). */
interface InputIndex {
  bomByName: Map<string, AuditInput["head"]["bom"][number]>;
  /** `name\0version\0digest\0retired` -> tag names holding that model version. */
  tagsByVersion: Map<string, string[]>;
  pullByMergeCommit: Map<string, NonNullable<AuditInput["github"]>["pullRequests"][number]>;
}

const versionKey = (name: string, version: string, digest: string, status: string): string =>
  `${name}\0${version}\0${digest}\0${status === "decommissioned" ? "retired" : "live"}`;

function indexInput(input: AuditInput): InputIndex {
  const bomByName = new Map<string, AuditInput["head"]["bom"][number]>();
  for (const component of input.head.bom) if (!bomByName.has(component.name)) bomByName.set(component.name, component);
  const tagsByVersion = new Map<string, string[]>();
  for (const tag of input.tags) {
    for (const m of tag.models) {
      const key = versionKey(m.name, m.version, m.digest, m.status);
      tagsByVersion.set(key, [...(tagsByVersion.get(key) ?? []), tag.name]);
    }
  }
  const pullByMergeCommit = new Map<string, NonNullable<AuditInput["github"]>["pullRequests"][number]>();
  for (const pr of input.github?.pullRequests ?? [])
    if (pr.mergeCommitSha) pullByMergeCommit.set(pr.mergeCommitSha, pr);
  return { bomByName, tagsByVersion, pullByMergeCommit };
}

function versionOf(
  input: AuditInput,
  index: InputIndex,
  step: AuditInput["history"][number],
  change: ModelChange,
  verdict: ModelVerdict,
): AuditVersion {
  const manifest = (change.head ?? change.base) as LoadedManifest;
  const version = change.toVersion ?? change.fromVersion ?? manifest.manifest.version;
  const requirements = offlineRequirements(verdict.requirements);
  const recomputed = { verdict: verdictOf(requirements), requirements };
  const github = input.github;
  const intent = signOffIntent(change.kinds);
  const issue = github?.signOffIssues.find(
    (i) => i.model === change.name && i.digest === change.digest && i.intent === intent,
  );
  const landedBy = index.pullByMergeCommit.get(step.commit);
  const prNumbers = new Set<number>([...(landedBy ? [landedBy.number] : []), ...(issue?.pulls ?? [])]);
  const pullRequests = (github?.pullRequests ?? [])
    .filter((pr) => prNumbers.has(pr.number))
    .map((pr) => ({ number: pr.number, url: pr.url, title: pr.title }));
  const checkRuns = checkRunsOf(
    github?.checkRuns ?? [],
    github?.pullRequests ?? [],
    github?.releases ?? [],
    change.name,
    change.digest,
    prNumbers,
  );
  const deciding = decidingRun(checkRuns, landedBy?.number);
  let outcome: GateOutcome;
  if (deciding) outcome = outcomeOf(deciding.modelVerdict ?? "failure", deciding.override);
  else if (requirements.length === 0) outcome = "not-gated";
  else outcome = outcomeOf(recomputed.verdict);
  return {
    id: versionAnchor(change.name, version, step.commit),
    commit: step.commit,
    date: step.date,
    author: step.author,
    subject: step.subject,
    manifest: change.manifestPath,
    version,
    ...(change.fromVersion !== undefined && change.fromVersion !== version ? { from: change.fromVersion } : {}),
    digest: change.digest,
    kinds: change.kinds,
    status: change.head ? change.head.manifest.status : "deleted",
    outcome,
    outcomeSource: deciding ? "check-run" : "recomputed",
    recomputed,
    evaluations: manifest.manifest.evaluations.filter((r) => r.version === version && r.model_digest === change.digest),
    ...(verdict.regression ? { regression: verdict.regression } : {}),
    ...(issue?.acceptedRegressions ? { acceptedRegressions: issue.acceptedRegressions } : {}),
    ...measuredAt(manifest, version, change.digest),
    signOffs: (issue?.signOffs ?? []).map((s) => ({ ...s, issue: issue!.number })),
    ...(issue ? { signOffIssue: { number: issue.number, url: issue.url, state: issue.state } } : {}),
    checkRuns: checkRuns.map(({ override: _override, ...run }) => run),
    pullRequests,
    releases: releasesCarrying(
      input,
      index,
      versionKey(change.name, version, change.digest, change.head?.manifest.status ?? "deleted"),
    ),
  };
}

type VersionRun = AuditVersion["checkRuns"][number] & { override?: { by: string; reason: string } };

function checkRunsOf(
  runs: ReadonlyArray<CheckRunEvidence>,
  pulls: NonNullable<AuditInput["github"]>["pullRequests"],
  releases: NonNullable<AuditInput["github"]>["releases"],
  name: string,
  digest: string,
  prNumbers: ReadonlySet<number>,
): VersionRun[] {
  const found: VersionRun[] = [];
  for (const run of runs) {
    const judged = run.models.find((m) => m.name === name && m.digest === digest);
    const pr = pulls.find((p) => p.headSha === run.headSha && (judged || prNumbers.has(p.number)));
    const release = run.name === "modelgate / release" ? releases.find((r) => r.commit === run.headSha) : undefined;
    if (!judged && !(pr && prNumbers.has(pr.number))) continue;
    found.push({
      name: run.name,
      conclusion: run.conclusion,
      url: run.url,
      ...(run.completedAt ? { at: run.completedAt } : {}),
      ...(judged ? { modelVerdict: judged.verdict } : {}),
      ...(judged?.override ? { override: judged.override } : {}),
      ...(pr ? { pullRequest: pr.number } : {}),
      ...(release ? { release: release.tag } : {}),
    });
  }
  return found.sort((a, b) => compareCodeUnits(a.at ?? "", b.at ?? ""));
}

/** The run that decided a version: the latest pull-request run that judged it, preferring the pull request that landed it. */
function decidingRun(runs: ReadonlyArray<VersionRun>, landedBy: number | undefined): VersionRun | undefined {
  const judged = runs.filter((r) => r.name === "modelgate" && r.modelVerdict !== undefined);
  const landing = judged.filter((r) => landedBy !== undefined && r.pullRequest === landedBy);
  return (landing.length > 0 ? landing : judged).at(-1);
}

function outcomeOf(verdict: Verdict, override?: unknown): GateOutcome {
  if (verdict === "success") return override ? "overridden" : "passed";
  return verdict === "action_required" ? "pending" : "failed";
}

/** Offline nobody is known as an author: independence is not shown as met when it was not checked. */
function offlineRequirements(requirements: ReadonlyArray<Requirement>): Requirement[] {
  return requirements.map((r) =>
    r.id === "evaluation.independent" && r.status === "met"
      ? { ...r, status: "pending", message: OFFLINE_INDEPENDENCE }
      : r,
  );
}

/** What a model's state at the head is judged by: its artefacts and evidence, not the approvals of a change. */
function stateRequirements(requirements: ReadonlyArray<Requirement>): Requirement[] {
  return requirements.filter((r) => !r.id.startsWith("approval:") && r.id !== "evaluation.independent");
}

function verdictOf(requirements: ReadonlyArray<Requirement>): Verdict {
  if (requirements.some((r) => r.status === "failed")) return "failure";
  return requirements.some((r) => r.status === "pending") ? "action_required" : "success";
}

function releasesCarrying(input: AuditInput, index: InputIndex, key: string): AuditVersion["releases"] {
  // a decommissioned version keeps its digest: the status tells the tags of its life from those of its retirement
  const tags = new Set(index.tagsByVersion.get(key) ?? []);
  if (tags.size === 0) return [];
  if (input.github) {
    return input.github.releases
      .filter((r) => tags.has(r.tag))
      .map((r) => ({
        tag: r.tag,
        url: r.url,
        ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}),
        prerelease: r.prerelease,
        draft: r.draft,
      }));
  }
  return input.tags
    .filter((t) => tags.has(t.name))
    .map((t) => ({ tag: t.name, ...(t.date ? { publishedAt: t.date } : {}) }));
}

function releaseRows(input: AuditInput): AuditReport["releases"] {
  const tags = new Map(input.tags.map((t) => [t.name, t]));
  if (input.github) {
    return input.github.releases.map((r) => {
      const run = input
        .github!.checkRuns.filter(
          (c) => c.name === "modelgate / release" && r.commit !== undefined && c.headSha === r.commit,
        )
        .at(-1);
      return {
        tag: r.tag,
        ...(r.commit ? { commit: r.commit } : {}),
        url: r.url,
        ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}),
        source: "release" as const,
        models: (tags.get(r.tag)?.models ?? []).map(({ name, version, digest }) => ({ name, version, digest })),
        ...(r.bomAsset ? { bomAsset: r.bomAsset.url } : {}),
        ...(run ? { checkRun: { conclusion: run.conclusion, url: run.url } } : {}),
      };
    });
  }
  return input.tags.map((t) => ({
    tag: t.name,
    commit: t.commit,
    ...(t.date ? { publishedAt: t.date } : {}),
    source: "tag" as const,
    models: t.models.map(({ name, version, digest }) => ({ name, version, digest })),
  }));
}

function collectFindings(input: AuditInput, models: ReadonlyArray<AuditModel>): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const m of models) {
    for (const v of m.versions) {
      if (v.outcome !== "failed") continue;
      const failed = v.recomputed.requirements.filter((r) => r.status === "failed");
      const why =
        v.outcomeSource === "check-run"
          ? "its modelgate check run failed"
          : `its gate fails: ${failed.map((r) => r.id).join(", ") || "see the version"}`;
      findings.push({
        id: anchor("F-gate", m.name, v.version, v.commit.slice(0, 12)),
        severity: "failure",
        message: `${m.name} ${v.version} landed on ${input.ref} in ${v.commit.slice(0, 12)} although ${why}`,
        provision: failed[0]?.provision ?? "5.2.5-1",
        href: `#${v.id}`,
      });
    }
    for (const r of m.current?.requirements ?? []) {
      if (r.status !== "failed") continue;
      findings.push({
        id: anchor("F-head", m.name, r.id),
        severity: "failure",
        message: `${m.name} ${m.current!.version} at the head: ${r.id}: ${r.message}`,
        provision: r.provision,
        href: `#${m.id}`,
      });
    }
    const retired = m.status === "decommissioned" || m.status === "deleted";
    if (retired && input.github) {
      const issue = m.endOfLife.at(-1);
      if (!issue) {
        findings.push({
          id: anchor("F-eol-missing", m.name),
          severity: "failure",
          message: `${m.name} is ${m.status} but modelgate opened no end-of-life issue for it`,
          provision: "5.5.1-2",
          href: `#${m.id}`,
        });
      } else if (issue.state === "open" || issue.unchecked.length > 0 || issue.missingRoles.length > 0) {
        findings.push({
          id: anchor("F-eol-open", m.name),
          severity: "warning",
          message: `the disposal of ${m.name} is not complete (end-of-life issue #${issue.number}: ${issue.unchecked.length} checklist items open, ${issue.missingRoles.length} sign-offs missing)`,
          provision: "5.5.1-2",
          href: `#${m.id}`,
        });
      }
    }
  }
  for (const u of input.head.unmanaged) {
    findings.push({
      id: anchor("F-unmanaged", u.path),
      severity: "failure",
      message: `unmanaged model file at the head: ${u.path} (${u.source}); no manifest declares it`,
      provision: "5.2.1-2",
      href: "#unmanaged",
    });
  }
  for (const e of input.head.errors) {
    findings.push({
      id: anchor("F-invalid", e.path, String(e.line)),
      severity: "failure",
      message: `${e.path}:${e.line}: ${e.message}`,
      provision: "5.2.1-1",
      href: "#inventory",
    });
  }
  for (const e of input.policy.errors) {
    findings.push({
      id: anchor("F-policy", String(e.line)),
      severity: "failure",
      message: `${e.path}:${e.line}: ${e.message}`,
      provision: "5.1.2-3",
      href: "#sources",
    });
  }
  return findings;
}

interface Evidence {
  evidence: ProvisionRow["evidence"];
  findings: string[];
  /** For the evidence that moves a provision (Provision.moves): present and current. */
  current?: boolean;
}

function provisionRows(report: AuditReport, input: AuditInput): ProvisionRow[] {
  const cache = new Map<EvidenceKind, Evidence>();
  // every version and every head requirement, listed once for all kinds (a large repository has 10,000 versions)
  const all: AllVersions = {
    versions: report.models.flatMap((m) => m.versions.map((v) => ({ model: m, version: v }))),
    headRequirements: report.models.flatMap((m) => m.current?.requirements ?? []),
  };
  const of = (kind: EvidenceKind): Evidence => {
    let found = cache.get(kind);
    if (!found) {
      found = evidenceFor(kind, report, input, all);
      cache.set(kind, found);
    }
    return found;
  };
  // monitoring counts only when configured and current (docs/monitoring.md)
  const provisions = report.monitoring?.current ? PROVISIONS.map((p) => MONITORED_PROVISIONS[p.id] ?? p) : PROVISIONS;
  return provisions.map((p) => {
    const kinds = [...new Set([...(p.evidence ?? []), ...(p.moves ? [p.moves] : [])])];
    // a provision moves to evidenced only on evidence present and current, and names it (docs/audit.md)
    const documents = provisionDocuments(input.governance, p.id);
    const evidence = [...kinds.flatMap((k) => of(k).evidence), ...documents.evidence];
    const findings = [...new Set([...kinds.flatMap((k) => of(k).findings), ...documents.findings])];
    const moved = (p.moves !== undefined && of(p.moves).current === true) || documents.evidence.length > 0;
    return {
      id: p.id,
      clause: p.clause,
      title: p.title,
      coverage: moved ? "evidenced" : p.coverage,
      ...(p.modelgate ? { modelgate: p.modelgate } : {}),
      ...(p.outside ? { outside: p.outside } : {}),
      evidence,
      findings,
      evidenceKinds: kinds,
    };
  });
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function requirementCounts(
  requirements: ReadonlyArray<Requirement>,
  prefix: string,
): { met: number; failed: number; pending: number } {
  const matching = requirements.filter(
    (r) => r.id === prefix || r.id.startsWith(`${prefix}:`) || r.id.startsWith(`${prefix}.`),
  );
  return {
    met: matching.filter((r) => r.status === "met").length,
    failed: matching.filter((r) => r.status === "failed").length,
    pending: matching.filter((r) => r.status === "pending").length,
  };
}

interface AllVersions {
  versions: Array<{ model: AuditModel; version: AuditVersion }>;
  headRequirements: Requirement[];
}

function evidenceFor(
  kind: EvidenceKind,
  report: AuditReport,
  input: AuditInput,
  { versions, headRequirements }: AllVersions,
): Evidence {
  const versionFindings = (failing: (v: AuditVersion) => boolean): string[] =>
    versions.filter(({ version }) => failing(version)).map(({ version }) => version.id);
  const github = input.github;
  switch (kind) {
    case "serving":
    case "permissions":
    case "disclosure-policy":
    case "training":
      return governanceEvidence(kind, input);
    case "audit-trail":
    case "versions": {
      const evidence = [
        {
          text: `${count(report.summary.versions, "version")} of ${count(report.summary.models, "model")} from ${count(report.summary.commits, "commit")} of ${report.repository.ref}`,
          href: "#models",
        },
      ];
      if (github)
        evidence.push({
          text: `${count(github.checkRuns.length, "check run")}, ${count(github.signOffIssues.length, "sign-off issue")} of the modelgate App`,
          href: "#models",
        });
      const findings =
        kind === "versions"
          ? versionFindings((v) =>
              v.recomputed.requirements.some((r) => r.id.startsWith("version.") && r.status === "failed"),
            )
          : [];
      return { evidence, findings };
    }
    case "threats": {
      const counts = requirementCounts(
        versions.flatMap(({ version }) => version.recomputed.requirements),
        "evaluation.threats",
      );
      return {
        evidence: [
          {
            text: `${count(counts.met, "version")} whose evaluation addresses every threat of the policy, ${counts.failed} that miss one`,
            href: "#models",
          },
        ],
        findings: versionFindings((v) =>
          v.recomputed.requirements.some((r) => r.id === "evaluation.threats" && r.status === "failed"),
        ),
      };
    }
    case "configuration": {
      const n = versions.filter(({ version }) => version.kinds.includes("configuration")).length;
      return {
        evidence: [{ text: `${count(n, "configuration or prompt change")}, each gated as a version`, href: "#models" }],
        findings: [],
      };
    }
    case "modalities": {
      const declaring = input.head.models.filter((m) => m.manifest.modalities.length > 0).length;
      return {
        evidence: [
          {
            text: `${declaring} of ${count(input.head.models.length, "model")} at the head declare their modalities`,
            href: "#inventory",
          },
        ],
        findings: [],
      };
    }
    case "sign-offs": {
      if (!github)
        return {
          evidence: [{ text: "not in this report: sign-offs live on GitHub (run with --github)", href: "#sources" }],
          findings: [],
        };
      // a sign-off whose role holding could not be read is not evidence: it is named as a finding instead
      const signOffs = github.signOffIssues.reduce(
        (n, i) => n + i.signOffs.filter((s) => s.state !== "unverified").length,
        0,
      );
      const overrides = github.signOffIssues.filter((i) => i.override).length;
      return {
        evidence: [
          {
            text: `${count(signOffs, "sign-off")} on ${count(github.signOffIssues.length, "sign-off issue")}${overrides > 0 ? `, ${count(overrides, "break-glass override")}` : ""}`,
            href: "#models",
          },
        ],
        findings: [
          ...github.signOffIssues
            .filter((i) => i.override)
            .map((i) => `sign-off issue #${i.number}: overridden by @${i.override!.by}: ${i.override!.reason}`),
          ...github.signOffIssues.flatMap((i) =>
            i.refused
              .filter((r) => r.roleNotVerified)
              .map((r) => `sign-off issue #${i.number}: ${r.command} by @${r.by}: role not verified, not counted`),
          ),
        ],
      };
    }
    case "inventory":
      return {
        evidence: [
          {
            text: `${count(report.inventory.models.length, "model")} at ${report.repository.commit.slice(0, 12)}`,
            href: "#inventory",
          },
        ],
        findings: report.inventory.errors.map((e) => `${e.path}:${e.line}: ${e.message}`),
      };
    case "unmanaged":
      return {
        evidence: [
          { text: `${count(report.unmanaged.length, "unmanaged model file")} at the head`, href: "#unmanaged" },
        ],
        findings: report.unmanaged.map((u) => `unmanaged: ${u.path}`),
      };
    case "unverified-components": {
      const unverified = input.head.models.flatMap((m) =>
        m.manifest.components.filter((c) => c.verified === false || (!isFileComponent(c) && c.verified !== true)),
      );
      const justified = unverified.filter((c) => c.justification !== undefined).length;
      return {
        evidence: [
          {
            text: `${count(unverified.length, "unverified component")} at the head, ${justified} with a justification`,
            href: "#inventory",
          },
        ],
        findings: headRequirements
          .filter((r) => r.id.startsWith("hash:") && r.status === "failed" && /justif/i.test(r.message))
          .map((r) => r.message),
      };
    }
    case "release-notes":
      if (!github)
        return {
          evidence: [
            {
              text: `${count(report.releases.length, "tag")} with the model versions each holds; release notes live on GitHub (run with --github)`,
              href: "#releases",
            },
          ],
          findings: [],
        };
      return {
        evidence: [
          {
            text: `${count(report.releases.length, "release")} with the model versions each shipped`,
            href: "#releases",
          },
        ],
        findings: [],
      };
    case "hashes": {
      const counts = requirementCounts(headRequirements, "hash");
      const boms = github ? github.releases.filter((r) => r.bomAsset).length : 0;
      const evidence = [
        { text: `${counts.met} component hashes verified at the head, ${counts.failed} failed`, href: "#inventory" },
      ];
      if (github) evidence.push({ text: `${count(boms, "release")} with the ML-BOM asset`, href: "#releases" });
      return {
        evidence,
        findings: headRequirements
          .filter((r) => r.id.startsWith("hash:") && r.status === "failed")
          .map((r) => r.message),
      };
    }
    case "formats": {
      // docs/supply-chain.md "Unsafe serialisation": every component classified by its bytes at the head
      const counts = requirementCounts(headRequirements, "format");
      return {
        evidence: [
          { text: `${counts.met} component formats checked at the head, ${counts.failed} unsafe`, href: "#inventory" },
        ],
        findings: headRequirements
          .filter((r) => r.id.startsWith("format:") && r.status === "failed")
          .map((r) => r.message),
      };
    }
    case "signatures": {
      // model signatures and build provenance (docs/supply-chain.md): who made the artefacts
      const signatures = requirementCounts(headRequirements, "signature");
      const attested = requirementCounts(headRequirements, "provenance");
      return {
        evidence: [
          {
            text: `${signatures.met} model signatures verified at the head, ${signatures.failed} failed; ${attested.met} weights files with verified build provenance, ${attested.failed} failed, ${attested.pending} not checked`,
            href: "#inventory",
          },
        ],
        findings: headRequirements
          .filter((r) => (r.id === "signature" || r.id.startsWith("provenance:")) && r.status === "failed")
          .map((r) => r.message),
      };
    }
    case "provenance": {
      const counts = requirementCounts(headRequirements, "data");
      return {
        evidence: [
          {
            text: `${counts.met} datasets with source and acquisition time at the head, ${counts.failed} incomplete`,
            href: "#inventory",
          },
        ],
        findings: headRequirements
          .filter((r) => r.id.startsWith("data:") && r.status === "failed")
          .map((r) => r.message),
      };
    }
    case "monitoring":
      return monitoringEvidence(report);
    case "evaluations": {
      const gated = versions.filter(({ version }) =>
        version.recomputed.requirements.some((r) => r.id === "evaluation.bound"),
      );
      const passing = gated.filter(({ version }) =>
        version.recomputed.requirements
          .filter((r) => r.id.startsWith("evaluation.") && r.id !== "evaluation.independent")
          .every((r) => r.status === "met"),
      );
      const current = requirementCounts(headRequirements, "evaluation.current");
      return {
        evidence: [
          {
            text: `${passing.length} of ${gated.length} evaluated versions landed with a passing, current evaluation bound to their digest`,
            href: "#models",
          },
          {
            text: `${current.met} of ${current.met + current.failed} evaluations at the head are current today`,
            href: "#inventory",
          },
        ],
        findings: versionFindings((v) =>
          v.recomputed.requirements.some((r) => r.id.startsWith("evaluation.") && r.status === "failed"),
        ),
      };
    }
    case "independence":
      if (!github)
        return {
          evidence: [
            { text: "not in this report: the authors of changes are on GitHub (run with --github)", href: "#sources" },
          ],
          findings: [],
        };
      return {
        evidence: [
          {
            text: `recorded per version in the check runs of the modelgate App (${count(github.checkRuns.length, "check run")})`,
            href: "#models",
          },
        ],
        findings: [],
      };
    case "documentation": {
      const counts = requirementCounts(headRequirements, "documentation");
      if (counts.met + counts.failed === 0)
        return {
          evidence: [{ text: "not required by the policy (documentation.require is empty)", href: "#sources" }],
          findings: [],
        };
      return {
        evidence: [
          {
            text: `${counts.met} documentation fields present at the head, ${counts.failed} missing`,
            href: "#inventory",
          },
        ],
        findings: headRequirements
          .filter((r) => r.id.startsWith("documentation:") && r.status === "failed")
          .map((r) => r.message),
      };
    }
    case "end-of-life": {
      const retired = report.models.filter((m) => m.status === "decommissioned" || m.status === "deleted");
      if (!github)
        return {
          evidence: [
            {
              text: `${count(retired.length, "decommissioned model")}; end-of-life issues live on GitHub (run with --github)`,
              href: "#models",
            },
          ],
          findings: [],
        };
      const complete = retired.filter((m) =>
        m.endOfLife.some((i) => i.state === "closed" && i.unchecked.length === 0 && i.missingRoles.length === 0),
      ).length;
      return {
        evidence: [
          {
            text: `${complete} of ${count(retired.length, "decommissioned model")} with a complete, signed-off disposal`,
            href: "#models",
          },
        ],
        findings: report.findings.filter((f) => f.id.startsWith("F-eol")).map((f) => f.message),
      };
    }
  }
}

function monitoringEvidence(report: AuditReport): Evidence {
  const monitoring = report.monitoring;
  if (!monitoring) return { evidence: [], findings: [] };
  const reports = monitoring.versions.reduce((n, v) => n + v.history.length, 0);
  const breached = monitoring.versions.filter((v) => v.findings.length > 0);
  return {
    evidence: [
      {
        text: `${count(reports, "monitoring report")} of ${count(monitoring.versions.length, "version")} at the head, ${monitoring.source}; ${count(monitoring.thresholds.length, "threshold")}`,
        href: "#models",
      },
    ],
    findings: breached.map(
      (v) => `${v.name} ${v.version}: production monitoring has ${count(v.findings.length, "finding")}`,
    ),
  };
}
