import type { ProbotOctokit } from "probot";
import type { TreeEntry } from "../core/detect/snapshot.js";
import { reportFilesIn, reportFolder, type FoundReport, type MonitoredVersion } from "../core/monitoring/judge.js";
import { readReport } from "../core/monitoring/read-report.js";
import { MAX_ARTIFACT_ZIP_BYTES, readZip } from "../core/monitoring/zip.js";
import type { MonitoringPolicy } from "../core/policy/monitoring-schema.js";
import { readFileContents } from "./read-contents.js";
import { httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** The key of a model version in the maps below. */
export function versionKey(version: Pick<MonitoredVersion, "name" | "version">): string {
  return `${version.name}\n${version.version}`;
}

/** Files whose commit dates one GraphQL request asks. */
const HISTORY_ALIASES_PER_REQUEST = 100;

/**
 * docs/monitoring.md, committed reports: each version's `.json` files in its folder at the default branch's head,
 * read with the manifests' batched reader (one GraphQL request per 250 files), and, for reports without a date of
 * their own (SageMaker's), the date of the last commit that touched them (one GraphQL request per 100 files).
 * GitHub errors throw CouldNotEvaluate.
 */
export async function readCommittedReports(
  octokit: ProbotOctokit,
  { owner, repo, commit }: { owner: string; repo: string; commit: string },
  entries: ReadonlyMap<string, TreeEntry>,
  monitoring: MonitoringPolicy,
  versions: ReadonlyArray<MonitoredVersion>,
): Promise<Map<string, FoundReport[]>> {
  const filesOf = new Map(
    versions.map((v) => [versionKey(v), reportFilesIn(reportFolder(monitoring.reports.path, v), entries.keys())]),
  );
  const paths = [...new Set([...filesOf.values()].flat())];
  const contents = await readFileContents(
    octokit,
    { owner, repo },
    paths.map((path) => ({ commit, path, blobSha: entries.get(path)!.blobSha })),
  );
  const reads = new Map(
    paths.map((path) => {
      const content = contents.get(entries.get(path)!.blobSha);
      if (!content || content.kind !== "text")
        return [
          path,
          {
            ok: false as const,
            source: path,
            reason: `not readable (${content?.kind === "unreadable" ? content.reason : "not text"})`,
          },
        ];
      return [path, readReport(content.text, path)];
    }),
  );
  const undated = paths.filter((path) => {
    const read = reads.get(path)!;
    return read.ok && read.report.generatedAt === undefined;
  });
  const dates = await readCommitDates(octokit, { owner, repo, commit }, undated);
  const found = new Map<string, FoundReport[]>();
  for (const [key, files] of filesOf)
    found.set(
      key,
      files.map((path) => {
        const date = dates.get(path);
        return { read: reads.get(path)!, ...(date ? { sourceTime: date } : {}) };
      }),
    );
  return found;
}

async function readCommitDates(
  octokit: ProbotOctokit,
  { owner, repo, commit }: { owner: string; repo: string; commit: string },
  paths: ReadonlyArray<string>,
): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  for (let start = 0; start < paths.length; start += HISTORY_ALIASES_PER_REQUEST) {
    const chunk = paths.slice(start, start + HISTORY_ALIASES_PER_REQUEST);
    const fields = chunk.map(
      (path, index) => `d${index}: history(first: 1, path: ${JSON.stringify(path)}) { nodes { committedDate } }`,
    );
    const query = `query ($owner: String!, $name: String!, $oid: GitObjectID!) {\n  repository(owner: $owner, name: $name) {\n    object(oid: $oid) { ... on Commit {\n      ${fields.join("\n      ")}\n    } }\n  }\n}`;
    let data: {
      repository?: { object?: Record<string, { nodes?: Array<{ committedDate?: string }> } | undefined> | null };
    };
    try {
      data = await octokit.graphql(query, { owner, name: repo, oid: commit });
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the commit dates of monitoring reports", ref: commit });
    }
    for (const [index, path] of chunk.entries()) {
      const date = data.repository?.object?.[`d${index}`]?.nodes?.[0]?.committedDate;
      if (typeof date === "string") dates.set(path, date);
    }
  }
  return dates;
}

