import type { ListedSignOffIssue } from "./issue-lookup.js";
import { signOffKey, subjectPhrase, type ModelVersionRef } from "./subject.js";

/**
 * The issues a pull request's new subject supersedes (docs/sign-off.md): the older open issues of
 * the same model that track this pull request but are for another subject (new artefacts, or no
 * longer, or now, a decommission). They are closed, pointing at the issue of `version`.
 */
export function supersededIssues<T extends ListedSignOffIssue>(
  listed: ReadonlyArray<T>,
  version: ModelVersionRef,
  pullRequest: number,
): T[] {
  const key = signOffKey(version);
  return listed.filter(
    (old) =>
      old.ref.model === version.model &&
      signOffKey(old.ref) !== key &&
      old.state === "open" &&
      (old.tracking?.pulls ?? []).some((p) => p.number === pullRequest),
  );
}

/** The comment a superseded issue is closed with: where to sign off now, and what the sign-offs given here still count for. */
export function supersededComment(
  old: ModelVersionRef,
  replacement: { issue: number; pullRequest: number; version: ModelVersionRef },
): string {
  const { issue, pullRequest, version } = replacement;
  const sameArtefacts = old.digest === version.digest;
  return [
    `Superseded by #${issue}: pull request #${pullRequest} now carries ${subjectPhrase(version)} with digest \`${version.digest}\`.`,
    "",
    sameArtefacts
      ? `Sign-offs are bound to a digest and to what they approve: those given here count only for ${old.intent === "decommission" ? "the decommission of" : "shipping"} \`${old.digest}\`. Sign off on #${issue}.`
      : `Sign-offs are bound to a digest: those given here count only for \`${old.digest}\`, never for the new artefacts. Sign off on #${issue}.`,
  ].join("\n");
}
