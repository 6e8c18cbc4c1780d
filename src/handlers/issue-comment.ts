import type { Context } from "probot";
import { parseEndOfLifeMarker } from "../core/end-of-life/marker.js";
import { issueMarkerKey } from "../core/markers/signature.js";
import { ownAppId } from "../github/app-identity.js";
import type { IssueFields } from "../github/end-of-life-issues.js";
import { asSignOffIssue, hasSignOffLabel } from "../github/sign-off-issues.js";
import { handleEndOfLifeComment } from "./end-of-life.js";
import type { Clock } from "./context.js";
import { handleSignOffComment } from "./sign-off.js";
import type { Coordination } from "../store/coordination.js";

/**
 * issue_comment created/edited/deleted: routes comments on this app's own issues to their
 * workflow — sign-off issues here, end-of-life issues to end-of-life.ts. Comments on pull
 * requests, by bots (this app's replies come back as events) and on issues someone else
 * opened — even with a copied marker — are ignored.
 */
export function onIssueComment(clock: Clock, markerKey: string, coordination: Coordination) {
  return async (context: Context<"issue_comment">): Promise<void> => {
    const { issue, comment } = context.payload;
    if (issue.pull_request) return;
    if (comment.user?.type === "Bot") return;
    if (hasSignOffLabel(issue)) {
      const signOff = asSignOffIssue(issue, await ownAppId(context.octokit), markerKey, context.repo());
      if (signOff) {
        await handleSignOffComment(context, clock, markerKey, signOff, coordination);
        return;
      }
    }
    const endOfLife = parseEndOfLifeMarker(
      issue.body,
      issueMarkerKey(markerKey, { ...context.repo(), issue: issue.number }),
    );
    if (endOfLife)
      await handleEndOfLifeComment(context, markerKey, issue as IssueFields, endOfLife, coordination, clock);
  };
}
