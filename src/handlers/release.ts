import type { Context } from "probot";
import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { buildBom, validateBom } from "../core/bom/build-bom.js";
import { detectChanges } from "../core/detect/detect-changes.js";
import { evaluateGate, requiredRoles, type GateInput } from "../core/evaluate/evaluate-gate.js";
import type { Decision, ModelVerdict } from "../core/evaluate/types.js";
import { POLICY_PATH } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/schema.js";
import { OPEN_SIGN_OFF_ACTION, renderCheckRun, truncateUtf8, type CheckRunOutput } from "../core/render/check-run.js";
import { code, inlineText, plural } from "../core/render/markdown.js";
import { renderReleaseSection, upsertReleaseSection, type ReleaseModel } from "../core/render/release-notes.js";
import { approvalRole } from "../core/render/requirement-kinds.js";
import { signOffKey } from "../core/sign-off/subject.js";
import { CHECK_RUN_TEXT_MAX_BYTES, utf8Bytes } from "../core/render/truncate.js";
import { ownAppId } from "../github/app-identity.js";
import { writeCheckRun } from "../github/check-runs.js";
import { CouldNotEvaluate, httpStatus } from "../github/errors.js";
import { readBasePolicy } from "../github/read-policy.js";
import { readSnapshots } from "../github/read-snapshot.js";
import { gatherReleaseApprovalFacts } from "../github/release-approvals.js";
import {
  listReleases,
  previousRelease,
  readRelease,
  readReleaseCommit,
  readTagCommit,
  releaseUnderEvaluation,
  replaceReleaseAsset,
  updateRelease,
  type ReleaseUnderEvaluation,
} from "../github/releases.js";
import { modelgateVersion } from "../version.js";
import { couldNotEvaluateDecision } from "./could-not-evaluate.js";
import { logDecision } from "./decision-log.js";
import type { Clock } from "./pull-request.js";

/** The name of the release check run (SPEC §7). */
export const RELEASE_CHECK_NAME = "modelgate / release";
/** The ML-BOM release asset (SPEC §7, 5.2.4-1.2). */
export const BOM_ASSET_NAME = "modelgate-bom.cdx.json";
export const BOM_CONTENT_TYPE = "application/vnd.cyclonedx+json";

interface ReleaseContext {
  octokit: ProbotOctokit;
  log: Logger;
  delivery: string;
  owner: string;
  repo: string;
  defaultBranch: string;
  /** The repository's web URL, for links to the check run. */
  repositoryUrl: string;
  now: Date;
}

function releaseContext(context: Context<"release" | "check_run">, clock: Clock): ReleaseContext {
  const { owner, repo } = context.repo();
  const { repository } = context.payload;
  return {
    octokit: context.octokit,
    log: context.log,
    delivery: context.id,
    owner,
    repo,
    defaultBranch: repository.default_branch,
    repositoryUrl: repository.html_url,
    now: clock(),
  };
}

/** `release.published`, and `release.created` for a draft (a published release fires created too: it is judged once). */
export function onRelease(clock: Clock) {
  return async (context: Context<"release">): Promise<void> => {
    const { action, release, repository } = context.payload;
    if (action === "created" && !release.draft) return;
    if (action !== "created" && action !== "published") return;
    const ctx = releaseContext(context, clock);
    await evaluateRelease(ctx, releaseUnderEvaluation(release));
  };
}

/**
 * "Re-evaluate" (or "Re-run") on this app's `modelgate / release` run: the release is the one
 * whose page the run links to (details_url), judged again — e.g. after the missing sign-offs.
 */
export function onReleaseCheckRun(clock: Clock) {
  return async (context: Context<"check_run">): Promise<void> => {
    const run = context.payload.check_run;
    if (run.name !== RELEASE_CHECK_NAME) return;
    if (run.app?.id !== (await ownAppId(context.octokit))) return;
    if (context.payload.action === "requested_action" && context.payload.requested_action?.identifier !== "reevaluate") return;
    const ctx = releaseContext(context, clock);
    const { owner, repo } = ctx;
    const releases = await listReleases(ctx.octokit, { owner, repo });
    const release = releases.find((r) => r.htmlUrl === run.details_url);
    if (!release) {
      ctx.log.warn({ delivery: ctx.delivery, details_url: run.details_url }, "modelgate found no release for the release check run");
      return;
    }
    await evaluateRelease(ctx, release);
  };
}

/** The BOM of the release, or why there is none. */
type BomOutcome =
  | { kind: "off" }
  | { kind: "valid"; json: string; models: number }
  | { kind: "invalid"; errors: string[] }
  | { kind: "not-built"; reason: string };

interface ReleaseJudgement {
  decision: Decision;
  policy?: Policy;
  bom: BomOutcome;
  /** Sign-off issue URL per signOffKey, for the check run's links. */
  signOffUrls?: Record<string, string>;
}

