import type { Decision, ModelVerdict } from "../evaluate/types.js";
import { DOCUMENTATION_LABELS, documentationTexts } from "../evaluate/documentation-requirements.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import { POLICY_PATH } from "../policy/load-policy.js";
import { DOCUMENTATION_FIELDS, type Policy } from "../policy/schema.js";
import { releasePolicy } from "../release/judge-release.js";
import type { BaselineNote, BomOutcome } from "../release/outcome.js";
import { OPEN_SIGN_OFF_ACTION, renderCheckRun, truncateUtf8, type CheckRunOutput } from "./check-run.js";
import { code, inlineText, plural } from "./markdown.js";
import type { ReleaseModel } from "./release-notes.js";
import { approvalRole } from "./requirement-kinds.js";
import { CHECK_RUN_TEXT_MAX_BYTES, utf8Bytes } from "./truncate.js";

/** The name of the release check run (docs/releases.md). */
export const RELEASE_CHECK_NAME = "modelgate / release";
/** The ML-BOM release asset (docs/releases.md "The ML-BOM asset", 5.2.4-1.2). */
export const BOM_ASSET_NAME = "modelgate-bom.cdx.json";
export const BOM_CONTENT_TYPE = "application/vnd.cyclonedx+json";

/** The check run of a release: the PR gate's rendering, plus what happened to the BOM and the release itself. */
export function releaseCheckRun(
  decision: Decision,
  render: { org: string; policy?: Policy; signOffUrls?: Record<string, string>; baseline?: BaselineNote },
  bom: BomOutcome,
  writeProblems: ReadonlyArray<string>,
): CheckRunOutput {
  const output = releaseGateCheckRun(decision, RELEASE_CHECK_NAME, render);
  const failing = bom.kind === "invalid" || writeProblems.length > 0;
  const notes = [
    bom.kind === "invalid" ? "ML-BOM invalid" : "",
    writeProblems.length > 0 ? "release not updated" : "",
  ].filter(Boolean);
  const waitsForSignOff = decision.models.some(
    (m) => !m.override && m.requirements.some((r) => r.status === "pending" && approvalRole(r) !== undefined),
  );
  const section = releaseSummarySection(bom, writeProblems, waitsForSignOff, render.baseline);
  return {
    ...output,
    conclusion: failing ? "failure" : output.conclusion,
    title: notes.length > 0 ? `${output.title}; ${notes.join("; ")}` : output.title,
    summary: truncateUtf8(output.summary, CHECK_RUN_TEXT_MAX_BYTES - utf8Bytes(section), "\n… truncated") + section,
    // "Open sign-off" belongs to pull requests: a release's sign-offs are made on the sign-off issues the PR gate opened
    actions: output.actions.filter((action) => action.identifier !== OPEN_SIGN_OFF_ACTION.identifier),
  };
}

/**
 * A check run of the release gate's judgement (the release and the deployment gates): approvals
 * are sign-offs on the sign-off issues, never reviews, and a version without an issue is told
 * where it comes from. No "Open sign-off" button: those issues are the pull request gate's.
 */
export function releaseGateCheckRun(
  decision: Decision,
  checkName: string,
  render: { org: string; policy?: Policy; signOffUrls?: Record<string, string> },
): CheckRunOutput {
  const output = renderCheckRun(decision, {
    checkName,
    policyPath: POLICY_PATH,
    org: render.org,
    ...(render.policy
      ? {
          policy: {
            ...releasePolicy(render.policy),
            approvals: { ...render.policy.approvals, via: ["sign_off"] as Policy["approvals"]["via"] },
          },
        }
      : {}),
    ...(render.signOffUrls ? { signOffUrls: render.signOffUrls } : {}),
    // the PR gate opens sign-off issues; a model version that never went through a pull request has none
    missingSignOffIssue:
      "the sign-off issue of its digest, which only a pull request gate opens (this version has none yet: see its approval requirements for how to get one)",
  });
  return {
    ...output,
    actions: output.actions.filter((action) => action.identifier !== OPEN_SIGN_OFF_ACTION.identifier),
  };
}

/** One sentence: what the release was compared with, and why that release. */
export function baselineSentence(baseline: BaselineNote): string {
  switch (baseline.kind) {
    case "passed":
      return `Compared with ${code(baseline.tag)}, the latest earlier release whose ${code(RELEASE_CHECK_NAME)} check passed.`;
    case "before-installation":
      return (
        `Compared with ${code(baseline.tag)}, published ${day(baseline.publishedAt)}, before modelgate was installed on this repository` +
        `${baseline.installedAt ? ` (${day(baseline.installedAt)})` : ""}: no check could judge it, so it is taken as it is. ` +
        "Releases published since then count only once their check passed."
      );
    case "none":
      return baseline.earlier === 0
        ? "Compared with nothing: this is the first release, so every model in it is judged as new."
        : `Compared with nothing: no earlier release (${plural(baseline.earlier, "release")} looked at) passed its ${code(RELEASE_CHECK_NAME)} check or was published before modelgate was installed, so every model in it is judged as new.`;
  }
}

