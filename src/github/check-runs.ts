import type { ProbotOctokit } from "probot";
import { sha256Hex } from "../core/manifest/digest.js";
import { annotationBatches, type Annotation, type CheckRunAction, type CheckRunOutput } from "../core/render/check-run.js";

/** What a check run shows: the rendered decision (annotations all of them; this module batches them). */
export type CheckRunContent = Pick<CheckRunOutput, "title" | "summary" | "text"> & {
  /** `neutral` only for the policy proposal check, which informs without blocking. */
  conclusion: CheckRunOutput["conclusion"] | "neutral";
  annotations: ReadonlyArray<Annotation>;
  actions: ReadonlyArray<CheckRunAction>;
};

export interface CheckRunTarget {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  /** Only runs created by this app are ours to update. */
  appId: number;
  detailsUrl?: string;
}

export type CheckRunWrite = { checkRunId: number; action: "created" | "updated" | "superseded" };

/**
 * Creates or updates the one check run named `target.name` on the head commit.
 *
 * GitHub appends annotations on every update and cannot remove them, so the run's
 * `external_id` records a fingerprint of the annotations it carries:
 * - no run yet: create it;
 * - a run with the same annotations (a redelivery, a re-evaluation with the same result):
 *   update it without sending annotations again;
 * - a run without annotations: update it and send them;
 * - a run with other annotations: create a new run, which supersedes it (GitHub and
 *   branch protection use the latest run of a name), so stale annotations never linger.
 * Errors are rethrown: when even the check run cannot be written, the delivery must fail visibly.
 */
export async function writeCheckRun(octokit: ProbotOctokit, target: CheckRunTarget, content: CheckRunContent): Promise<CheckRunWrite> {
  const { owner, repo, headSha, name } = target;
  const fingerprint = annotationsFingerprint(content.annotations);
  const batches = annotationBatches(content.annotations);
  try {
    const existing = await findCheckRun(octokit, target);
    if (existing && existing.externalId === fingerprint && existing.annotationsCount === content.annotations.length) {
      await octokit.rest.checks.update({ owner, repo, check_run_id: existing.id, ...runFields(target, content, fingerprint), output: outputFields(content, []) });
      return { checkRunId: existing.id, action: "updated" };
    }
    if (existing && existing.annotationsCount === 0) {
      await octokit.rest.checks.update({ owner, repo, check_run_id: existing.id, ...runFields(target, content, fingerprint), output: outputFields(content, batches[0] ?? []) });
      await appendAnnotations(octokit, target, existing.id, content, batches.slice(1));
      return { checkRunId: existing.id, action: "updated" };
    }
    const { data } = await octokit.rest.checks.create({ owner, repo, name, head_sha: headSha, ...runFields(target, content, fingerprint), output: outputFields(content, batches[0] ?? []) });
    await appendAnnotations(octokit, target, data.id, content, batches.slice(1));
    return { checkRunId: data.id, action: existing ? "superseded" : "created" };
  } catch (error) {
    throw new Error(`could not write the check run "${name}" of ${owner}/${repo} on ${headSha.slice(0, 7)}: ${(error as Error).message}`, { cause: error });
  }
}

/** Identifies a set of annotations (order included) in the run's external_id. */
export function annotationsFingerprint(annotations: ReadonlyArray<Annotation>): string {
  return `modelgate-annotations:${sha256Hex(JSON.stringify(annotations)).slice(0, 32)}`;
}

interface ExistingCheckRun {
  id: number;
  externalId: string | null;
  annotationsCount: number;
}

async function findCheckRun(octokit: ProbotOctokit, { owner, repo, headSha, name, appId }: CheckRunTarget): Promise<ExistingCheckRun | undefined> {
  const { data } = await octokit.rest.checks.listForRef({ owner, repo, ref: headSha, check_name: name, filter: "latest", app_id: appId, per_page: 100 });
  // the query filters by app already; checking again keeps another app's run from ever being touched
  const run = data.check_runs.find((candidate) => candidate.name === name && candidate.app?.id === appId);
  return run ? { id: run.id, externalId: run.external_id ?? null, annotationsCount: run.output.annotations_count ?? 0 } : undefined;
}

function runFields(target: CheckRunTarget, content: CheckRunContent, fingerprint: string) {
  return {
    status: "completed" as const,
    conclusion: content.conclusion,
    external_id: fingerprint,
    actions: content.actions.map((action) => ({ ...action })),
    ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
  };
}

function outputFields(content: CheckRunContent, annotations: ReadonlyArray<Annotation>) {
  return {
    title: content.title,
    summary: content.summary,
    text: content.text,
    ...(annotations.length > 0 ? { annotations: annotations.map((annotation) => ({ ...annotation })) } : {}),
  };
}

async function appendAnnotations(octokit: ProbotOctokit, { owner, repo }: CheckRunTarget, checkRunId: number, content: CheckRunContent, batches: ReadonlyArray<ReadonlyArray<Annotation>>): Promise<void> {
  for (const batch of batches) {
    await octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, output: outputFields(content, batch) });
  }
}
