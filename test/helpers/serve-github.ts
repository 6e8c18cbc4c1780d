/** nock answers for the GitHub endpoints an evaluation uses besides files: policy, reviews, membership, check runs. */
import nock from "nock";
import { GITHUB_API } from "./fake-repository.js";
import { APP_ID } from "./test-app.js";

/** A check run as modelgate writes it (POST or PATCH), with the fields the stories read. */
export interface CheckRunBody {
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  external_id: string;
  details_url?: string;
  actions: Array<{ label: string; description: string; identifier: string }>;
  output: { title: string; summary: string; text: string; annotations?: Array<Record<string, unknown>> };
}

export interface ExistingCheckRun {
  id: number;
  name?: string;
  appId?: number;
  externalId?: string | null;
  annotationsCount?: number;
}

/**
 * `GET /commits/{sha}/check-runs?check_name=<name>&filter=latest&app_id=…` answering the given runs. For the
 * `modelgate` run, which is written once per evaluation of a head, also the open pull request listing that
 * evaluation reads (serveOpenPullRequests): none beyond the event's own unless `openPulls` says so; `null`
 * when no head evaluation precedes the write (writeCheckRun alone, a pull request that could not be read).
 */
export function serveCheckRunLookup(
  owner: string,
  repo: string,
  headSha: string,
  existing: ExistingCheckRun[] = [],
  checkName = "modelgate",
  openPulls: unknown[] | null = [],
): void {
  if (checkName === "modelgate" && openPulls !== null) serveOpenPullRequests(owner, repo, openPulls);
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/commits/${headSha}/check-runs`)
    .query({ check_name: checkName, filter: "latest", app_id: String(APP_ID), per_page: "100" })
    .reply(200, {
      total_count: existing.length,
      check_runs: existing.map((run) => ({
        id: run.id,
        name: run.name ?? checkName,
        head_sha: headSha,
        status: "completed",
        external_id: run.externalId ?? null,
        app: { id: run.appId ?? APP_ID, slug: "modelgate" },
        output: {
          title: "earlier",
          summary: "",
          text: null,
          annotations_count: run.annotationsCount ?? 0,
          annotations_url: "",
        },
      })),
    });
}

/** `POST /check-runs` answering a new run id. */
export function serveCheckRunCreate(owner: string, repo: string, id = 7001, checkName = "modelgate"): void {
  nock(GITHUB_API).post(`/repos/${owner}/${repo}/check-runs`).reply(201, { id, name: checkName });
}

/** `PATCH /check-runs/{id}`, `times` times. */
export function serveCheckRunUpdate(owner: string, repo: string, id: number, times = 1): void {
  nock(GITHUB_API).patch(`/repos/${owner}/${repo}/check-runs/${id}`).times(times).reply(200, { id, name: "modelgate" });
}

/** A repository without `.github/modelgate.yml` (nor an organisation default): built-in policy. */
export function serveNoPolicy(owner: string, repo: string, branch: string): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/contents/.github%2Fmodelgate.yml`)
    .query({ ref: branch })
    .reply(404, { message: "Not Found" });
  nock(GITHUB_API).get(`/repos/${owner}/.github/contents/.github%2Fmodelgate.yml`).reply(404, { message: "Not Found" });
}

/** A repository whose base branch holds this policy text. */
export function servePolicy(owner: string, repo: string, branch: string, text: string, times = 1): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/contents/.github%2Fmodelgate.yml`)
    .query({ ref: branch })
    .times(times)
    .reply(200, text, { "content-type": "application/vnd.github.raw; charset=utf-8" });
}

/**
 * The one GraphQL team-membership read (src/github/membership.ts): `members[team]` lists the
 * members; the query must ask exactly the `asked` pairs (in any order).
 */
export function serveTeamMembership(
  org: string,
  asked: Array<{ login: string; team: string }>,
  members: Record<string, string[]>,
): void {
  // nobody to ask about: no request
  if (asked.length === 0) return;
  nock(GITHUB_API)
    .post("/graphql", (body: { query?: unknown; variables?: unknown }) => isTeamMembershipQuery(body))
    .reply(200, (_uri, body) => {
      const request = body as { query: string; variables: Record<string, string> };
      const pairs = askedMemberships(request)
        .map((a) => `${a.team}/${a.login}`)
        .sort();
      const expected = asked.map((a) => `${a.team}/${a.login.toLowerCase()}`).sort();
      if (JSON.stringify(pairs) !== JSON.stringify([...new Set(expected)]))
        return { errors: [{ message: `asked ${pairs.join(", ")}, expected ${expected.join(", ")}` }] };
      if (request.variables.org !== org)
        return {
          data: { organization: null },
          errors: [{ type: "NOT_FOUND", path: ["organization"], message: "no such organization" }],
        };
      return teamMembershipAnswer(request, members);
    });
}

/** Is this GraphQL request modelgate's team-membership read? */
export function isTeamMembershipQuery(body: { query?: unknown }): boolean {
  return typeof body.query === "string" && body.query.includes("query modelgateTeamMembership(");
}

/** The team × login pairs a membership query asks, with their aliases. */
export function askedMemberships(request: {
  query: string;
  variables: Record<string, string>;
}): Array<{ teamAlias: string; memberAlias: string; team: string; login: string }> {
  const asked: Array<{ teamAlias: string; memberAlias: string; team: string; login: string }> = [];
  let team: { alias: string; slug: string } | undefined;
  for (const match of request.query.matchAll(/(t\d+): team\(slug: \$(\w+)\)|(m\d+): members\(query: \$(\w+)/g)) {
    if (match[1]) team = { alias: match[1], slug: request.variables[match[2] ?? ""] ?? "" };
    else if (team && match[3])
      asked.push({
        teamAlias: team.alias,
        memberAlias: match[3],
        team: team.slug,
        login: (request.variables[match[4] ?? ""] ?? "").toLowerCase(),
      });
  }
  return asked;
}

/** GitHub's answer to a membership query: each asked team's members whose login matches. */
export function teamMembershipAnswer(
  request: { query: string; variables: Record<string, string> },
  members: Record<string, string[]>,
): Record<string, unknown> {
  const organization: Record<string, Record<string, unknown>> = {};
  for (const { teamAlias, memberAlias, team, login } of askedMemberships(request)) {
    const nodes = (members[team] ?? []).filter((m) => m.toLowerCase().includes(login)).map((m) => ({ login: m }));
    organization[teamAlias] = {
      ...organization[teamAlias],
      [memberAlias]: { nodes, pageInfo: { hasNextPage: false } },
    };
  }
  return { data: { organization } };
}

/** `GET /pulls/{number}/reviews?per_page=100` answering these reviews. */
export function serveReviews(
  owner: string,
  repo: string,
  number: number,
  reviews: Array<{ login: string; state: string; commitId: string }>,
): void {
  nock(GITHUB_API)
    .get(`/repos/${owner}/${repo}/pulls/${number}/reviews`)
    .query({ per_page: "100" })
    .reply(
      200,
      reviews.map((review, index) => ({
        id: index + 1,
        user: { login: review.login },
        state: review.state,
        commit_id: review.commitId,
        submitted_at: "2026-11-27T10:00:00Z",
        body: "",
      })),
    );
}

/** `GET /pulls?state=open&per_page=100`: the open pull requests of the repository (one page). */
export function serveOpenPullRequests(owner: string, repo: string, pulls: unknown[]): void {
  nock(GITHUB_API).get(`/repos/${owner}/${repo}/pulls`).query({ state: "open", per_page: "100" }).reply(200, pulls);
}
