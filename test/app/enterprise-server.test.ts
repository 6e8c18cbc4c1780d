import { pino } from "pino";
import { createProbot, ProbotOctokit, type Probot } from "probot";
import { describe, expect, test } from "vitest";
import { modelgate } from "../../src/index.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { repositoryModelFiles, type RepositoryModel } from "../fixtures/manifests.js";
import { requestUrl } from "../helpers/request-recorder.js";
import { LFS_STORAGE, LFS_WEB } from "../helpers/serve-lfs.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { INSTALLATION_ID, serveInstallationToken, testMarkerKey, testPrivateKey } from "../helpers/test-app.js";

const GHE_HOST = "github.acme.example";
const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const fraud = (overrides: Partial<RepositoryModel>): RepositoryModel => ({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.0.0",
  weights: "weights of 2.0.0",
  prompt: "You score card transactions.\n",
  evaluation: { evaluator: "eve", date: "2026-06-01" },
  ...overrides,
});

/**
 * modelgate configured as an operator configures it for GitHub Enterprise Server (GHE_HOST and
 * GHE_PROTOCOL, through Probot's own environment reading). Every request must go to the
 * Enterprise host (REST under /api/v3, GraphQL at /api/graphql); the recorder then hands it to
 * the github.com fixtures, which answer as the Enterprise server would.
 */
async function enterpriseApp(
  env: Record<string, string>,
): Promise<{ probot: Probot; urls: string[]; elsewhere: string[] }> {
  const urls: string[] = [];
  const elsewhere: string[] = [];
  const enterpriseFetch: typeof fetch = (input, init) => {
    const url = requestUrl(input);
    urls.push(`${(init?.method ?? "GET").toUpperCase()} ${url}`);
    const origin = `${env.GHE_PROTOCOL ?? "https"}://${GHE_HOST}`;
    // the Git LFS batch API is the server's own too (the repository's web address), and its downloads where it says
    const lfsBatch = `${origin}/${OWNER}/${REPO}.git/info/lfs/objects/batch`;
    if (!url.startsWith(`${origin}/api/`) && url !== lfsBatch && !url.startsWith(`${LFS_STORAGE}/`))
      elsewhere.push(url);
    const answeredBy = url
      .replace(`${origin}/api/v3/`, `${GITHUB_API}/`)
      .replace(`${origin}/api/graphql`, `${GITHUB_API}/graphql`)
      .replace(lfsBatch, `${LFS_WEB}/${OWNER}/${REPO}.git/info/lfs/objects/batch`);
    return fetch(answeredBy, init);
  };
  const probot = createProbot({
    env: { APP_ID: "4242", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "ghe-secret", GHE_HOST, ...env },
    overrides: {
      log: pino({ level: "silent" }),
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
        request: { ...(options.request as object | undefined), fetch: enterpriseFetch },
      })),
    },
  });
  await probot.load(modelgate({ clock: () => TEST_NOW, markerKey: testMarkerKey() }));
  return { probot, urls, elsewhere };
}

describe("GitHub Enterprise Server (GHE_HOST, GHE_PROTOCOL)", () => {
  test("a retrained model's pull request is evaluated against the Enterprise API: files through GraphQL, a sign-off issue linking the Enterprise pull request", async () => {
    const { probot, urls, elsewhere } = await enterpriseApp({ GHE_PROTOCOL: "https" });
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: repositoryModelFiles(fraud({})).files },
        {
          sha: HEAD,
          files: repositoryModelFiles(
            fraud({
              version: "2.1.0",
              weights: "weights of 2.1.0",
              evaluation: { evaluator: "eve", date: "2026-11-20" },
            }),
          ).files,
        },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, PR.number, []);
    const tracker = new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await probot.receive({ id: "ghe-1", ...pullRequestEvent("opened", PR, INSTALLATION_ID) } as Parameters<
      Probot["receive"]
    >[0]);

    expect(elsewhere).toEqual([]);
    expect(urls).toContain(`POST https://${GHE_HOST}/api/v3/app/installations/${INSTALLATION_ID}/access_tokens`);
    expect(urls).toContain(`POST https://${GHE_HOST}/api/graphql`);
    expect(urls).toContain(`POST https://${GHE_HOST}/${OWNER}/${REPO}.git/info/lfs/objects/batch`);
    expect(urls).toContain(`POST https://${GHE_HOST}/api/v3/repos/${OWNER}/${REPO}/check-runs`);
    const [signOff] = tracker.appIssues();
    expect(signOff?.title).toBe("Sign-off: fraud-detector 2.1.0");
    expect(signOff?.body).toContain(`https://${GHE_HOST}/${OWNER}/${REPO}/pull/7`);
    expect(signOff?.body).not.toContain("https://github.com/");
  });

  test("GHE_PROTOCOL=http reaches a server without TLS on the same paths", async () => {
    const { probot, urls, elsewhere } = await enterpriseApp({ GHE_PROTOCOL: "http" });
    serveInstallationToken();
    serveNoPolicy(OWNER, REPO, "main");
    new FakeRepository({
      owner: OWNER,
      repo: REPO,
      commits: [
        { sha: BASE, files: { "a.txt": "a\n" } },
        { sha: HEAD, files: { "a.txt": "b\n" } },
      ],
    }).servePullRequest(BASE, HEAD);
    serveReviews(OWNER, REPO, PR.number, []);
    serveCheckRunLookup(OWNER, REPO, HEAD);
    serveCheckRunCreate(OWNER, REPO);

    await probot.receive({ id: "ghe-2", ...pullRequestEvent("opened", PR, INSTALLATION_ID) } as Parameters<
      Probot["receive"]
    >[0]);

    expect(elsewhere).toEqual([]);
    expect(urls.length).toBeGreaterThan(3);
    expect(urls.every((url) => url.includes(` http://${GHE_HOST}/api/v3/`))).toBe(true);
  });
});
