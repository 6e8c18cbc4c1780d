/**
 * Stateful fakes of the GitHub endpoints the sign-off workflow uses — issues, comments (REST
 * and batched GraphQL), reactions, labels, check runs, team membership, pull
 * requests, the policy — served with nock for as many requests as the app makes (all
 * optional: the recorder and the state say what happened, so tests assert exact bodies and counts).
 */
import nock from "nock";
import { askedMemberships, isTeamMembershipQuery, teamMembershipAnswer } from "./serve-github.js";
import { FakeRepository, GITHUB_API, type CommitFixture, type FileFixture } from "./fake-repository.js";
import { gitBlobSha } from "../fixtures/git-objects.js";
import { APP_ID } from "./test-app.js";
import { pullRequestResource, type PullRequestFixture } from "../fixtures/payloads/index.js";

export const BOT_LOGIN = "modelgate[bot]";

export interface FakeComment {
  id: number;
  login: string;
  type: "User" | "Bot";
  appId: number | null;
  body: string;
  createdAt: string;
  updatedAt: string;
  /** Set by an edit, like GitHub's GraphQL `lastEditedAt` (an edit also moves updatedAt). */
  lastEditedAt: string | null;
  reactions: string[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  stateReason: string | null;
  /** The app that opened it; null for an issue a person opened. */
  appId: number | null;
  author: string;
  comments: FakeComment[];
}

let clockMinutes = 0;
/** Increasing timestamps, so comment order is the order a test posts them. */
function tick(): string {
  clockMinutes += 1;
  return new Date(Date.UTC(2026, 10, 28, 8, 0, 0) + clockMinutes * 60_000).toISOString().replace(".000Z", "Z");
}

export class FakeIssueTracker {
  readonly owner: string;
  readonly repo: string;
  readonly issues: FakeIssue[] = [];
  labelExists = false;
  /** GitHub answers 410 to new issues when the repository has issues turned off. */
  issuesDisabled = false;
  /** How GraphQL comment reads fail: an `errors` answer (HTTP 200) or a 502; undefined answers them. */
  graphqlFailure: "errors" | "502" | undefined;
  /** The issue numbers asked through GraphQL comment reads, per request. */
  readonly graphqlRequests: number[][] = [];
  /** Issues another replica created that GitHub's listing does not show yet: each appears after this many listings. */
  private readonly pendingCreations: Array<{ afterListings: number; issue: Omit<FakeIssue, "number"> }> = [];
  private listings = 0;
  private nextIssue = 100;
  private nextComment = 5000;

  constructor(options: { owner: string; repo: string }) {
    this.owner = options.owner;
    this.repo = options.repo;
  }

  get base(): string {
    return `/repos/${this.owner}/${this.repo}`;
  }

