import type { ProbotOctokit } from "probot";
import type { ApprovalFacts, SignOffComment } from "../core/evaluate/types.js";
import type { Policy } from "../core/policy/schema.js";
import type { TrainingFacts } from "../core/governance/training.js";
import { loginsToResolve } from "../core/evaluate/roles.js";
import { trackedAuthors } from "../core/sign-off/issue.js";
import { signOffKey, type SignOffSubjectOf } from "../core/sign-off/subject.js";
import { listIssueComments, readSignOffHistories, signOffComments, type IssueComment } from "./issue-comments.js";
import { listReviews } from "./reviews.js";
import { readTeamMembership, roleTeams } from "./membership.js";
import type { PullRequestUnderEvaluation } from "./pull-requests.js";
import {
  listSignOffIssues,
  NO_SIGN_OFF_ISSUES,
  signOffApprovalFacts,
  signOffIssueFor,
  type SignOffIssue,
  type SignOffIssueFacts,
} from "./sign-off-issues.js";

/**
 * The one place people facts are completed: the live team membership of every login that could
 * count for a role (loginsToResolve), read from the organisation that owns the repository.
 * Every gatherer below ends here, so the gate, the release gate and the command replies judge
 * the same people alike.
 */
export async function withTeamMembership(
  octokit: ProbotOctokit,
  policy: Policy,
  known: Omit<ApprovalFacts, "teamMembership"> & { org: string },
): Promise<ApprovalFacts> {
  const logins = loginsToResolve(policy, known);
  const teamMembership =
    logins.length > 0 ? await readTeamMembership(octokit, { org: known.org, logins, teams: roleTeams(policy) }) : {};
  return { ...known, teamMembership };
}

/**
 * Everything about people the gate needs, read live from GitHub: reviews of the PR, the
 * comment histories of its sign-off issues (gathered by gatherSignOffIssues), and the team
 * membership of the logins that could count for a role. The PR's author is an author of every
 * model version it changes; the authors of other PRs that carried a digest are authors of that
 * version only (signOffAuthors).
 */
export async function gatherApprovalFacts(
  octokit: ProbotOctokit,
  { owner, repo, pr }: { owner: string; repo: string; pr: PullRequestUnderEvaluation },
  policy: Policy,
  signOffIssues: SignOffIssueFacts = NO_SIGN_OFF_ISSUES,
  training?: TrainingFacts,
): Promise<ApprovalFacts> {
  const reviews = await listReviews(octokit, { owner, repo, pullNumber: pr.number });
  return withTeamMembership(octokit, policy, {
    available: true,
    authors: pr.author ? [pr.author] : [],
    headSha: pr.headSha,
    reviews,
    ...signOffApprovalFacts(signOffIssues),
    org: owner,
    ...(training ? { training } : {}),
  });
}

/** The approval facts of a release, and per signOffKey the authors of the pull requests that carried it. */
export interface ReleaseApprovalFacts {
  /** `authors` is empty: a release has no author of its own; use `authorsBySubject` per model version. */
  facts: ApprovalFacts;
  authorsBySubject: Map<string, string[]>;
}

/**
 * The approval facts of a release: a release has no reviews, so approvals come only from
 * the sign-off issue of each subject (docs/sign-off.md: the digest, and whether it ships or is
 * decommissioned, as signOffKey says), replayed from its comment history, with team
 * membership read live. The authors of a model version are those of every pull request its
 * sign-off issue tracked, as when the PR gate judged it. Read failures throw CouldNotEvaluate.
 */
export async function gatherReleaseApprovalFacts(
  octokit: ProbotOctokit,
  {
    owner,
    repo,
    subjects,
    appId,
    commit,
    markerKey,
  }: {
    owner: string;
    repo: string;
    subjects: ReadonlyArray<SignOffSubjectOf>;
    appId: number;
    commit: string;
    markerKey: string;
  },
  policy: Policy,
  training?: TrainingFacts,
): Promise<ReleaseApprovalFacts> {
  const signOffs: Record<string, SignOffComment[]> = {};
  const signOffIssues: Record<string, string> = {};
  const authorsBySubject = new Map<string, string[]>();
  const listed = subjects.length > 0 ? await listSignOffIssues(octokit, { owner, repo, appId, markerKey }) : [];
  const found = new Map<string, SignOffIssue>();
  for (const subject of subjects) {
    const key = signOffKey(subject);
    const issue = found.has(key) ? undefined : signOffIssueFor(listed, subject);
    if (issue) found.set(key, issue);
  }
  // the same batched read as the pull-request gate, so both judge one history alike
  const histories = await readSignOffHistories(
    octokit,
    { owner, repo },
    [...found.values()].map((issue) => issue.number),
  );
  for (const [key, issue] of found) {
    signOffs[key] = histories.of(issue.number);
    signOffIssues[key] = issue.url;
    authorsBySubject.set(key, trackedAuthors(issue.tracking));
  }
  const facts = await withTeamMembership(octokit, policy, {
    available: true,
    authors: [],
    headSha: commit,
    reviews: [],
    signOffs,
    signOffIssues,
    org: owner,
    ...(training ? { training } : {}),
  });
  return { facts, authorsBySubject };
}

/** One issue's sign-off commands, read fresh, with the people facts to replay them by. */
export interface IssueSignOffs {
  /** Every comment of the issue (this app's earlier replies among them). */
  comments: IssueComment[];
  /** The comments that count as sign-off history (signOffComments), the latest one included. */
  history: SignOffComment[];
  facts: ApprovalFacts;
}

/**
 * The command history of a sign-off or end-of-life issue and the live membership of its
 * commenters, for the command handlers (the gate reads many issues at once: gatherSignOffIssues).
 * `latest` is the comment of this delivery: GitHub's listing may lag behind the event that brought it.
 */
export async function readIssueSignOffs(
  octokit: ProbotOctokit,
  { owner, repo, issueNumber }: { owner: string; repo: string; issueNumber: number },
  {
    policy,
    subjectKey,
    authors,
    latest,
    training,
  }: {
    policy: Policy;
    subjectKey: string;
    authors: ReadonlyArray<string>;
    latest: SignOffComment | undefined;
    training?: TrainingFacts | undefined;
  },
): Promise<IssueSignOffs> {
  const comments = await listIssueComments(octokit, { owner, repo, issueNumber });
  const history = signOffComments(comments);
  if (latest && !history.some((c) => c.id === latest.id)) history.push(latest);
  const facts = await withTeamMembership(octokit, policy, {
    available: true,
    authors: [...authors],
    headSha: "",
    reviews: [],
    signOffs: { [subjectKey]: history },
    signOffIssues: {},
    org: owner,
    ...(training ? { training } : {}),
  });
  return { comments, history, facts };
}
