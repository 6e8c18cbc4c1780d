import type { ProbotOctokit } from "probot";
import type { SignOffComment } from "../core/evaluate/types.js";
import { renderMarker } from "../core/render/hidden-marker.js";
import { rethrowAsCouldNotEvaluate } from "./errors.js";

/** A comment of an issue, as modelgate needs it. */
export interface IssueComment {
  id: number;
  login: string;
  /** A bot (this app or another) never signs off. */
  isBot: boolean;
  /** The GitHub App that wrote it, if any: this app's replies are recognised by it. */
  appId: number | undefined;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** Every comment of an issue, oldest first (paginated: an issue can collect hundreds). */
export async function listIssueComments(octokit: ProbotOctokit, { owner, repo, issueNumber }: { owner: string; repo: string; issueNumber: number }): Promise<IssueComment[]> {
  try {
    const raw = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
    return raw
      .map((c) => ({
        id: c.id,
        login: c.user?.login ?? "",
        isBot: c.user?.type === "Bot",
        appId: c.performed_via_github_app?.id,
        body: c.body ?? "",
        createdAt: c.created_at,
        updatedAt: c.updated_at,
      }))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id));
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the comments of issue #${issueNumber}` });
  }
}

/** The comments that can carry a sign-off command: people's, never a bot's; an edited one is marked so it never counts. */
export function signOffComments(comments: ReadonlyArray<IssueComment>): SignOffComment[] {
  return comments
    .filter((c) => !c.isBot && c.login !== "")
    .map((c) => ({ id: c.id, login: c.login, body: c.body, createdAt: c.createdAt, edited: c.updatedAt !== c.createdAt }));
}

export type Reaction = "+1" | "confused";

/** Reacts to a comment; GitHub answers 200 instead of 201 when the reaction is already there, so a redelivery adds nothing. */
export async function reactToComment(octokit: ProbotOctokit, { owner, repo, commentId, content }: { owner: string; repo: string; commentId: number; content: Reaction }): Promise<void> {
  await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content });
}

/** Why modelgate answers a comment: one answer of each kind per comment, however often the event is delivered. */
export type ReplyKind = "usage" | "refused" | "unverified";

export function replyMarker(commentId: number, kind: ReplyKind): string {
  return renderMarker("reply", { comment: commentId, kind });
}

/**
 * Answers a comment with a new comment that quotes no user text and carries a hidden marker
 * naming the comment it answers, unless this app already answered it so (redelivery).
 */
export async function replyOnce(
  octokit: ProbotOctokit,
  target: { owner: string; repo: string; issueNumber: number; appId: number },
  existing: ReadonlyArray<IssueComment>,
  answer: { commentId: number; kind: ReplyKind; text: string },
): Promise<"replied" | "already"> {
  const marker = replyMarker(answer.commentId, answer.kind);
  if (existing.some((c) => c.appId === target.appId && c.body.includes(marker))) return "already";
  await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body: `${marker}\n${answer.text}` });
  return "replied";
}
