import type { ProbotOctokit } from "probot";
import { sha256Hex } from "../core/manifest/digest.js";
import { describeFailure, errorMessage, httpStatus } from "./errors.js";
import {
  annotationBatches,
  type Annotation,
  type CheckRunAction,
  type CheckRunOutput,
} from "../core/render/check-run.js";

/** What a check run shows: the rendered decision (annotations all of them; this module batches them). */
export type CheckRunContent = Pick<CheckRunOutput, "title" | "summary" | "text"> & {
  /** `neutral` only for the policy proposal check, which informs without blocking. */
  conclusion: CheckRunOutput["conclusion"] | "neutral";
  annotations: ReadonlyArray<Annotation>;
  actions: ReadonlyArray<CheckRunAction>;
  /** A "Could not evaluate" GitHub caused: marked in external_id, so reconciliation tries it again (latestCheckRun). */
  transientFailure?: boolean;
};

// prefixes the annotations fingerprint in external_id of a run that is no answer yet (docs/operations.md, "Recovery")
const TRANSIENT_FAILURE_MARK = "modelgate-retry:";

export interface CheckRunTarget {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  /** Only runs created by this app are ours to update. */
  appId: number;
  detailsUrl?: string;
}

export type CheckRunWrite = { checkRunId: number; action: "created" | "updated" };

/**
 * Creates or updates the one check run named `target.name` on the head commit (docs/check-run.md "One run per head commit":
 * found by name first, then updated — never a second run of the name from one replica).
 *
 * GitHub appends annotations on every update and cannot remove them, so the run's
 * `external_id` records a fingerprint of the annotations it carries:
 * - no run yet: create it with the annotations;
 * - a run with the same annotations (a redelivery, a re-evaluation with the same result):
 *   update it without sending annotations again;
 * - a run with other annotations (e.g. an evaluation record aged out, a batch lost): update
 *   it and send only the annotations it does not carry yet. Annotations depend on files and
 *   policy only, not on approvals (see decisionAnnotations), so this is rare.
 * Errors are rethrown: when even the check run cannot be written, the delivery must fail visibly.
 */
export async function writeCheckRun(
  octokit: ProbotOctokit,
  target: CheckRunTarget,
  content: CheckRunContent,
): Promise<CheckRunWrite> {
  const { owner, repo, headSha, name } = target;
  const fingerprint = annotationsFingerprint(content.annotations);
  try {
    const existing = await findCheckRun(octokit, target);
    if (!existing) {
      const batches = annotationBatches(content.annotations);
      const { data } = await octokit.rest.checks.create({
        owner,
        repo,
        name,
        head_sha: headSha,
        ...runFields(target, content, fingerprint),
        output: outputFields(content, batches[0] ?? []),
      });
      await appendAnnotations(octokit, target, data.id, content, batches.slice(1));
      return { checkRunId: data.id, action: "created" };
    }
    const batches = annotationBatches(
      await annotationsToSend(octokit, target, existing, content.annotations, fingerprint),
    );
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: existing.id,
      ...runFields(target, content, fingerprint),
      output: outputFields(content, batches[0] ?? []),
    });
    await appendAnnotations(octokit, target, existing.id, content, batches.slice(1));
    return { checkRunId: existing.id, action: "updated" };
  } catch (error) {
    throw new Error(
      `could not write the check run "${name}" of ${owner}/${repo} on ${headSha.slice(0, 7)}: ${describeFailure(error)}${httpStatus(error) !== undefined ? ` (${firstLine(error)})` : ""}`,
      { cause: error },
    );
  }
}