/**
 * The release gate (SPEC §7): compares every manifest at the release's commit with the previous
 * release, judges each changed model version against its gates with sign-offs from the sign-off
 * issues, writes the `modelgate / release` check run, the release-body section (and the return
 * to draft per `release.on_failure`) and the ML-BOM asset. GitHub read errors fail closed;
 * a write that fails is reported in the check run.
 */
export async function evaluateRelease(ctx: ReleaseContext, fromPayload: ReleaseUnderEvaluation): Promise<void> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  let release = fromPayload;
  let commit: string;
  try {
    release = await readRelease(ctx.octokit, location, fromPayload.id);
    commit = await readReleaseCommit(ctx.octokit, location, release);
  } catch (error) {
    // without a commit there is nothing to put a check run on: the delivery fails, visibly in the logs
    ctx.log.error({ delivery: ctx.delivery, release: { id: release.id, tag: release.tagName }, reason: (error as Error).message }, "modelgate could not find the commit of a release");
    throw error;
  }

  let judgement: ReleaseJudgement;
  try {
    judgement = await judgeRelease(ctx, release, commit);
  } catch (error) {
    judgement = { decision: couldNotEvaluateDecision(error), bom: { kind: "not-built", reason: "the release could not be evaluated" } };
    const facts = { delivery: ctx.delivery, release: { id: release.id, tag: release.tagName }, status: httpStatus(error), reason: judgement.decision.couldNotEvaluate };
    if (error instanceof CouldNotEvaluate) ctx.log.warn(facts, "modelgate could not evaluate");
    else ctx.log.error({ ...facts, stack: error instanceof Error ? error.stack : undefined }, "modelgate could not evaluate");
  }
  const { decision, policy, bom, signOffUrls } = judgement;
  const render = { org: ctx.owner, ...(policy ? { policy } : {}), ...(signOffUrls ? { signOffUrls } : {}) };
  const appId = await ownAppId(ctx.octokit);
  const target = { ...location, headSha: commit, name: RELEASE_CHECK_NAME, appId, detailsUrl: release.htmlUrl };
  const written = await writeCheckRun(ctx.octokit, target, releaseCheckRun(decision, render, bom, []));
  logDecision(ctx.log, { delivery: ctx.delivery, owner: ctx.owner, repo: ctx.repo, pullRequest: null, headSha: commit, release: { id: release.id, tag: release.tagName } }, decision);

  const checkUrl = `${ctx.repositoryUrl}/runs/${written.checkRunId}`;
  const writeProblems: string[] = [];
  const failed = decision.verdict !== "success" || bom.kind === "invalid";
  const backToDraft = failed && policy?.release.on_failure === "draft" && !release.draft;
  const section = renderReleaseSection({
    models: decision.models.map(releaseModel),
    ...(failed ? { failure: { summary: failureLines(decision, bom) } } : {}),
    checkUrl,
  });
  const body = upsertReleaseSection(release.body, section);
  if (body !== (release.body ?? "") || backToDraft) {
    await updateRelease(ctx.octokit, location, release.id, { body, ...(backToDraft ? { draft: true as const } : {}) }).catch((error: unknown) => writeProblems.push((error as Error).message));
  }
  if (bom.kind === "valid") {
    await replaceReleaseAsset(ctx.octokit, location, release, { name: BOM_ASSET_NAME, contentType: BOM_CONTENT_TYPE, data: bom.json }).catch((error: unknown) =>
      writeProblems.push((error as Error).message),
    );
  }
  ctx.log.info(
    { delivery: ctx.delivery, release: { id: release.id, tag: release.tagName }, bom: bom.kind, back_to_draft: backToDraft, write_problems: writeProblems },
    "modelgate release written",
  );
  // the check run is the place people look: a release that could not be updated must not look fine there
  if (writeProblems.length > 0) await writeCheckRun(ctx.octokit, target, releaseCheckRun(decision, render, bom, writeProblems));
}

