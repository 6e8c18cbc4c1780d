import type { Context } from "probot";
import { modelsToLookUp, withSignOffIssues } from "../core/deploy/known-good.js";
import { detectChanges, type DetectedChanges } from "../core/detect/detect-changes.js";
import { placesSeen, requiredRoles } from "../core/evaluate/evaluate-gate.js";
import type { ModelsAt } from "../core/evidence/model-evidence.js";
import type { ApprovalFacts, Decision } from "../core/evaluate/types.js";
import type { LoadedManifest } from "../core/manifest/load-manifest.js";
import { POLICY_PATH } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/schema.js";
import { judgeReleaseModels, releasePolicy } from "../core/release/judge-release.js";
import { readGovernanceFacts } from "../github/governance.js";
import { publishedSnapshot } from "../core/governance/disclosure.js";
import {
  BOM_ASSET_NAME,
  BOM_CONTENT_TYPE,
  RELEASE_CHECK_NAME,
  failureLines,
  releaseCheckRun,
  releaseModel,
} from "../core/render/release-check-run.js";
import { releaseBom, releaseWrites, type BaselineNote, type BomOutcome } from "../core/release/outcome.js";
import { formatFacts } from "./local-formats.js";
import { repositoryWebUrl } from "./evaluate-pull-request.js";
import { MAX_BASELINE_CANDIDATES, releaseCandidates, type ReleaseOrderFields } from "../core/release/order.js";
import { renderReleaseSection, upsertReleaseSection } from "../core/render/release-notes.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { CouldNotEvaluate, httpStatus } from "../github/errors.js";
import { readBasePolicy } from "../github/read-policy.js";
import { readSnapshots } from "../github/read-snapshot.js";
import { gatherSupplyChainFacts } from "../github/supply-chain-facts.js";
import { gatherReleaseApprovalFacts } from "../github/approval-facts.js";
import { readTrainingFacts } from "../github/training.js";
import { findKnownGood } from "../github/known-good.js";
import { readBranchHead, readModelsAt } from "../github/read-models.js";
import {
  listReleases,
  readInstallationCreatedAt,
  type ReleaseBaseline,
  readRelease,
  readReleaseCommit,
  releaseDetailsUrl,
  releaseBaseline,
  releaseIdOfDetailsUrl,
  releaseUnderEvaluation,
  replaceReleaseAsset,
  updateRelease,
  type ReleaseUnderEvaluation,
} from "../github/releases.js";
import { modelgateVersion } from "../version.js";
import { couldNotEvaluateDecision } from "./could-not-evaluate.js";
import { logDecision } from "./decision-log.js";
import { evaluationContext, type Clock, type EvaluationContext } from "./context.js";
import { recordGateDecision } from "./inventory.js";
import type { Coordination } from "../store/coordination.js";

export { BOM_ASSET_NAME, BOM_CONTENT_TYPE, RELEASE_CHECK_NAME };

/** What the release gate's judgement needs (the deployment gate passes the same). */
export type GateContext = Pick<EvaluationContext, "octokit" | "owner" | "repo" | "now" | "markerKey">;

interface ReleaseContext extends EvaluationContext {
  defaultBranch: string;
  /** The repository's web URL, for links to the check run. */
  repositoryUrl: string;
}

function releaseContext(
  context: Context<"release" | "check_run">,
  clock: Clock,
  markerKey: string,
  coordination: Coordination,
): ReleaseContext {
  const { repository } = context.payload;
  return {
    ...evaluationContext(context, clock, markerKey, coordination),
    defaultBranch: repository.default_branch,
    repositoryUrl: repository.html_url,
  };
}

/** `release.published`, and `release.created` for a draft (a published release fires created too: it is judged once). */
export function onRelease(clock: Clock, markerKey: string, coordination: Coordination) {
  return async (context: Context<"release">): Promise<void> => {
    const { action, release } = context.payload;
    if (action === "created" && !release.draft) return;
    if (action !== "created" && action !== "published") return;
    const ctx = releaseContext(context, clock, markerKey, coordination);
    await evaluateRelease(ctx, releaseUnderEvaluation(release));
  };
}

/**
 * "Re-evaluate" (or "Re-run") on this app's `modelgate / release` run: the release whose id the
 * run's details_url carries (releaseDetailsUrl), judged again — e.g. after the missing sign-offs.
 * Runs written before the id was in the link are matched by the release page they link to.
 */
