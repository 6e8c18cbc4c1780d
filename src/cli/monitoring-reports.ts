import type { AuditMonitoringInput } from "../core/audit/monitoring.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import { reportFilesIn, reportFolder, type FoundReport } from "../core/monitoring/judge.js";
import { readReport } from "../core/monitoring/read-report.js";
import type { Policy } from "../core/policy/schema.js";
import { readContents, type GitSnapshot } from "./git-snapshot.js";
import { runGit } from "./git.js";

/**
 * The audit's monitoring facts (docs/monitoring.md), read as the daily run reads them but from local git: each
 * version's `.json` files in its folder at the audited commit, and for a report without a date of its own the
 * committer date of the last commit that touched it. A workflow's artefacts are on GitHub only: not read.
 */
export async function readLocalMonitoring(
  repo: string,
  head: GitSnapshot,
  policy: Policy,
  models: ReadonlyArray<LoadedManifest>,
): Promise<AuditMonitoringInput | undefined> {
  const monitoring = policy.monitoring;
  if (!monitoring) return undefined;
  if (monitoring.reports.workflow) return { policy: monitoring };
  const versions = models
    .filter((m) => m.manifest.status !== "decommissioned")
    .map((m) => ({ name: m.manifest.name, version: m.manifest.version, digest: m.digest }));
  const filesOf = versions.map((v) => reportFilesIn(reportFolder(monitoring.reports.path, v), head.entries.keys()));
  await readContents(repo, [{ snapshot: head, paths: filesOf.flat() }]);
  const result: NonNullable<AuditMonitoringInput["versions"]> = [];
  for (const [index, version] of versions.entries()) {
    const found: FoundReport[] = [];
    for (const path of filesOf[index]!) {
      const content = head.contents.get(path);
      if (content?.kind !== "text") {
        const reason = content?.kind === "unreadable" ? content.reason : "not text";
        found.push({ read: { ok: false, source: path, reason: `not readable (${reason})` } });
        continue;
      }
      const read = readReport(content.text, path);
      if (read.ok && read.report.generatedAt === undefined) {
        const log = await runGit(repo, ["log", "-1", "--format=%cI", head.commit, "--", path]);
        const date = log.stdout.toString("utf8").trim();
        found.push({ read, ...(log.code === 0 && date ? { sourceTime: date } : {}) });
      } else found.push({ read });
    }
    result.push({ ...version, found });
  }
  return { policy: monitoring, versions: result };
}
