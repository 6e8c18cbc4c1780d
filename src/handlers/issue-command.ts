import type { SignOffComment } from "../core/evaluate/types.js";
import type { CommandReply } from "../core/sign-off/reply.js";
import { httpStatus } from "../github/errors.js";
import { listIssueComments, reactToComment, replyOnce, type IssueComment } from "../github/issue-comments.js";
import type { HandlerContext } from "./context.js";

/** The command comment a delivery brought, on one of this app's issues. */
export interface CommandComment {
  issueNumber: number;
  appId: number;
  comment: SignOffComment;
}

/** A comment payload as the command history records it: an edited comment never counts. */
export function commandComment(
  comment: { id: number; body: string; created_at: string; updated_at: string },
  login: string,
): SignOffComment {
  return {
    id: comment.id,
    login,
    body: comment.body,
    createdAt: comment.created_at,
    edited: comment.updated_at !== comment.created_at,
  };
}

/**
 * The one reply step of the sign-off and end-of-life commands: 👍 for an accepted command; 😕
 * and one reply for a refused or malformed one; a reply alone when it could not be verified.
 * The reply is written once per comment and kind, however often the event is delivered.
 * `existing` are the issue's comments when the caller has them.
 */
export async function answerCommand(
  ctx: HandlerContext,
  target: CommandComment,
  answer: "accepted" | CommandReply,
  existing?: ReadonlyArray<IssueComment>,
): Promise<void> {
  const { octokit, owner, repo } = ctx;
  const commentId = target.comment.id;
  if (answer === "accepted") {
    await reactToComment(octokit, { owner, repo, commentId, content: "+1" });
    return;
  }
  // a recorded approval is accepted (👍) and told what it counts for
  if (answer.kind === "recorded") await reactToComment(octokit, { owner, repo, commentId, content: "+1" });
  else if (answer.kind !== "unverified") await reactToComment(octokit, { owner, repo, commentId, content: "confused" });
  const comments =
    existing ??
    (await listIssueComments(octokit, { owner, repo, issueNumber: target.issueNumber }).catch((error: unknown) => {
      // GitHub being unreadable is why a command is unverified: answer anyway
      if (answer.kind === "unverified") return [];
      throw error;
    }));
  await replyOnce(octokit, { owner, repo, issueNumber: target.issueNumber, appId: target.appId }, comments, {
    commentId,
    kind: answer.kind,
    text: answer.text,
  });
}

/** The HTTP status behind an error, also when it was wrapped as CouldNotEvaluate. */
export function statusOf(error: unknown): number | undefined {
  return httpStatus(error) ?? (error instanceof Error ? httpStatus(error.cause) : undefined);
}