function day(timestamp: string): string {
  return timestamp.slice(0, 10);
}

function releaseSummarySection(
  bom: BomOutcome,
  writeProblems: ReadonlyArray<string>,
  waitsForSignOff: boolean,
  baseline: BaselineNote | undefined,
): string {
  const lines = ["", "### Release", ""];
  if (baseline) lines.push(baselineSentence(baseline), "");
  if (waitsForSignOff) {
    lines.push(
      "A release has no reviews: its approvals are the sign-offs on the sign-off issue of each digest. Once they are given, press **Re-evaluate** above to judge the release again.",
      "",
    );
  }
  switch (bom.kind) {
    case "off":
      lines.push("ML-BOM: not attached (`release.attach_bom` is false).");
      break;
    case "valid":
      lines.push(
        `ML-BOM: ${code(BOM_ASSET_NAME)} (CycloneDX 1.6, ${plural(bom.models, "model")}, validated against the official schema) is attached to the release (5.2.4-1.2).`,
      );
      break;
    case "invalid":
      lines.push(
        `❌ ML-BOM: the generated BOM does not validate against CycloneDX 1.6, so it was not attached:`,
        "",
        ...bom.errors.slice(0, 20).map((e) => `- ${inlineText(e, 500)}`),
      );
      if (bom.errors.length > 20) lines.push(`- … ${plural(bom.errors.length - 20, "more error")}`);
      break;
    case "not-built":
      lines.push(`ML-BOM: not attached: ${inlineText(bom.reason, 500)}.`);
      break;
  }
  for (const problem of writeProblems)
    lines.push("", `❌ ${inlineText(problem, 1000)} (modelgate needs \`contents: write\` to update releases).`);
  return `${lines.join("\n")}\n`;
}

export function releaseModel(model: ModelVerdict, headManifests: ReadonlyArray<LoadedManifest> = []): ReleaseModel {
  const loaded = headManifests.find((m) => m.path === model.manifestPath && m.manifest.name === model.name);
  const documentation = loaded
    ? DOCUMENTATION_FIELDS.map((field) => ({
        label: DOCUMENTATION_LABELS[field],
        texts: documentationTexts(loaded, field),
      })).filter((entry) => entry.texts.length > 0)
    : [];
  return {
    name: model.name,
    ...(model.from !== undefined ? { from: model.from } : {}),
    to: model.to ?? "removed",
    digest: model.digest,
    kinds: model.kinds,
    verdict: model.verdict,
    ...(documentation.length > 0 ? { documentation } : {}),
  };
}

/** One line per reason the release fails its gates, for the release body. */
export function failureLines(decision: Decision, bom: BomOutcome): string[] {
  if (decision.couldNotEvaluate !== undefined) return [`could not evaluate: ${decision.couldNotEvaluate}`];
  const lines: string[] = [];
  for (const error of decision.errors.slice(0, 10)) lines.push(`${error.path}:${error.line}: ${error.message}`);
  if (decision.errors.length > 10) lines.push(`… ${plural(decision.errors.length - 10, "more file error")}`);
  for (const model of decision.models) {
    if (model.verdict === "success") continue;
    const failed = model.requirements.filter((r) => r.status === "failed").map((r) => r.id);
    const roles = model.requirements.filter((r) => r.status === "pending").map((r) => approvalRole(r) ?? r.id);
    const reasons = [
      failed.length > 0 ? `failed: ${failed.join(", ")}` : "",
      roles.length > 0 ? `sign-off missing: ${roles.join(", ")}` : "",
    ].filter(Boolean);
    lines.push(`${model.name} ${model.to ?? model.from ?? ""}: ${reasons.join("; ")}`);
  }
  const unmanaged = decision.unmanaged.filter((u) => u.level === "failure");
  if (unmanaged.length > 0)
    lines.push(
      `${plural(unmanaged.length, "unmanaged model file")}: ${unmanaged
        .slice(0, 5)
        .map((u) => u.path)
        .join(", ")}${unmanaged.length > 5 ? ", …" : ""}`,
    );
  if (bom.kind === "invalid") lines.push("the ML-BOM does not validate against CycloneDX 1.6 and was not attached");
  return lines;
}