/**
 * docs/monitoring.md, a workflow's reports: the newest successful run of `reports.workflow` on the default branch
 * (one request), its artefact named `reports.artifact` (one request), the zip (one request, GitHub answers with a
 * redirect to its storage), read in memory within bounds. Each version's files are its folder's inside the zip;
 * they are dated by the report, else by the artefact's creation. When there is no run, no artefact, or the zip
 * is refused, every version gets a refused entry saying why (an open issue, never a silent pass).
 */
export async function readArtifactReports(
  octokit: ProbotOctokit,
  { owner, repo, branch }: { owner: string; repo: string; branch: string },
  monitoring: MonitoringPolicy,
  versions: ReadonlyArray<MonitoredVersion>,
): Promise<Map<string, FoundReport[]>> {
  const workflow = monitoring.reports.workflow!;
  const artifactName = monitoring.reports.artifact;
  const source = `workflow ${workflow}, artefact ${artifactName}`;
  const everyone = (reason: string) =>
    new Map(versions.map((v) => [versionKey(v), [{ read: { ok: false as const, source, reason } }]]));
  if (versions.length === 0) return new Map();
  let run: { id: number } | undefined;
  try {
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner,
      repo,
      workflow_id: workflow,
      branch,
      status: "success",
      per_page: 1,
    });
    run = data.workflow_runs[0];
  } catch (error) {
    // a policy naming a workflow that is not there: a finding for each version, not a failed run
    if (httpStatus(error) === 404) return everyone(`the workflow ${workflow} is not found`);
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the runs of the workflow ${workflow}` });
  }
  if (!run) return everyone(`no successful run on ${branch}`);
  let artifact: { id: number; size_in_bytes: number; expired: boolean; created_at: string | null } | undefined;
  try {
    const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({
      owner,
      repo,
      run_id: run.id,
      name: artifactName,
      per_page: 1,
    });
    artifact = data.artifacts[0];
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the artefacts of run ${run.id}` });
  }
  if (!artifact) return everyone(`the newest successful run (${run.id}) has no such artefact`);
  if (artifact.expired) return everyone(`the artefact of run ${run.id} has expired`);
  if (artifact.size_in_bytes > MAX_ARTIFACT_ZIP_BYTES)
    return everyone(`the artefact is larger than ${MAX_ARTIFACT_ZIP_BYTES / 1024 / 1024} MiB`);
  let zip: ArrayBuffer;
  try {
    const { data } = await octokit.rest.actions.downloadArtifact({
      owner,
      repo,
      artifact_id: artifact.id,
      archive_format: "zip",
    });
    zip = data as ArrayBuffer;
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the artefact ${artifact.id}` });
  }
  const folders = new Map(versions.map((v) => [versionKey(v), reportFolder(monitoring.reports.path, v)]));
  const wanted = (name: string) => [...folders.values()].some((folder) => reportFilesIn(folder, [name]).length > 0);
  const read = readZip(new Uint8Array(zip), wanted);
  if (!read.ok) return everyone(`the zip is refused: ${read.reason}`);
  const createdAt = artifact.created_at ?? undefined;
  const found = new Map<string, FoundReport[]>();
  for (const [key, folder] of folders) {
    const names = reportFilesIn(
      folder,
      read.entries.map((entry) => entry.name),
    );
    found.set(
      key,
      names.map((name) => {
        const entry = read.entries.find((e) => e.name === name)!;
        const where = `${artifactName}.zip:${name}`;
        const report = entry.content.ok
          ? readReport(entry.content.text, where)
          : { ok: false as const, source: where, reason: entry.content.reason };
        return { read: report, ...(createdAt ? { sourceTime: createdAt } : {}) };
      }),
    );
  }
  return found;
}