  /** Answers every issue, comment, reaction, label and git-ref request from the state. */
  serve(): this {
    const api = () => nock(GITHUB_API).persist();
    const base = this.base;
    api()
      .get(`${base}/issues`)
      .query(true)
      .optionally()
      .reply((uri) => {
        if (this.issuesDisabled) return [410, { message: "Issues are disabled for this repo" }];
        this.listings += 1;
        this.revealPendingCreations();
        const url = new URL(uri, GITHUB_API);
        const label = url.searchParams.get("labels");
        const page = Number(url.searchParams.get("page") ?? "1");
        const perPage = Number(url.searchParams.get("per_page") ?? "30");
        const matching = this.issues.filter((issue) => (label ? issue.labels.includes(label) : true));
        const listed = matching.slice((page - 1) * perPage, page * perPage).map((issue) => this.issueResource(issue));
        url.searchParams.set("page", String(page + 1));
        return page * perPage < matching.length ? [200, listed, { link: `<${url.href}>; rel="next"` }] : [200, listed];
      });
    api()
      .post(`${base}/issues`)
      .optionally()
      .reply((_uri, body) => {
        if (this.issuesDisabled) return [410, { message: "Issues are disabled for this repo" }];
        const { title, body: text, labels } = body as { title: string; body: string; labels?: string[] };
        const issue = this.addIssue({ title, body: text, labels: labels ?? [], appId: APP_ID, author: BOT_LOGIN });
        return [201, this.issueResource(issue)];
      });
    api()
      .patch(new RegExp(`^${base}/issues/(\\d+)$`))
      .optionally()
      .reply((uri, body) => {
        const issue = this.issue(Number(uri.split("/").pop()));
        const update = body as { body?: string; state?: "open" | "closed"; state_reason?: string };
        if (update.body !== undefined) issue.body = update.body;
        if (update.state !== undefined) issue.state = update.state;
        if (update.state_reason !== undefined) issue.stateReason = update.state_reason;
        return [200, this.issueResource(issue)];
      });
    api()
      .get(new RegExp(`^${base}/issues/(\\d+)/comments(\\?.*)?$`))
      .optionally()
      .reply((uri) => {
        const number = Number(/\/issues\/(\d+)\/comments/.exec(uri)?.[1]);
        const url = new URL(uri, GITHUB_API);
        const page = Number(url.searchParams.get("page") ?? "1");
        const perPage = Number(url.searchParams.get("per_page") ?? "30");
        const all = this.issue(number).comments;
        const comments = all.slice((page - 1) * perPage, page * perPage);
        // octokit.paginate follows the Link header, as GitHub sends it when more pages exist
        url.searchParams.set("page", String(page + 1));
        const listed = comments.map((comment) => this.commentResource(number, comment));
        return page * perPage < all.length ? [200, listed, { link: `<${url.href}>; rel="next"` }] : [200, listed];
      });
    api()
      .post("/graphql", (body: { query?: unknown }) => isIssueCommentsQuery(body))
      .optionally()
      .reply((_uri, body) => {
        if (this.graphqlFailure === "502") return [502, { message: "Bad Gateway" }];
        if (this.graphqlFailure === "errors")
          return [
            200,
            {
              data: null,
              errors: [{ message: "Something went wrong while executing your query. Please try again later." }],
            },
          ];
        const request = body as { query: string; variables: Record<string, unknown> };
        if (request.variables.owner !== this.owner || request.variables.name !== this.repo)
          throw new Error(`GraphQL asked for ${String(request.variables.owner)}/${String(request.variables.name)}`);
        this.graphqlRequests.push(parseIssueAliases(request.query).map((a) => a.number));
        return [
          200,
          answerIssueComments(
            request.query,
            (number) => this.issues.find((issue) => issue.number === number)?.comments,
          ),
        ];
      });
    api()
      .post(new RegExp(`^${base}/issues/(\\d+)/comments$`))
      .optionally()
      .reply((uri, body) => {
        const number = Number(/\/issues\/(\d+)\/comments/.exec(uri)?.[1]);
        const comment = this.addComment(number, {
          login: BOT_LOGIN,
          type: "Bot",
          appId: APP_ID,
          body: (body as { body: string }).body,
        });
        return [201, this.commentResource(number, comment)];
      });
    api()
      .post(new RegExp(`^${base}/issues/comments/(\\d+)/reactions$`))
      .optionally()
      .reply((uri, body) => {
        const id = Number(/comments\/(\d+)\/reactions/.exec(uri)?.[1]);
        const comment = this.issues.flatMap((issue) => issue.comments).find((c) => c.id === id);
        if (!comment) return [404, { message: "Not Found" }];
        const { content } = body as { content: string };
        const again = comment.reactions.includes(content);
        if (!again) comment.reactions.push(content);
        return [again ? 200 : 201, { id: id * 10, content, user: { login: BOT_LOGIN, type: "Bot" } }];
      });
    api()
      .post(`${base}/labels`)
      .optionally()
      .reply((_uri, body) => {
        if (this.labelExists)
          return [
            422,
            { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists", field: "name" }] },
          ];
        this.labelExists = true;
        return [201, { name: (body as { name: string }).name }];
      });
    return this;
  }

  addIssue(fields: {
    title: string;
    body: string;
    labels: string[];
    appId: number | null;
    author: string;
    state?: "open" | "closed";
  }): FakeIssue {
    const issue: FakeIssue = { number: this.nextIssue++, stateReason: null, comments: [], state: "open", ...fields };
    this.issues.push(issue);
    return issue;
  }

  /** A comment as GitHub stores it; `edited` makes updated_at differ from created_at and sets lastEditedAt. */
  addComment(
    issueNumber: number,
    fields: { login: string; body: string; type?: "User" | "Bot"; appId?: number | null; edited?: boolean },
  ): FakeComment {
    const createdAt = tick();
    const updatedAt = fields.edited ? tick() : createdAt;
    const comment: FakeComment = {
      id: this.nextComment++,
      login: fields.login,
      type: fields.type ?? "User",
      appId: fields.appId ?? null,
      body: fields.body,
      createdAt,
      updatedAt,
      lastEditedAt: fields.edited ? updatedAt : null,
      reactions: [],
    };
    this.issue(issueNumber).comments.push(comment);
    return comment;
  }

  /** Edits a comment in place (GitHub then reports a later updated_at and lastEditedAt). */
  editComment(comment: FakeComment, body: string): void {
    comment.body = body;
    comment.updatedAt = tick();
    comment.lastEditedAt = comment.updatedAt;
  }

  deleteComment(comment: FakeComment): void {
    for (const issue of this.issues) issue.comments = issue.comments.filter((c) => c.id !== comment.id);
  }

  /** Another replica created this issue; GitHub's listing shows it only from the `afterListings`-th listing on. */
  createdElsewhere(afterListings: number, issue: Omit<FakeIssue, "number">): void {
    this.pendingCreations.push({ afterListings: this.listings + afterListings, issue });
  }

  issue(number: number): FakeIssue {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no fake issue #${number}`);
    return issue;
  }

  /** The issues this app opened. */
  appIssues(): FakeIssue[] {
    return this.issues.filter((issue) => issue.appId === APP_ID);
  }

  /** The REST (and webhook) shape of an issue. */
  issueResource(issue: FakeIssue): Record<string, unknown> {
    return {
      id: 900_000 + issue.number,
      node_id: `I_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      labels: issue.labels.map((name, index) => ({
        id: index + 1,
        node_id: `L_${index}`,
        url: "",
        name,
        color: "5319e7",
        default: false,
        description: null,
      })),
      user: { login: issue.author, id: 1, type: issue.appId === null ? "User" : "Bot" },
      performed_via_github_app: issue.appId === null ? null : { id: issue.appId, slug: "modelgate", name: "modelgate" },
      comments: issue.comments.length,
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${issue.number}`,
      url: `${GITHUB_API}${this.base}/issues/${issue.number}`,
      repository_url: `${GITHUB_API}${this.base}`,
      created_at: "2026-11-28T07:00:00Z",
      updated_at: "2026-11-28T07:00:00Z",
      author_association: "NONE",
    };
  }

  commentResource(issueNumber: number, comment: FakeComment): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: { login: comment.login, id: comment.id, type: comment.type },
      performed_via_github_app:
        comment.appId === null ? null : { id: comment.appId, slug: "modelgate", name: "modelgate" },
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${GITHUB_API}${this.base}/issues/${issueNumber}`,
      url: `${GITHUB_API}${this.base}/issues/comments/${comment.id}`,
      author_association: "MEMBER",
    };
  }

  private revealPendingCreations(): void {
    for (const pending of [...this.pendingCreations]) {
      if (this.listings < pending.afterListings) continue;
      this.pendingCreations.splice(this.pendingCreations.indexOf(pending), 1);
      this.issues.push({ ...pending.issue, number: this.nextIssue++ });
    }
  }
}

/** Whether a GraphQL request reads issue comments (`alias: issue(number: N) { comments(first: M) … }`), not files. */
export function isIssueCommentsQuery(body: { query?: unknown }): boolean {
  return typeof body.query === "string" && parseIssueAliases(body.query).length > 0;
}

/** The `alias: issue(number: N) { comments(first: M)` fields of a GraphQL query. */
export function parseIssueAliases(query: string): Array<{ alias: string; number: number; first: number }> {
  const pattern = /(\w+):\s*issue\(number:\s*(\d+)\)\s*\{\s*comments\(first:\s*(\d+)\)/g;
  return [...query.matchAll(pattern)].map((match) => ({
    alias: match[1] ?? "",
    number: Number(match[2]),
    first: Number(match[3]),
  }));
}

/** What a GraphQL comment answer is made of (a FakeComment, or a test's plain comment). */
export type GraphqlCommentSource = Pick<FakeComment, "id" | "login" | "type" | "body" | "createdAt" | "updatedAt"> & {
  lastEditedAt?: string | null;
};

/**
 * GitHub's answer to a batched comment read: per alias the first `first` comments (oldest
 * first) and whether more exist. An issue `commentsOf` does not know is null with an error,
 * as GitHub answers an unknown issue number.
 */
export function answerIssueComments(
  query: string,
  commentsOf: (issueNumber: number) => ReadonlyArray<GraphqlCommentSource> | undefined,
): Record<string, unknown> {
  const repository: Record<string, unknown> = {};
  const errors: Array<Record<string, unknown>> = [];
  for (const { alias, number, first } of parseIssueAliases(query)) {
    const comments = commentsOf(number);
    if (!comments) {
      repository[alias] = null;
      errors.push({
        type: "NOT_FOUND",
        path: ["repository", alias],
        message: `Could not resolve to an issue or pull request with the number of ${number}.`,
      });
      continue;
    }
    const page = comments.slice(0, first);
    repository[alias] = {
      comments: {
        nodes: page.map((comment) => ({
          fullDatabaseId: String(comment.id),
          // GraphQL names a GitHub App's bot without the "[bot]" REST adds
          author: {
            login: comment.type === "Bot" ? comment.login.replace(/\[bot\]$/, "") : comment.login,
            __typename: comment.type,
          },
          body: comment.body,
          createdAt: comment.createdAt,
          lastEditedAt: comment.lastEditedAt ?? (comment.updatedAt !== comment.createdAt ? comment.updatedAt : null),
          updatedAt: comment.updatedAt,
        })),
        pageInfo: {
          hasNextPage: comments.length > first,
          endCursor: page.length > 0 ? `cursor:${page.at(-1)?.id}` : null,
        },
      },
    };
  }
  return { data: { repository }, ...(errors.length > 0 ? { errors } : {}) };
}

export interface FakeCheckRun {
  id: number;
  headSha: string;
  conclusion: string;
  externalId: string;
  title: string;
  summary: string;
  text: string;
  actions: Array<{ identifier: string }>;
  annotationsCount: number;
  /** Every annotation the run was sent (GitHub keeps them all). */
  annotations?: unknown[];
}

/** The check runs of this app, created and updated like GitHub does; `history` keeps every write. */
export class FakeCheckRuns {
  readonly runs: FakeCheckRun[] = [];
  readonly history: FakeCheckRun[] = [];
  private nextId = 7001;
  /** The open pull requests GitHub lists (mutable); an event's own pull request is judged even when absent. */
  readonly openPulls: PullRequestFixture[] = [];

  constructor(
    private readonly owner: string,
    private readonly repo: string,
  ) {}

  serve(): this {
    const base = `/repos/${this.owner}/${this.repo}`;
    // every evaluation of a head lists the open pull requests; those the test declares (openPulls) are answered
    nock(GITHUB_API)
      .persist()
      .get(`${base}/pulls`)
      .query({ state: "open", per_page: "100" })
      .optionally()
      .reply(() => [
        200,
        this.openPulls.filter((pr) => (pr.state ?? "open") === "open").map((pr) => pullRequestResource(pr)),
      ]);
    nock(GITHUB_API)
      .persist()
      .get(new RegExp(`^${base}/commits/([0-9a-f]{40})/check-runs\\?`))
      .optionally()
      .reply((uri) => {
        const sha = /commits\/([0-9a-f]{40})\//.exec(uri)?.[1];
        const runs = this.runs.filter((run) => run.headSha === sha).slice(-1);
        return [200, { total_count: runs.length, check_runs: runs.map((run) => this.resource(run)) }];
      });
    nock(GITHUB_API)
      .persist()
      .post(`${base}/check-runs`)
      .optionally()
      .reply((_uri, body) => {
        const run = this.apply(
          {
            id: this.nextId++,
            headSha: (body as { head_sha: string }).head_sha,
            conclusion: "",
            externalId: "",
            title: "",
            summary: "",
            text: "",
            actions: [],
            annotationsCount: 0,
          },
          body,
        );
        this.runs.push(run);
        return [201, this.resource(run)];
      });
    // a re-evaluation whose annotations changed reads those the run carries (src/github/check-runs.ts)
    nock(GITHUB_API)
      .persist()
      .get(new RegExp(`^${base}/check-runs/(\\d+)/annotations`))
      .optionally()
      .reply((uri) => {
        const run = this.runs.find((r) => r.id === Number(/check-runs\/(\d+)\//.exec(uri)?.[1]));
        return run ? [200, run.annotations ?? []] : [404, { message: "Not Found" }];
      });
    nock(GITHUB_API)
      .persist()
      .patch(new RegExp(`^${base}/check-runs/(\\d+)$`))
      .optionally()
      .reply((uri, body) => {
        const run = this.runs.find((r) => r.id === Number(uri.split("/").pop()));
        if (!run) return [404, { message: "Not Found" }];
        this.apply(run, body);
        return [200, this.resource(run)];
      });
    return this;
  }

  /** The run GitHub shows for a commit now. */
  latest(headSha: string): FakeCheckRun {
    const run = this.runs.filter((r) => r.headSha === headSha).at(-1);
    if (!run) throw new Error(`no check run on ${headSha}`);
    return run;
  }

  private apply(run: FakeCheckRun, body: unknown): FakeCheckRun {
    const update = body as {
      conclusion?: string;
      external_id?: string;
      actions?: Array<{ identifier: string }>;
      output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
    };
    if (update.conclusion !== undefined) run.conclusion = update.conclusion;
    if (update.external_id !== undefined) run.externalId = update.external_id;
    if (update.actions !== undefined) run.actions = update.actions;
    if (update.output?.title !== undefined) run.title = update.output.title;
    if (update.output?.summary !== undefined) run.summary = update.output.summary;
    if (update.output?.text !== undefined) run.text = update.output.text;
    run.annotationsCount += update.output?.annotations?.length ?? 0;
    if (update.output?.annotations) run.annotations = [...(run.annotations ?? []), ...update.output.annotations];
    this.history.push({ ...run });
    return run;
  }

  private resource(run: FakeCheckRun): Record<string, unknown> {
    return {
      id: run.id,
      name: "modelgate",
      head_sha: run.headSha,
      status: "completed",
      conclusion: run.conclusion,
      external_id: run.externalId,
      app: { id: APP_ID, slug: "modelgate" },
      output: {
        title: run.title,
        summary: run.summary,
        text: run.text,
        annotations_count: run.annotationsCount,
        annotations_url: "",
      },
      pull_requests: [],
    };
  }
}

/** Live team membership: `members[team]` are active members; set `failing` to make GitHub answer 502. */
export class FakeTeams {
  failing = false;
  /** The membership reads asked, each as its team/login pairs. */
  readonly requests: string[][] = [];

  constructor(
    private readonly org: string,
    readonly members: Record<string, string[]>,
  ) {}

  serve(): this {
    nock(GITHUB_API)
      .persist()
      .post("/graphql", (body: { query?: unknown }) => isTeamMembershipQuery(body))
      .optionally()
      .reply((_uri, body) => {
        if (this.failing) return [502, { message: "Bad Gateway" }];
        const request = body as { query: string; variables: Record<string, string> };
        this.requests.push(askedMemberships(request).map((a) => `${a.team}/${a.login}`));
        if (request.variables.org !== this.org)
          return [
            200,
            {
              data: { organization: null },
              errors: [{ type: "NOT_FOUND", path: ["organization"], message: "no such organization" }],
            },
          ];
        return [200, teamMembershipAnswer(request, this.members)];
      });
    return this;
  }
}

/** The policy on a branch, for every read; undefined text serves "no policy" (built-in defaults). */
export function servePolicyAlways(owner: string, repo: string, branch: string, text: string | undefined): void {
  const scope = nock(GITHUB_API)
    .persist()
    .get(`/repos/${owner}/${repo}/contents/.github%2Fmodelgate.yml`)
    .query({ ref: branch })
    .optionally();
  if (text === undefined) {
    scope.reply(404, { message: "Not Found" });
    nock(GITHUB_API)
      .persist()
      .get(`/repos/${owner}/.github/contents/.github%2Fmodelgate.yml`)
      .optionally()
      .reply(404, { message: "Not Found" });
  } else {
    scope.reply(200, text, { "content-type": "application/vnd.github.raw; charset=utf-8" });
  }
}

/** `GET /pulls/{n}` and its reviews, for every read, from a mutable fixture (so a test can push, close or merge). */
export function servePullRequestAlways(
  owner: string,
  repo: string,
  pr: PullRequestFixture,
  reviews: () => Array<{ login: string; state: string; commitId: string }> = () => [],
): void {
  nock(GITHUB_API)
    .persist()
    .get(`/repos/${owner}/${repo}/pulls/${pr.number}`)
    .optionally()
    .reply(() => [200, pullRequestResource(pr)]);
  nock(GITHUB_API)
    .persist()
    .get(`/repos/${owner}/${repo}/pulls/${pr.number}/reviews`)
    .query(true)
    .optionally()
    .reply(() => [
      200,
      reviews().map((review, index) => ({
        id: index + 1,
        user: { login: review.login },
        state: review.state,
        commit_id: review.commitId,
        submitted_at: "2026-11-27T10:00:00Z",
        body: "",
      })),
    ]);
}

/**
 * A repository whose commits are served for every evaluation: compare (merge base = base),
 * recursive trees, and contents through FakeRepository's batched GraphQL reads.
 */
export function serveCommitsAlways(owner: string, repo: string, commits: ReadonlyArray<CommitFixture>): FakeRepository {
  const byPath = new Map(commits.map((commit) => [commit.sha, commit]));
  nock(GITHUB_API)
    .persist()
    .get(new RegExp(`^/repos/${owner}/${repo}/compare/([0-9a-f]{40})\\.\\.\\.([0-9a-f]{40})\\?`))
    .optionally()
    .reply((uri) => {
      const base = /compare\/([0-9a-f]{40})\.\.\./.exec(uri)?.[1];
      return [200, { merge_base_commit: { sha: base }, files: [] }];
    });
  nock(GITHUB_API)
    .persist()
    .get(new RegExp(`^/repos/${owner}/${repo}/git/trees/([0-9a-f]{40})\\?recursive=true$`))
    .optionally()
    .reply((uri) => {
      const sha = /trees\/([0-9a-f]{40})/.exec(uri)?.[1] ?? "";
      const commit = byPath.get(sha);
      return commit
        ? [200, { sha, url: "", truncated: false, tree: treeOf(commit.files) }]
        : [404, { message: "Not Found" }];
    });
  return new FakeRepository({ owner, repo, commits }).serveContents();
}

function treeOf(files: Record<string, FileFixture>) {
  const directories = new Set<string>();
  const blobs = Object.entries(files).map(([path, content]) => {
    const parts = path.split("/");
    for (let depth = 1; depth < parts.length; depth++) directories.add(parts.slice(0, depth).join("/"));
    return { path, mode: "100644", type: "blob", sha: gitBlobSha(content), size: Buffer.byteLength(content), url: "" };
  });
  const trees = [...directories].map((path) => ({
    path,
    mode: "040000",
    type: "tree",
    sha: gitBlobSha(`tree ${path}`),
    url: "",
  }));
  return [...trees, ...blobs].sort((a, b) => (a.path < b.path ? -1 : 1));
}