export function onReleaseCheckRun(clock: Clock, markerKey: string, coordination: Coordination) {
  return async (context: Context<"check_run">): Promise<void> => {
    const run = context.payload.check_run;
    if (run.name !== RELEASE_CHECK_NAME) return;
    if (run.app?.id !== (await ownAppId(context.octokit))) return;
    if (context.payload.action === "requested_action" && context.payload.requested_action?.identifier !== "reevaluate")
      return;
    const ctx = releaseContext(context, clock, markerKey, coordination);
    const releaseId = releaseIdOfDetailsUrl(run.details_url);
    // the id survives what the page address does not (a release turned back into a draft gets a new one)
    if (releaseId !== undefined) return evaluateRelease(ctx, { id: releaseId });
    const { owner, repo } = ctx;
    const releases = await listReleases(ctx.octokit, { owner, repo });
    const release = releases.find((r) => r.htmlUrl === run.details_url);
    if (!release) {
      ctx.log.warn(
        { delivery: ctx.delivery, details_url: run.details_url },
        "modelgate found no release for the release check run",
      );
      return;
    }
    await evaluateRelease(ctx, release);
  };
}

interface ReleaseJudgement {
  decision: Decision;
  policy?: Policy;
  bom: BomOutcome;
  /** Sign-off issue URL per signOffKey, for the check run's links. */
  signOffUrls?: Record<string, string>;
  /** The manifests at the release's commit (their documentation goes into the release notes). */
  headManifests?: LoadedManifest[];
  /** The release compared with, and why (none when it could not be decided). */
  baseline?: BaselineNote;
}

/**
 * The release gate (docs/releases.md): compares every manifest at the release's commit with the previous
 * release, judges each changed model version against its gates with sign-offs from the sign-off
 * issues, writes the `modelgate / release` check run, the release-body section (and the return
 * to draft per `release.on_failure`) and the ML-BOM asset. GitHub read errors fail closed;
 * a write that fails is reported in the check run.
 */
export async function evaluateRelease(
  ctx: ReleaseContext,
  subject: Pick<ReleaseUnderEvaluation, "id"> & Partial<Pick<ReleaseUnderEvaluation, "tagName">>,
): Promise<void> {
  // deliveries for one release, on any replica, judge it one after the other: the second finds the first's check run
  await ctx.coordination.exclusive(`${ctx.owner}/${ctx.repo}:release-${subject.id}`, () =>
    judgeAndReportRelease(ctx, subject),
  );
}

async function judgeAndReportRelease(
  ctx: ReleaseContext,
  subject: Pick<ReleaseUnderEvaluation, "id"> & Partial<Pick<ReleaseUnderEvaluation, "tagName">>,
): Promise<void> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  let release: ReleaseUnderEvaluation | undefined;
  let commit: string;
  try {
    release = await readRelease(ctx.octokit, location, subject.id);
    commit = await readReleaseCommit(ctx.octokit, location, release);
  } catch (error) {
    // without a commit there is nothing to put a check run on: the delivery fails, visibly in the logs
    ctx.log.error(
      {
        delivery: ctx.delivery,
        release: { id: subject.id, tag: release?.tagName ?? subject.tagName },
        reason: (error as Error).message,
      },
      "modelgate could not find the commit of a release",
    );
    throw error;
  }

  let judgement: ReleaseJudgement;
  try {
    judgement = await judgeRelease(ctx, release, commit);
  } catch (error) {
    judgement = {
      decision: couldNotEvaluateDecision(error),
      bom: { kind: "not-built", reason: "the release could not be evaluated" },
    };
    const facts = {
      delivery: ctx.delivery,
      release: { id: release.id, tag: release.tagName },
      status: httpStatus(error),
      reason: judgement.decision.couldNotEvaluate,
    };
    if (error instanceof CouldNotEvaluate) ctx.log.warn(facts, "modelgate could not evaluate");
    else
      ctx.log.error(
        { ...facts, stack: error instanceof Error ? error.stack : undefined },
        "modelgate could not evaluate",
      );
  }
  const { decision, policy, bom, signOffUrls, baseline, headManifests } = judgement;
  const render = {
    org: ctx.owner,
    ...(policy ? { policy } : {}),
    ...(signOffUrls ? { signOffUrls } : {}),
    ...(baseline ? { baseline } : {}),
  };
  const appId = await ownAppId(ctx.octokit);
  const target = {
    ...location,
    headSha: commit,
    name: RELEASE_CHECK_NAME,
    appId,
    detailsUrl: releaseDetailsUrl(release),
  };
  const written = await writeCheckRun(ctx.octokit, target, releaseCheckRun(decision, render, bom, []));
  logDecision(
    ctx.log,
    {
      delivery: ctx.delivery,
      owner: ctx.owner,
      repo: ctx.repo,
      pullRequest: null,
      headSha: commit,
      release: { id: release.id, tag: release.tagName },
    },
    decision,
  );

  const checkUrl = `${ctx.repositoryUrl}/runs/${written.checkRunId}`;
  await recordGateDecision(ctx.octokit, decision, {
    gate: "release",
    url: checkUrl,
    tag: release.tagName,
    decidedAt: ctx.now.toISOString(),
  });
  const writeProblems: string[] = [];
  const { failed, backToDraft } = releaseWrites(decision, bom, policy, release);
  const section = renderReleaseSection({
    models: decision.models.map((model) => releaseModel(model, headManifests)),
    ...(failed ? { failure: { summary: failureLines(decision, bom) } } : {}),
    checkUrl,
  });
  const body = upsertReleaseSection(release.body, section);
  if (body !== (release.body ?? "") || backToDraft) {
    await updateRelease(ctx.octokit, location, release.id, {
      body,
      ...(backToDraft ? { draft: true as const } : {}),
    }).catch((error: unknown) => writeProblems.push((error as Error).message));
  }
  if (bom.kind === "valid") {
    await replaceReleaseAsset(ctx.octokit, location, release, {
      name: BOM_ASSET_NAME,
      contentType: BOM_CONTENT_TYPE,
      data: bom.json,
    }).catch((error: unknown) => writeProblems.push((error as Error).message));
  }
  ctx.log.info(
    {
      delivery: ctx.delivery,
      release: { id: release.id, tag: release.tagName },
      baseline: baseline ?? null,
      bom: bom.kind,
      back_to_draft: backToDraft,
      write_problems: writeProblems,
    },
    "modelgate release written",
  );
  // the check run is the place people look: a release that could not be updated must not look fine there
  if (writeProblems.length > 0)
    await writeCheckRun(ctx.octokit, target, releaseCheckRun(decision, render, bom, writeProblems));
}