async function judgeRelease(ctx: ReleaseContext, release: ReleaseUnderEvaluation, commit: string): Promise<ReleaseJudgement> {
  const location = { owner: ctx.owner, repo: ctx.repo };
  const read = await readBasePolicy(ctx.octokit, { ...location, branch: ctx.defaultBranch });
  if (!read.ok) return { decision: { verdict: "failure", models: [], unmanaged: [], errors: read.errors }, bom: { kind: "not-built", reason: `the policy ${POLICY_PATH} is invalid` } };
  const policy = read.policy;
  const previous = previousRelease(release, await listReleases(ctx.octokit, location));
  let baseCommit: string | null = null;
  if (previous) {
    baseCommit = (await readTagCommit(ctx.octokit, location, previous.tagName)) ?? null;
    if (baseCommit === null) throw new CouldNotEvaluate(`the tag ${previous.tagName} of the previous release of ${ctx.owner}/${ctx.repo} does not exist`);
  }
  const { base, head } = await readSnapshots(ctx.octokit, { ...location, baseCommit, headCommit: commit }, policy);
  const judged = releasePolicy(policy);
  const detected = detectChanges(judged, base, head);
  const gated = detected.changes.filter((change) => requiredRoles(judged, change.kinds).length > 0);
  // sign-off issues are read even when approvals.via has no sign_off: an /override on them still counts
  const { facts, authorsBySubject } = await gatherReleaseApprovalFacts(ctx.octokit, { ...location, subjects: gated, appId: await ownAppId(ctx.octokit), commit }, judged);
  const decision = releaseDecision(judgeModels({ policy: judged, base, head, facts, now: ctx.now, detected }, authorsBySubject), policy);

  let bom: BomOutcome = { kind: "off" };
  if (policy.release.attach_bom) {
    if (detected.errors.length > 0) {
      bom = { kind: "not-built", reason: `${plural(new Set(detected.errors.map((e) => e.path)).size, "manifest")} at ${release.tagName} could not be read: a BOM that leaves a model out is worse than none` };
    } else {
      const built = buildBom({
        repository: `${ctx.owner}/${ctx.repo}`,
        ref: release.tagName,
        commit,
        models: detected.models.head,
        timestamp: ctx.now.toISOString(),
        toolVersion: await modelgateVersion(),
      });
      const validation = await validateBom(built);
      bom = validation.ok ? { kind: "valid", json: `${JSON.stringify(built, null, 2)}\n`, models: detected.models.head.length } : { kind: "invalid", errors: validation.errors };
    }
  }
  return { decision, policy, bom, signOffUrls: facts.signOffIssues };
}

/**
 * The gate of every changed model, each judged with the authors of its own pull requests (an
 * evaluator or signer is "an author" only of the model versions they authored, as in the PR gate).
 */
function judgeModels(input: GateInput, authorsBySubject: ReadonlyMap<string, string[]>): Decision {
  const decision = evaluateGate(input);
  const models = decision.models.map((model) => {
    const authors = authorsBySubject.get(signOffKey(model)) ?? [];
    if (authors.length === 0) return model;
    const judged = evaluateGate({ ...input, facts: { ...input.facts, authors } });
    return judged.models.find((m) => m.name === model.name) ?? model;
  });
  // a release passes only when every model passes: what a PR could wait for has already shipped (releaseDecision)
  const failing = decision.errors.length > 0 || decision.unmanaged.some((u) => u.level === "failure") || models.some((m) => m.verdict === "failure");
  const verdict = failing ? "failure" : models.some((m) => m.verdict === "action_required") ? "action_required" : "success";
  return { ...decision, models, verdict };
}

/**
 * The policy a release is judged with: a release has no reviews, so only sign-off issues can
 * approve it. With `approvals.via: [review]` only, approvals stay pending (see releaseDecision).
 */
function releasePolicy(policy: Policy): Policy {
  return { ...policy, approvals: { ...policy.approvals, via: policy.approvals.via.filter((via) => via !== "review") } };
}

/**
 * A release is already out (or about to be): what a pull request could still wait for is a
 * failure here, so the verdict is never `action_required`. Pending approvals under a policy that
 * approves by review only say how to make releases approvable.
 */
function releaseDecision(decision: Decision, policy: Policy): Decision {
  const signOffAllowed = policy.approvals.via.includes("sign_off");
  const models = signOffAllowed
    ? decision.models
    : decision.models.map((model) => ({
        ...model,
        requirements: model.requirements.map((requirement) => {
          const role = approvalRole(requirement);
          if (role === undefined || requirement.status !== "pending") return requirement;
          return {
            ...requirement,
            message: `${role} must sign off, but a release has no reviews and approvals.via in ${POLICY_PATH} allows only reviews: add sign_off to approvals.via, then ${role} comments \`/approve ${role}\` on the sign-off issue of this digest`,
          };
        }),
      }));
  return { ...decision, models, verdict: decision.verdict === "action_required" ? "failure" : decision.verdict };
}

