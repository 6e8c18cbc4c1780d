import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { AuditReport } from "../../src/core/audit/types.js";
import { defaultPolicy } from "../../src/core/policy/schema.js";
import { endOfLifeIssueTitle, renderEndOfLifeIssueBody } from "../../src/core/render/end-of-life-issue.js";
import { signOffIssueBody } from "../../src/core/sign-off/issue.js";
import { defaultMarkerKey } from "../../src/marker-key.js";
import { issueMarkerKey } from "../../src/core/markers/signature.js";
import { askedMemberships, isTeamMembershipQuery, teamMembershipAnswer } from "../helpers/serve-github.js";
import { TestRepo } from "./git-repo.js";
import { digestOf, lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";

// nock with disableNetConnect for every test: test/setup.ts

const API = "https://ghe.example.com/api/v3";
const WEB = "https://ghe.example.com/acme/models";
const APP_ID = 7;
const ENV = { GITHUB_TOKEN: "test-token-123", WEBHOOK_SECRET: "a throwaway secret for this test" };
const MARKER_KEY = defaultMarkerKey(ENV);

const repos: TestRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.dispose();
});

const scorer = (version: string, weights: string, status?: ModelSpec["status"]): ModelSpec => ({
  dir: "models/scorer",
  name: "scorer",
  version,
  ...(status ? { status } : {}),
  components: [{ path: "weights/model.safetensors", kind: "weights", content: lfsPointer(weights) }],
});

function decisionText(models: Array<{ name: string; digest: string; verdict: string }>): string {
  const record = {
    format: "modelgate-decision/1",
    verdict: "success",
    models: models.map((m) => ({ ...m, manifest: "models/scorer/model.yaml", changes: ["new_model"] })),
    unmanaged: [],
    errors: [],
  };
  return `### Decision record of \`modelgate\`\n\n\`\`\`json\n${JSON.stringify(record, null, 2)}\n\`\`\`\n`;
}

/** GitHub Enterprise's GraphQL endpoint answering the membership read: `members[team]`; the query must ask exactly `logins` × every role team. */
function serveMembership(members: Record<string, string[]>, logins: string[]): void {
  nock("https://ghe.example.com")
    .post("/api/graphql", (body: { query?: unknown }) => isTeamMembershipQuery(body))
    .reply(200, (_uri, body) => {
      const request = body as { query: string; variables: Record<string, string> };
      const asked = askedMemberships(request)
        .map((a) => `${a.team}/${a.login}`)
        .sort();
      const teams = ["data-governance", "ml-engineers", "platform-ops"];
      const expected = teams.flatMap((team) => logins.map((login) => `${team}/${login}`)).sort();
      if (request.variables["org"] !== "acme" || JSON.stringify(asked) !== JSON.stringify(expected))
        return { errors: [{ message: `asked ${asked.join(", ")}` }] };
      return teamMembershipAnswer(request, members);
    });
}