/** The release gate's judgement of the models at a commit, and what it rested on. */
export interface ModelsJudgement {
  decision: Decision;
  detected: DetectedChanges;
  facts: ApprovalFacts;
  /** The release compared with: the latest earlier one that passed its gate or predates the App (none: every model is new). */
  baseline: ReleaseBaseline<ReleaseUnderEvaluation> | undefined;
  /** What it was compared with, and why, for the check run. */
  baselineNote: BaselineNote;
  /** Every place besides the commit whose evaluation records count (the baseline, the default branch). */
  places: ModelsAt[];
  /** The commit compared with (null: nothing, every model is new). */
  baseCommit: string | null;
}

/**
 * The deployment gate's own baselines (docs/deployments.md): `first` is compared with instead of
 * any release; `whenNoRelease` is asked only when no release qualifies.
 */
export interface OtherBaseline {
  first?: string;
  whenNoRelease?: () => Promise<string | undefined>;
}

/**
 * The release gate's judgement (docs/releases.md) of every model at `commit`: compared with the latest
 * release before `current` that passed its gate (or was published before the App was installed), each changed model version judged against its
 * gates with sign-offs from its sign-off issue; a rollback to a version that shipped in an
 * earlier passing release is restored as known good (docs/deployments.md "Known good rollback"). The deployment gate calls it too.
 * GitHub read errors throw CouldNotEvaluate.
 */