/** The check run of a release: the PR gate's rendering, plus what happened to the BOM and the release itself. */
function releaseCheckRun(
  decision: Decision,
  render: { org: string; policy?: Policy; signOffUrls?: Record<string, string> },
  bom: BomOutcome,
  writeProblems: ReadonlyArray<string>,
): CheckRunOutput {
  const output = renderCheckRun(decision, {
    checkName: RELEASE_CHECK_NAME,
    policyPath: POLICY_PATH,
    org: render.org,
    ...(render.policy ? { policy: { ...releasePolicy(render.policy), approvals: { ...render.policy.approvals, via: ["sign_off"] as Policy["approvals"]["via"] } } } : {}),
    ...(render.signOffUrls ? { signOffUrls: render.signOffUrls } : {}),
    // the PR gate opens sign-off issues; a model version that never went through a pull request has none
    missingSignOffIssue: "the sign-off issue of its digest (the pull request gate opens it)",
  });
  const failing = bom.kind === "invalid" || writeProblems.length > 0;
  const notes = [
    bom.kind === "invalid" ? "ML-BOM invalid" : "",
    writeProblems.length > 0 ? "release not updated" : "",
  ].filter(Boolean);
  const waitsForSignOff = decision.models.some((m) => !m.override && m.requirements.some((r) => r.status === "pending" && approvalRole(r) !== undefined));
  const section = releaseSummarySection(bom, writeProblems, waitsForSignOff);
  return {
    ...output,
    conclusion: failing ? "failure" : output.conclusion,
    title: notes.length > 0 ? `${output.title}; ${notes.join("; ")}` : output.title,
    summary: truncateUtf8(output.summary, CHECK_RUN_TEXT_MAX_BYTES - utf8Bytes(section), "\n… truncated") + section,
    // "Open sign-off" belongs to pull requests: a release's sign-offs are made on the sign-off issues the PR gate opened
    actions: output.actions.filter((action) => action.identifier !== OPEN_SIGN_OFF_ACTION.identifier),
  };
}

function releaseSummarySection(bom: BomOutcome, writeProblems: ReadonlyArray<string>, waitsForSignOff: boolean): string {
  const lines = ["", "### Release", ""];
  if (waitsForSignOff) {
    lines.push("A release has no reviews: its approvals are the sign-offs on the sign-off issue of each digest. Once they are given, press **Re-evaluate** above to judge the release again.", "");
  }
  switch (bom.kind) {
    case "off":
      lines.push("ML-BOM: not attached (`release.attach_bom` is false).");
      break;
    case "valid":
      lines.push(`ML-BOM: ${code(BOM_ASSET_NAME)} (CycloneDX 1.6, ${plural(bom.models, "model")}, validated against the official schema) is attached to the release (5.2.4-1.2).`);
      break;
    case "invalid":
      lines.push(`❌ ML-BOM: the generated BOM does not validate against CycloneDX 1.6, so it was not attached:`, "", ...bom.errors.slice(0, 20).map((e) => `- ${inlineText(e, 500)}`));
      if (bom.errors.length > 20) lines.push(`- … ${plural(bom.errors.length - 20, "more error")}`);
      break;
    case "not-built":
      lines.push(`ML-BOM: not attached: ${inlineText(bom.reason, 500)}.`);
      break;
  }
  for (const problem of writeProblems) lines.push("", `❌ ${inlineText(problem, 1000)} (modelgate needs \`contents: write\` to update releases).`);
  return `${lines.join("\n")}\n`;
}

function releaseModel(model: ModelVerdict): ReleaseModel {
  return { name: model.name, ...(model.from !== undefined ? { from: model.from } : {}), to: model.to ?? "removed", digest: model.digest, kinds: model.kinds, verdict: model.verdict };
}

/** One line per reason the release fails its gates, for the release body. */
function failureLines(decision: Decision, bom: BomOutcome): string[] {
  if (decision.couldNotEvaluate !== undefined) return [`could not evaluate: ${decision.couldNotEvaluate}`];
  const lines: string[] = [];
  for (const error of decision.errors.slice(0, 10)) lines.push(`${error.path}:${error.line}: ${error.message}`);
  if (decision.errors.length > 10) lines.push(`… ${plural(decision.errors.length - 10, "more file error")}`);
  for (const model of decision.models) {
    if (model.verdict === "success") continue;
    const failed = model.requirements.filter((r) => r.status === "failed").map((r) => r.id);
    const roles = model.requirements.filter((r) => r.status === "pending").map((r) => approvalRole(r) ?? r.id);
    const reasons = [failed.length > 0 ? `failed: ${failed.join(", ")}` : "", roles.length > 0 ? `sign-off missing: ${roles.join(", ")}` : ""].filter(Boolean);
    lines.push(`${model.name} ${model.to ?? model.from ?? ""}: ${reasons.join("; ")}`);
  }
  const unmanaged = decision.unmanaged.filter((u) => u.level === "failure");
  if (unmanaged.length > 0) lines.push(`${plural(unmanaged.length, "unmanaged model file")}: ${unmanaged.slice(0, 5).map((u) => u.path).join(", ")}${unmanaged.length > 5 ? ", …" : ""}`);
  if (bom.kind === "invalid") lines.push("the ML-BOM does not validate against CycloneDX 1.6 and was not attached");
  return lines;
}

