import {
  documentIssueTitle,
  documentReviewRef,
  renderDocumentClosedComment,
  renderDocumentIssueBody,
} from "../core/governance/document-issue.js";
import type { Policy } from "../core/policy/schema.js";
import { ownAppId } from "../github/app-identity.js";
import {
  closeDocumentIssue,
  ensureDocumentIssue,
  isDocumentIssueOf,
  listDocumentIssues,
} from "../github/document-issues.js";
import { readDocumentStandings } from "../github/governance.js";
import type { SweepContext, SweptRepository } from "./re-evaluation.js";

/**
 * The daily run's governance step (docs/governance.md): one "Document review due" issue for the owner role of each
 * required document that is missing or overdue at `commit` of the default branch, opened once; closed with the review
 * that renewed it, or when the policy no longer requires the document. Nothing is read when the policy names none.
 */
export async function sweepDocumentReviews(
  ctx: SweepContext,
  repository: SweptRepository,
  policy: Policy,
  commit: string,
): Promise<{ opened: number; closed: number }> {
  const { owner, repo } = repository;
  const location = { owner, repo };
  const outcome = { opened: 0, closed: 0 };
  // no document required, nothing read (an issue left open by an earlier policy stays for a person to close)
  if (policy.governance.documents.length === 0) return outcome;
  const standings = await readDocumentStandings(ctx.octokit, { owner, repo, commit }, policy, ctx.now);
  const appId = await ownAppId(ctx.octokit);
  const issues = await listDocumentIssues(ctx.octokit, location, { appId, markerKey: ctx.markerKey });
  const label = { ensured: false };
  const lapsed = standings.filter((standing) => standing.status !== "current");
  for (const standing of lapsed) {
    const ref = documentReviewRef(`${owner}/${repo}`, standing);
    const { created } = await ensureDocumentIssue(
      ctx.octokit,
      location,
      {
        ref,
        title: documentIssueTitle(standing.document.path),
        body: (issueKey) =>
          renderDocumentIssueBody({ standing, repo: `${owner}/${repo}`, org: owner, policy, markerKey: issueKey }),
        appId,
        markerKey: ctx.markerKey,
      },
      ctx.coordination,
      issues,
      label,
    );
    if (created) outcome.opened += 1;
  }
  for (const issue of issues) {
    if (issue.state !== "open") continue;
    if (lapsed.some((standing) => isDocumentIssueOf(issue, documentReviewRef(`${owner}/${repo}`, standing)))) continue;
    const standing = standings.find((s) => s.document.path === issue.ref.path);
    // a document overdue for another review than the issue's keeps its own issue; this one is superseded
    await closeDocumentIssue(ctx.octokit, location, issue, renderDocumentClosedComment(standing, issue.ref.path));
    outcome.closed += 1;
  }
  ctx.log.info({ repo: `${owner}/${repo}`, lapsed: lapsed.length, ...outcome }, "modelgate document reviews");
  return outcome;
}