describe("modelgate audit --github (GitHub Enterprise through --api-url, nock)", () => {
  it("adds sign-offs, pull requests, check runs, releases and end-of-life issues of the modelgate App only", async () => {
    const r = TestRepo.create("modelgate-audit-gh-");
    repos.push(r);
    const v1 = scorer("1.0.0", "w1");
    r.write(modelFiles(v1)).commit("scorer 1.0.0");
    const landed = r.git("rev-parse", "HEAD");
    r.git("tag", "v1");
    r.write(modelFiles(scorer("1.0.0", "w1", "decommissioned"))).commit("decommission scorer");
    const digest = digestOf(v1);
    const headSha = "d".repeat(40);
    const policy = defaultPolicy();

    const ref = { model: "scorer", version: "1.0.0", digest };
    const tracking = {
      manifestPath: "models/scorer/model.yaml",
      kinds: ["new_model" as const],
      pulls: [{ number: 1, author: "dev", roles: ["developer", "system_operator", "data_custodian"] }],
    };
    const body = signOffIssueBody({
      ref,
      tracking,
      state: undefined,
      policy,
      org: "acme",
      repositoryUrl: WEB,
      markerKey: issueMarkerKey(MARKER_KEY, { owner: "acme", repo: "models", issue: 5 }),
    });
    const editedBody = body.replace(digest, `sha256:${"e".repeat(64)}`);
    const eolBody = renderEndOfLifeIssueBody({
      model: "scorer",
      version: "1.0.0",
      digest,
      manifestPath: "models/scorer/model.yaml",
      org: "acme",
      roles: [],
      checklist: policy.end_of_life.checklist,
      checked: policy.end_of_life.checklist.slice(0, 2),
      components: [],
      datasets: [],
      markerKey: issueMarkerKey(MARKER_KEY, { owner: "acme", repo: "models", issue: 9 }),
    });
    const viaApp = { performed_via_github_app: { id: APP_ID } };
    const at = "2026-11-02T10:00:00Z";
    const comment = (id: number, login: string, text: string, type = "User") => ({
      id,
      user: { login, type },
      body: text,
      created_at: at,
      updated_at: at,
    });

    const api = nock(API).matchHeader("authorization", "token test-token-123");
    api.get("/repos/acme/models").reply(200, { html_url: WEB });
    api
      .get("/repos/acme/models/pulls")
      .query({ state: "all", per_page: 100 })
      .reply(200, [
        {
          number: 1,
          html_url: `${WEB}/pull/1`,
          title: "Add scorer",
          user: { login: "dev" },
          head: { sha: headSha },
          merge_commit_sha: landed,
          merged_at: "2026-11-02T12:00:00Z",
        },
        {
          number: 2,
          html_url: `${WEB}/pull/2`,
          title: "Unrelated",
          user: { login: "dev" },
          head: { sha: "f".repeat(40) },
          merge_commit_sha: null,
          merged_at: null,
        },
      ]);
    api
      .get("/repos/acme/models/releases")
      .query({ per_page: 100 })
      .reply(200, [
        {
          id: 3,
          tag_name: "v1",
          name: "Release 1",
          html_url: `${WEB}/releases/tag/v1`,
          published_at: "2026-11-03T00:00:00Z",
          draft: false,
          prerelease: false,
          assets: [
            {
              name: "modelgate-bom.cdx.json",
              browser_download_url: `${WEB}/releases/download/v1/modelgate-bom.cdx.json`,
            },
          ],
        },
      ]);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "modelgate:sign-off", state: "all", per_page: 100 })
      .reply(200, [
        { number: 5, html_url: `${WEB}/issues/5`, state: "closed", body, ...viaApp },
        // a person's issue with a copied marker, and the app's issue with an edited marker: neither is evidence
        { number: 6, html_url: `${WEB}/issues/6`, state: "open", body, performed_via_github_app: null },
        // attack: #5's signed body copied into another of the app's issues: its markers are bound to #5
        { number: 7, html_url: `${WEB}/issues/7`, state: "open", body, ...viaApp },
        { number: 8, html_url: `${WEB}/issues/8`, state: "open", body: editedBody, ...viaApp },
      ]);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "model-eol", state: "all", per_page: 100 })
      .reply(200, [
        {
          number: 9,
          html_url: `${WEB}/issues/9`,
          state: "open",
          closed_at: null,
          title: endOfLifeIssueTitle("scorer", "1.0.0"),
          body: eolBody,
          ...viaApp,
        },
      ]);
    api
      .get("/repos/acme/models/issues/5/comments")
      .query({ per_page: 100 })
      .reply(200, [
        comment(11, "alice", "/approve developer"),
        comment(12, "dev", "/approve system_operator"),
        comment(13, "modelgate[bot]", "refused", "Bot"),
        comment(14, "bob", "/approve data_custodian"),
      ]);
    api
      .get("/repos/acme/models/issues/9/comments")
      .query({ per_page: 100 })
      .reply(200, [comment(21, "carol", "/approve data_custodian")]);
    // the role teams' members, read once for every commenter who posted a command
    serveMembership({ "ml-engineers": ["alice"], "data-governance": ["bob", "carol"] }, [
      "alice",
      "bob",
      "carol",
      "dev",
    ]);
    api
      .get(`/repos/acme/models/commits/${headSha}/check-runs`)
      .query({ check_name: "modelgate", filter: "all", per_page: 100 })
      .reply(200, {
        total_count: 2,
        check_runs: [
          {
            name: "modelgate",
            app: { id: APP_ID },
            head_sha: headSha,
            status: "completed",
            conclusion: "success",
            html_url: `${WEB}/runs/31`,
            completed_at: "2026-11-02T11:00:00Z",
            output: { text: decisionText([{ name: "scorer", digest, verdict: "success" }]) },
          },
          // another app's run of the same name proves nothing
          {
            name: "modelgate",
            app: { id: 99 },
            head_sha: headSha,
            status: "completed",
            conclusion: "failure",
            html_url: `${WEB}/runs/32`,
            completed_at: "2026-11-02T11:30:00Z",
            output: { text: decisionText([{ name: "scorer", digest, verdict: "failure" }]) },
          },
        ],
      });
    api
      .get(`/repos/acme/models/commits/${landed}/check-runs`)
      .query({ check_name: "modelgate / release", filter: "all", per_page: 100 })
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            name: "modelgate / release",
            app: { id: APP_ID },
            head_sha: landed,
            status: "completed",
            conclusion: "success",
            html_url: `${WEB}/runs/41`,
            completed_at: "2026-11-03T00:00:00Z",
            output: { text: decisionText([{ name: "scorer", digest, verdict: "success" }]) },
          },
        ],
      });

    const out = mkdtempSync(join(tmpdir(), "modelgate-audit-gh-out-"));
    try {
      const stderr: string[] = [];
      const code = await runCli(
        ["audit", "--repo", r.dir, "-o", out, "--github", "acme/models", "--api-url", API, "--app-id", String(APP_ID)],
        {
          stdout: () => undefined,
          stderr: (t) => stderr.push(t),
          now: () => new Date(),
          cwd: process.cwd(),
          env: ENV,
        },
      );
      const report = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport;
      const html = readFileSync(join(out, "audit.html"), "utf8");
      // the disposal is not complete: a warning, no failure
      expect(code, stderr.join("")).toBe(0);
      expect(report.sources).toMatchObject({ github: true, markersVerified: true });
      expect(report.repository.url).toBe(WEB);

      const [shipped, retired] = report.models[0]!.versions;
      expect(shipped).toMatchObject({
        version: "1.0.0",
        outcome: "passed",
        outcomeSource: "check-run",
        signOffIssue: { number: 5, url: `${WEB}/issues/5`, state: "closed" },
      });
      expect(shipped!.signOffs.map((s) => [s.role, s.state, s.by, s.url])).toEqual([
        ["developer", "approved", "alice", `${WEB}/issues/5#issuecomment-11`],
        ["data_custodian", "approved", "bob", `${WEB}/issues/5#issuecomment-14`],
      ]);
      expect(shipped!.pullRequests).toEqual([{ number: 1, url: `${WEB}/pull/1`, title: "Add scorer" }]);
      expect(shipped!.checkRuns.map((c) => [c.name, c.url, c.modelVerdict])).toEqual([
        ["modelgate", `${WEB}/runs/31`, "success"],
        ["modelgate / release", `${WEB}/runs/41`, "success"],
      ]);
      expect(shipped!.releases).toEqual([
        {
          tag: "v1",
          url: `${WEB}/releases/tag/v1`,
          publishedAt: "2026-11-03T00:00:00Z",
          prerelease: false,
          draft: false,
        },
      ]);
      expect(retired).toMatchObject({ kinds: ["decommission"], signOffs: [] });

      const eol = report.models[0]!.endOfLife;
      expect(
        eol.map((i) => [
          i.number,
          i.state,
          i.checklist.filter((c) => c.checked).length,
          i.unchecked.length,
          i.signOffs.map((s) => s.by),
          i.missingRoles,
        ]),
      ).toEqual([[9, "open", 2, policy.end_of_life.checklist.length - 2, ["carol"], ["system_operator"]]]);
      expect(report.findings.map((f) => [f.id, f.severity])).toEqual([["F-eol-open-scorer", "warning"]]);
      expect(report.releases).toEqual([
        {
          tag: "v1",
          commit: landed,
          url: `${WEB}/releases/tag/v1`,
          publishedAt: "2026-11-03T00:00:00Z",
          source: "release",
          models: [{ name: "scorer", version: "1.0.0", digest }],
          bomAsset: `${WEB}/releases/download/v1/modelgate-bom.cdx.json`,
          checkRun: { conclusion: "success", url: `${WEB}/runs/41` },
        },
      ]);

      expect(html).toContain(`<a href="${WEB}/pull/1">#1</a>`);
      expect(html).toContain(`<a href="${WEB}/issues/5#issuecomment-11">@alice</a>`);
      expect(html).toContain("End of life: ");
      expect(html).not.toContain(`${WEB}/runs/32`);
      expect(html).not.toContain(`${WEB}/issues/6`);
      expect(html).not.toContain(`${WEB}/issues/8`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("stops with exit 2 and no report when GitHub cannot be read: a report silently missing evidence would mislead", async () => {
    const r = TestRepo.create("modelgate-audit-gh-");
    repos.push(r);
    r.write(modelFiles(scorer("1.0.0", "w1"))).commit("scorer 1.0.0");
    nock(API).get("/repos/acme/models").reply(401, { message: "Bad credentials" });
    const out = mkdtempSync(join(tmpdir(), "modelgate-audit-gh-out-"));
    try {
      const stderr: string[] = [];
      const code = await runCli(
        [
          "audit",
          "--repo",
          r.dir,
          "-o",
          join(out, "pack"),
          "--github",
          "acme/models",
          "--api-url",
          API,
          "--app-id",
          "7",
        ],
        {
          stdout: () => undefined,
          stderr: (t) => stderr.push(t),
          now: () => new Date(),
          cwd: process.cwd(),
          env: ENV,
        },
      );
      expect(code).toBe(2);
      expect(stderr.join("")).toContain("cannot read the repository of acme/models from GitHub: GitHub answered 401");
      expect(() => readFileSync(join(out, "pack", "audit.html"))).toThrow();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("modelgate audit --github: who holds a role is read from GitHub, not assumed", () => {
  const at = "2026-11-02T10:00:00Z";
  const comment = (id: number, login: string, text: string) => ({
    id,
    user: { login, type: "User" },
    body: text,
    created_at: at,
    updated_at: at,
  });

  /** One model version with its sign-off issue (#5) and an end-of-life issue (#9), each with these comments. */
  async function auditSignOffs(
    signOffComments: ReturnType<typeof comment>[],
    eolComments: ReturnType<typeof comment>[],
    membership: (api: nock.Scope) => void,
  ): Promise<{ code: number; stderr: string; report: AuditReport; html: string }> {
    const r = TestRepo.create("modelgate-audit-gh-");
    repos.push(r);
    const v1 = scorer("1.0.0", "w1");
    r.write(modelFiles(v1)).commit("scorer 1.0.0");
    const digest = digestOf(v1);
    const policy = defaultPolicy();
    const body = signOffIssueBody({
      ref: { model: "scorer", version: "1.0.0", digest },
      tracking: {
        manifestPath: "models/scorer/model.yaml",
        kinds: ["new_model"],
        pulls: [{ number: 1, author: "dev", roles: ["developer", "system_operator", "data_custodian"] }],
      },
      state: undefined,
      policy,
      org: "acme",
      repositoryUrl: WEB,
      markerKey: issueMarkerKey(MARKER_KEY, { owner: "acme", repo: "models", issue: 5 }),
    });
    const eolBody = renderEndOfLifeIssueBody({
      model: "scorer",
      version: "1.0.0",
      digest,
      manifestPath: "models/scorer/model.yaml",
      org: "acme",
      roles: [],
      checklist: policy.end_of_life.checklist,
      checked: [],
      components: [],
      datasets: [],
      markerKey: issueMarkerKey(MARKER_KEY, { owner: "acme", repo: "models", issue: 9 }),
    });
    const viaApp = { performed_via_github_app: { id: APP_ID } };
    const api = nock(API);
    api.get("/repos/acme/models").reply(200, { html_url: WEB });
    api.get("/repos/acme/models/pulls").query({ state: "all", per_page: 100 }).reply(200, []);
    api.get("/repos/acme/models/releases").query({ per_page: 100 }).reply(200, []);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "modelgate:sign-off", state: "all", per_page: 100 })
      .reply(200, [{ number: 5, html_url: `${WEB}/issues/5`, state: "open", body, ...viaApp }]);
    api
      .get("/repos/acme/models/issues")
      .query({ labels: "model-eol", state: "all", per_page: 100 })
      .reply(200, [
        { number: 9, html_url: `${WEB}/issues/9`, state: "open", closed_at: null, body: eolBody, ...viaApp },
      ]);
    api.get("/repos/acme/models/issues/5/comments").query({ per_page: 100 }).reply(200, signOffComments);
    api.get("/repos/acme/models/issues/9/comments").query({ per_page: 100 }).reply(200, eolComments);
    membership(nock("https://ghe.example.com"));

    const out = mkdtempSync(join(tmpdir(), "modelgate-audit-gh-out-"));
    try {
      const stderr: string[] = [];
      const code = await runCli(
        ["audit", "--repo", r.dir, "-o", out, "--github", "acme/models", "--api-url", API, "--app-id", String(APP_ID)],
        { stdout: () => undefined, stderr: (t) => stderr.push(t), now: () => new Date(), cwd: process.cwd(), env: ENV },
      );
      return {
        code,
        stderr: stderr.join(""),
        report: JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport,
        html: readFileSync(join(out, "audit.html"), "utf8"),
      };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  it("attack: a commenter who is in no team of the role is refused on replay, never shown as approved", async () => {
    const { code, report, html } = await auditSignOffs(
      [comment(11, "mallory", "/approve developer"), comment(12, "alice", "/approve data_custodian")],
      [comment(21, "mallory", "/approve system_operator")],
      () => serveMembership({ "ml-engineers": ["alice"], "data-governance": ["alice"] }, ["alice", "mallory"]),
    );
    expect(code).toBe(0);
    const issue = report.models[0]!.versions[0]!;
    expect(issue.signOffs.map((s) => [s.role, s.state, s.by])).toEqual([["data_custodian", "approved", "alice"]]);
    const eol = report.models[0]!.endOfLife[0]!;
    expect(eol.signOffs).toEqual([]);
    expect(eol.missingRoles).toEqual(["system_operator", "data_custodian"]);
    expect(html).not.toContain("issuecomment-11");
    expect(report.sources.notes.join("\n")).toContain("with the members of the role teams as GitHub lists them");
  });

  it("attack: when the role teams cannot be read, a team member's sign-off is 'role not verified', never approved", async () => {
    const { code, report, html } = await auditSignOffs(
      [comment(11, "alice", "/approve developer")],
      [comment(21, "carol", "/approve data_custodian")],
      (ghe) => ghe.post("/api/graphql").reply(403, { message: "Resource not accessible by personal access token" }),
    );
    expect(code).toBe(0);
    const version = report.models[0]!.versions[0]!;
    expect(version.signOffs).toEqual([
      {
        role: "developer",
        state: "unverified",
        by: "alice",
        at,
        url: `${WEB}/issues/5#issuecomment-11`,
        issue: 5,
      },
    ]);
    const eol = report.models[0]!.endOfLife[0]!;
    expect(eol.signOffs.map((s) => [s.role, s.state, s.by])).toEqual([["data_custodian", "unverified", "carol"]]);
    expect(eol.missingRoles).toEqual(["system_operator", "data_custodian"]);
    expect(html).toContain("(role not verified, not counted)");
    expect(html).not.toMatch(/✓ developer/);
    expect(report.sources.notes.join("\n")).toContain(
      "the members of the role teams could not be read (GitHub answered 403 while reading the members of the role teams of @acme)",
    );
    const signOffRow = report.provisions.find((p) => p.evidenceKinds.includes("sign-offs"))!;
    expect(signOffRow.evidence[0]!.text).toBe("0 sign-offs on 1 sign-off issue");
    expect(signOffRow.findings).toEqual([
      "sign-off issue #5: /approve developer by @alice: role not verified, not counted",
    ]);
  });
});