export async function judgeModelsAtCommit(
  ctx: GateContext,
  policy: Policy,
  current: ReleaseOrderFields,
  commit: string,
  defaultBranch: string,
  other: OtherBaseline = {},
): Promise<ModelsJudgement> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  const appId = await ownAppId(ctx.octokit);
  const releases = await listReleases(ctx.octokit, location);
  const check = { name: RELEASE_CHECK_NAME, appId };
  // the latest earlier release that passed its gate (a failing one must not excuse what it failed with), or that predates the App
  let installedAt: Promise<string> | undefined;
  const found =
    other.first === undefined
      ? await releaseBaseline(
          ctx.octokit,
          location,
          current,
          releases,
          check,
          () => (installedAt ??= readInstallationCreatedAt(ctx.octokit, location)),
        )
      : undefined;
  const note: BaselineNote = found
    ? {
        kind: found.reason,
        tag: found.release.tagName,
        publishedAt: found.release.publishedAt ?? "",
        ...(found.installedAt ? { installedAt: found.installedAt } : {}),
      }
    : { kind: "none", earlier: Math.min(releaseCandidates(current, releases).length, MAX_BASELINE_CANDIDATES) };
  const baseCommit =
    other.first ?? found?.commit ?? (other.whenNoRelease ? await other.whenNoRelease() : undefined) ?? null;
  const { base, head } = await readSnapshots(ctx.octokit, { ...location, baseCommit, headCommit: commit }, policy);
  const judged = releasePolicy(policy);
  const detected = detectChanges(judged, base, head);
  const gated = detected.changes.filter((change) => requiredRoles(judged, change.kinds).length > 0);
  // sign-off issues are read even when approvals.via has no sign_off: an /override on them still counts
  const { facts, authorsBySubject } = await gatherReleaseApprovalFacts(
    ctx.octokit,
    { ...location, subjects: gated, appId, commit, markerKey: ctx.markerKey },
    judged,
    await readTrainingFacts(ctx.octokit, location, judged, ctx.now),
  );
  const elsewhere = await defaultBranchModels(ctx, policy, defaultBranch, commit);
  const baseName = baseNameOf(other, found);
  // the Action reads the Git LFS objects of its checkout for the format scan, the server by range (docs/supply-chain.md)
  const repositoryUrl = repositoryWebUrl(ctx.octokit, ctx.owner, ctx.repo);
  const formats = await formatFacts(ctx.octokit, repositoryUrl, judged, detected.changes, head);
  const at = { ...location, policyBranch: defaultBranch };
  const supplyChain = await gatherSupplyChainFacts(ctx.octokit, at, policy, detected.changes, head);
  const published = publishedSnapshot(base, head);
  const governance =
    detected.changes.length > 0
      ? await readGovernanceFacts(ctx.octokit, location, policy, { published, now: ctx.now, documents: true })
      : {};
  const input = {
    policy: judged,
    base,
    head,
    facts,
    now: ctx.now,
    detected,
    baseName,
    elsewhere,
    supplyChain,
    governance,
    ...(formats ? { formats } : {}),
  };
  let decision = judgeReleaseModels(input, authorsBySubject, policy);
  // only a rollback that does not pass as it is costs the reads of earlier releases
  const wanted = modelsToLookUp(decision, detected, policy);
  if (wanted.length > 0) {
    const knownGood = await findKnownGood(ctx.octokit, location, { wanted, current, releases, check, policy });
    if (knownGood.length > 0)
      decision = judgeReleaseModels(
        input,
        authorsBySubject,
        policy,
        withSignOffIssues(knownGood, detected, facts.signOffIssues),
      );
  }
  return {
    decision,
    detected,
    facts,
    baseline: found,
    baselineNote: note,
    places: placesSeen(input, detected),
    baseCommit,
  };
}

/** How the commit compared with is named where its evaluation records are cited. */
function baseNameOf(other: OtherBaseline, found: ReleaseBaseline<ReleaseUnderEvaluation> | undefined): string {
  if (other.first !== undefined) return "the deployment approved before";
  if (found) return `release ${found.release.tagName}`;
  return "the base";
}

/**
 * The models on the default branch, where re-evaluations land: their records of a digest count
 * with the commit's (docs/re-evaluation.md). Nothing to read when the commit is the branch's head.
 */
async function defaultBranchModels(
  ctx: GateContext,
  policy: Policy,
  defaultBranch: string,
  commit: string,
): Promise<ModelsAt[]> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  const head = await readBranchHead(ctx.octokit, { ...location, branch: defaultBranch });
  if (head === commit) return [];
  const { models } = await readModelsAt(ctx.octokit, { ...location, commit: head }, policy);
  return [{ where: `the default branch ${defaultBranch}`, models }];
}

async function judgeRelease(
  ctx: ReleaseContext,
  release: ReleaseUnderEvaluation,
  commit: string,
): Promise<ReleaseJudgement> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  const read = await readBasePolicy(ctx.octokit, { ...location, branch: ctx.defaultBranch });
  if (!read.ok)
    return {
      decision: { verdict: "failure", models: [], unmanaged: [], errors: read.errors },
      bom: { kind: "not-built", reason: `the policy ${POLICY_PATH} is invalid` },
    };
  const policy = read.policy;
  const {
    decision,
    detected,
    facts,
    baselineNote: baseline,
  } = await judgeModelsAtCommit(ctx, policy, release, commit, ctx.defaultBranch);

  const bom = await releaseBom(
    policy,
    detected,
    {
      repository: `${ctx.owner}/${ctx.repo}`,
      tag: release.tagName,
      commit,
      timestamp: ctx.now.toISOString(),
      toolVersion: await modelgateVersion(),
    },
    decision,
  );
  return { decision, policy, bom, signOffUrls: facts.signOffIssues, baseline, headManifests: detected.models.head };
}
