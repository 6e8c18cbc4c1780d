import type { ProbotOctokit } from "probot";
import type { SignOffComment } from "../core/evaluate/types.js";
import { z } from "zod";
import { parseMarker, renderMarker } from "../core/markers/hidden-marker.js";
import { CouldNotEvaluate, describeTarget, rethrowAsCouldNotEvaluate } from "./errors.js";
import { compareCodeUnits } from "../core/compare-code-units.js";

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
export async function listIssueComments(
  octokit: ProbotOctokit,
  { owner, repo, issueNumber }: { owner: string; repo: string; issueNumber: number },
): Promise<IssueComment[]> {
  try {
    const raw = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    return oldestFirst(
      raw.map((c) => ({
        id: c.id,
        login: c.user?.login ?? "",
        isBot: c.user?.type === "Bot",
        appId: c.performed_via_github_app?.id,
        body: c.body ?? "",
        createdAt: c.created_at,
        updatedAt: c.updated_at,
      })),
    );
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `the comments of issue #${issueNumber}` });
  }
}

/** What a sign-off replay needs of a comment, read through REST or GraphQL alike. */
export type AuthoredComment = Pick<IssueComment, "id" | "login" | "isBot" | "body" | "createdAt" | "updatedAt">;

/** The comments that can carry a sign-off command: people's, never a bot's; an edited one is marked so it never counts. */
export function signOffComments(comments: ReadonlyArray<AuthoredComment>): SignOffComment[] {
  // only bots post refusal replies; a person pasting a reply marker cannot withdraw someone's sign-off
  const refused = new Set(comments.filter((c) => c.isBot).flatMap((c) => refusedCommentOf(c.body) ?? []));
  return comments
    .filter((c) => !c.isBot && c.login !== "")
    .map((c) => ({
      id: c.id,
      login: c.login,
      body: c.body,
      createdAt: c.createdAt,
      edited: wasEdited(c),
      ...(refused.has(c.id) ? { refusedEarlier: true } : {}),
    }));
}

const replyMarkerSchema = z.object({
  comment: z.number().int().positive(),
  kind: z.enum(["usage", "refused", "unverified", "recorded"]),
});

/** The comment a modelgate "refused" reply answers, if `body` is one. */
function refusedCommentOf(body: string): number | undefined {
  const marker = parseMarker("reply", body, replyMarkerSchema);
  return marker?.kind === "refused" ? marker.comment : undefined;
}

/**
 * One rule for "ever edited" on both read paths: GitHub moves a comment's updated_at (GraphQL
 * `updatedAt`) away from its created_at on every edit. GraphQL also has `lastEditedAt`, but
 * REST has no such field: the gate (GraphQL) and the command replies (REST) must judge a
 * comment alike, so both use the timestamps that both APIs carry.
 */
function wasEdited(comment: Pick<AuthoredComment, "createdAt" | "updatedAt">): boolean {
  return comment.updatedAt !== comment.createdAt;
}

/** Oldest first, as the replay needs them; comments of one second keep GitHub's id order. */
function oldestFirst<T extends AuthoredComment>(comments: T[]): T[] {
  return comments.sort((a, b) => compareCodeUnits(a.createdAt, b.createdAt) || a.id - b.id);
}

/**
 * Issues whose comments one GraphQL request reads: 100 issues × 100 comments is 10,000 nodes,
 * far below GitHub's limit of 500,000 per request, and costs one rate-limit point.
 */
export const ISSUES_PER_GRAPHQL_REQUEST = 100;

/** Comments GraphQL returns per issue (GitHub's largest page); an issue with more is read by REST. */
export const COMMENTS_PER_GRAPHQL_PAGE = 100;

// fullDatabaseId, not databaseId: comment ids have outgrown GraphQL's 32-bit Int, and the REST id (a BigInt string here) is the one replies and reactions name
const COMMENT_FIELDS = "fullDatabaseId author { login __typename } body createdAt updatedAt";

/** The GraphQL document for a chunk of issues: `i<k>: issue(number: N) { comments(first: 100) { … } }`. */
export function commentHistoriesQuery(issueNumbers: ReadonlyArray<number>): string {
  const fields = issueNumbers.map(
    (number, index) =>
      `    i${index}: issue(number: ${number}) { comments(first: ${COMMENTS_PER_GRAPHQL_PAGE}) { nodes { ${COMMENT_FIELDS} } pageInfo { hasNextPage } } }`,
  );
  return `query ($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${fields.join("\n")}\n  }\n}`;
}

/** The sign-off comment histories of issues read together; every issue asked for has one. */
export interface SignOffHistories {
  /** The history of an issue that was asked for (throws for any other: never an empty history by mistake). */
  of(issueNumber: number): SignOffComment[];
}

/**
 * The sign-off comment histories of many issues of one repository (each oldest first, bots
 * left out, edited comments marked): their first 100 comments in batched GraphQL requests of
 * 100 issues, so a re-evaluation costs one request per 100 gated model versions rather than
 * one per version. An issue with more comments is read again whole, paginated, by REST:
 * REST pages are offsets, so reading only from page 2 on would let a comment deleted in
 * between shift another one out of sight. The PR gate and the release gate both read with
 * this; failures throw CouldNotEvaluate (a history that cannot be read could hide a /reject).
 */