/** The annotations an existing run does not carry yet (it keeps every one it was ever sent). */
async function annotationsToSend(
  octokit: ProbotOctokit,
  { owner, repo }: CheckRunTarget,
  existing: ExistingCheckRun,
  annotations: ReadonlyArray<Annotation>,
  fingerprint: string,
): Promise<ReadonlyArray<Annotation>> {
  if (existing.annotationsCount === 0) return annotations;
  if (
    existing.externalId?.replace(TRANSIENT_FAILURE_MARK, "") === fingerprint &&
    existing.annotationsCount === annotations.length
  )
    return [];
  const carried = await octokit.paginate(octokit.rest.checks.listAnnotations, {
    owner,
    repo,
    check_run_id: existing.id,
    per_page: 100,
  });
  const keys = new Set(
    carried.map((a) =>
      annotationKey({
        path: a.path,
        start_line: a.start_line,
        annotation_level: a.annotation_level ?? "",
        message: a.message ?? "",
      }),
    ),
  );
  return annotations.filter((a) => !keys.has(annotationKey(a)));
}

function annotationKey(a: { path: string; start_line: number; annotation_level: string; message: string }): string {
  return JSON.stringify([a.path, a.start_line, a.annotation_level, a.message]);
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

/** This app's latest run named `name` on a commit, as GitHub lists it (`per_page` as the caller asks). */
async function thisAppsLatestRun(
  octokit: ProbotOctokit,
  { owner, repo, headSha, name, appId }: Omit<CheckRunTarget, "detailsUrl">,
  page: { per_page?: number } = {},
) {
  const { data } = await octokit.rest.checks.listForRef({
    owner,
    repo,
    ref: headSha,
    check_name: name,
    filter: "latest",
    app_id: appId,
    ...page,
  });
  // the query filters by app already; checking again keeps another app's run from ever being touched or counting
  return data.check_runs.find((candidate) => candidate.name === name && candidate.app?.id === appId);
}

async function findCheckRun(octokit: ProbotOctokit, target: CheckRunTarget): Promise<ExistingCheckRun | undefined> {
  const run = await thisAppsLatestRun(octokit, target, { per_page: 100 });
  return run
    ? { id: run.id, externalId: run.external_id ?? null, annotationsCount: run.output.annotations_count ?? 0 }
    : undefined;
}

/**
 * The conclusion of this app's latest run named `name` on a commit (`null` while it runs),
 * `undefined` when there is none. Errors are rethrown for the caller to fail closed.
 */
export async function latestCheckRunConclusion(
  octokit: ProbotOctokit,
  target: Omit<CheckRunTarget, "detailsUrl">,
): Promise<string | null | undefined> {
  const run = await latestCheckRun(octokit, target);
  return run ? run.conclusion : undefined;
}

/**
 * This app's latest run named `name` on a commit: its conclusion (`null` while it runs) and whether it is a
 * "Could not evaluate" GitHub caused (no answer yet); `undefined` when there is none.
 */
export async function latestCheckRun(
  octokit: ProbotOctokit,
  target: Omit<CheckRunTarget, "detailsUrl">,
): Promise<{ conclusion: string | null; transientFailure: boolean } | undefined> {
  const run = await thisAppsLatestRun(octokit, target);
  if (!run) return undefined;
  return {
    conclusion: run.conclusion ?? null,
    transientFailure: run.external_id?.startsWith(TRANSIENT_FAILURE_MARK) === true,
  };
}

function runFields(target: CheckRunTarget, content: CheckRunContent, fingerprint: string) {
  return {
    status: "completed" as const,
    conclusion: content.conclusion,
    external_id: content.transientFailure ? `${TRANSIENT_FAILURE_MARK}${fingerprint}` : fingerprint,
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

async function appendAnnotations(
  octokit: ProbotOctokit,
  { owner, repo }: CheckRunTarget,
  checkRunId: number,
  content: CheckRunContent,
  batches: ReadonlyArray<ReadonlyArray<Annotation>>,
): Promise<void> {
  for (const batch of batches) {
    await octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, output: outputFields(content, batch) });
  }
}

function firstLine(error: unknown): string {
  const message = errorMessage(error);
  return (message.split("\n")[0] ?? message).slice(0, 200);
}