export async function readSignOffHistories(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  issueNumbers: ReadonlyArray<number>,
): Promise<SignOffHistories> {
  const distinct = [...new Set(issueNumbers)];
  const histories = new Map<number, SignOffComment[]>();
  for (let start = 0; start < distinct.length; start += ISSUES_PER_GRAPHQL_REQUEST) {
    const chunk = distinct.slice(start, start + ISSUES_PER_GRAPHQL_REQUEST);
    const pages = await queryFirstCommentPages(octokit, { owner, repo }, chunk);
    for (const [index, issueNumber] of chunk.entries()) {
      const page = pages[index];
      const comments =
        page && !page.hasNextPage ? page.comments : await listIssueComments(octokit, { owner, repo, issueNumber });
      histories.set(issueNumber, signOffComments(oldestFirst(comments)));
    }
  }
  return {
    of(issueNumber) {
      const history = histories.get(issueNumber);
      if (!history)
        throw new CouldNotEvaluate(`the comments of issue #${issueNumber} of ${owner}/${repo} were not read`);
      return history;
    },
  };
}

interface GraphqlComment {
  fullDatabaseId?: string | number | null;
  author?: { login?: string | null; __typename?: string } | null;
  body?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
}

interface GraphqlIssue {
  comments?: { nodes?: Array<GraphqlComment | null> | null; pageInfo?: { hasNextPage?: boolean | null } | null } | null;
}

async function queryFirstCommentPages(
  octokit: ProbotOctokit,
  { owner, repo }: { owner: string; repo: string },
  chunk: ReadonlyArray<number>,
): Promise<Array<{ comments: AuthoredComment[]; hasNextPage: boolean }>> {
  const what = `the comments of ${issueList(chunk)}`;
  let response: { repository: Record<string, GraphqlIssue | null> | null };
  try {
    // GitHub answers partial data with `errors` (an issue it cannot read): octokit throws then, so a missing history fails closed
    response = await octokit.graphql<typeof response>(commentHistoriesQuery(chunk), { owner, name: repo });
  } catch (error) {
    // GitHub's own words say what went wrong (an unknown issue, a timeout): name them rather than octokit's wrapper
    const reason = (error as { errors?: Array<{ message?: unknown }> } | null)?.errors?.[0]?.message;
    if (typeof reason === "string")
      throw new CouldNotEvaluate(
        `GitHub answered "${reason.split("\n")[0]?.slice(0, 200)}" while reading ${describeTarget({ owner, repo, what: `${what} (GraphQL)` })}`,
        { cause: error },
      );
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `${what} (GraphQL)` });
  }
  return chunk.map((issueNumber, index) => {
    const connection = response.repository?.[`i${index}`]?.comments;
    if (!connection?.nodes || !connection.pageInfo) throw unreadable(`no comment list for issue #${issueNumber}`);
    const comments = connection.nodes.map((node) => {
      const comment = node ? authoredComment(node) : undefined;
      // a comment modelgate cannot identify could be a /reject: never skip it
      if (!comment) throw unreadable(`an incomplete comment on issue #${issueNumber}`);
      return comment;
    });
    return { comments, hasNextPage: connection.pageInfo.hasNextPage === true };
  });

  function unreadable(detail: string): CouldNotEvaluate {
    return new CouldNotEvaluate(
      `GitHub answered ${detail} while reading ${describeTarget({ owner, repo, what: `${what} (GraphQL)` })}`,
    );
  }
}

/** A GraphQL comment as the REST path sees it: the same id, author, bot flag and timestamps. */
function authoredComment(node: GraphqlComment): AuthoredComment | undefined {
  const id = Number(node.fullDatabaseId);
  if (!Number.isSafeInteger(id) || id <= 0 || typeof node.createdAt !== "string" || typeof node.updatedAt !== "string")
    return undefined;
  // a deleted account has no author: like REST's missing user, it signs nothing
  return {
    id,
    login: node.author?.login ?? "",
    isBot: node.author?.__typename === "Bot",
    body: node.body ?? "",
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
  };
}

/** "issue #41", "issues #41, #42 and #43", "issues #41, #42, #43 and 97 more". */
function issueList(numbers: ReadonlyArray<number>): string {
  const shown = numbers.slice(0, 3).map((n) => `#${n}`);
  if (numbers.length === 1) return `issue ${shown[0]}`;
  const rest = numbers.length - shown.length;
  return rest > 0
    ? `issues ${shown.join(", ")} and ${rest} more`
    : `issues ${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

export type Reaction = "+1" | "confused";

/** Reacts to a comment; GitHub answers 200 instead of 201 when the reaction is already there, so a redelivery adds nothing. */
export async function reactToComment(
  octokit: ProbotOctokit,
  { owner, repo, commentId, content }: { owner: string; repo: string; commentId: number; content: Reaction },
): Promise<void> {
  await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content });
}

/** Why modelgate answers a comment: one answer of each kind per comment, however often the event is delivered. */
export type ReplyKind = "usage" | "refused" | "unverified" | "recorded";

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
  await octokit.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body: `${marker}\n${answer.text}`,
  });
  return "replied";
}
