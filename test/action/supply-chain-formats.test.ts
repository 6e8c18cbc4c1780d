import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterAll, describe, expect, test } from "vitest";
import { runAction, type ActionEnv } from "../../src/action/run-action.js";
import { modelDigest } from "../../src/core/manifest/digest.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { rememberLfsContent } from "../fixtures/lfs-store.js";
import { THREATS } from "../fixtures/threats.js";
import { createRecorder } from "../helpers/request-recorder.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { TEST_NOW } from "../fixtures/clock.js";
import { APP_ID, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
}).privateKey;
const MALICIOUS = readFileSync(new URL("../fixtures/supply-chain/malicious-second-member.pt", import.meta.url));

const temp = mkdtempSync(join(tmpdir(), "modelgate-action-formats-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The job's checkout: a git repository whose LFS store holds the .pt the pull request points at (actions/checkout, lfs: true). */
function checkoutWithLfsObject(bytes: Buffer): string {
  const workspace = join(temp, "workspace");
  execFileSync("git", ["init", "-q", workspace]);
  const oid = sha256(bytes);
  const stored = join(workspace, ".git", "lfs", "objects", oid.slice(0, 2), oid.slice(2, 4), oid);
  mkdirSync(dirname(stored), { recursive: true });
  writeFileSync(stored, bytes);
  return workspace;
}

function modelWithLfsWeights(bytes: Buffer): Record<string, string> {
  const sha = sha256(bytes);
  const components = [{ path: "weights/model.pt", kind: "weights" as const, sha256: sha }];
  return {
    "models/scorer/model.yaml": [
      "name: scorer",
      "version: 1.0.0",
      "modalities: [text]",
      "components:",
      "  - path: weights/model.pt",
      "    kind: weights",
      `    sha256: ${sha}`,
      "training_data: []",
      "evaluations:",
      "  - version: 1.0.0",
      `    model_digest: ${modelDigest(components)}`,
      "    date: 2026-11-20",
      "    evaluator: eve",
      "    result: pass",
      `    threats: {${THREATS.map((t) => `${t}: tested`).join(", ")}}`,
      "",
    ].join("\n"),
    "models/scorer/weights/model.pt": `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${bytes.length}\n`,
  };
}

/** An actions/checkout without `lfs: true`: the repository, with no Git LFS object fetched. */
function checkoutWithoutLfsObjects(): string {
  const workspace = join(temp, "workspace-without-lfs");
  execFileSync("git", ["init", "-q", workspace]);
  return workspace;
}

describe("the Action scans the Git LFS objects of its checkout", () => {
  test.each([
    ["its checkout holds it (actions/checkout with lfs: true)", () => checkoutWithLfsObject(MALICIOUS)],
    [
      "attack: its checkout lacks it (no lfs: true): it is read from GitHub's Git LFS storage, never passed as not scanned",
      checkoutWithoutLfsObjects,
    ],
  ])(
    "a malicious .pt stored in Git LFS fails the check run, naming the import and the member: %s",
    async (_, checkout) => {
      rememberLfsContent(MALICIOUS);
      const workspace = checkout();
      serveInstallationToken();
      serveNoPolicy(OWNER, REPO, "main");
      new FakeRepository({
        owner: OWNER,
        repo: REPO,
        commits: [
          { sha: BASE, files: { "README.md": "models\n" } },
          { sha: HEAD, files: { "README.md": "models\n", ...modelWithLfsWeights(MALICIOUS) } },
        ],
      }).servePullRequest(BASE, HEAD);
      serveReviews(OWNER, REPO, PR.number, []);
      new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
      serveCheckRunLookup(OWNER, REPO, HEAD);
      serveCheckRunCreate(OWNER, REPO);
      const eventPath = join(temp, "event.json");
      writeFileSync(eventPath, JSON.stringify(pullRequestEvent("opened", PR, INSTALLATION_ID).payload));
      const env: ActionEnv = {
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_RUN_ID: "1",
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        GITHUB_API_URL: GITHUB_API,
        GITHUB_WORKSPACE: workspace,
        APP_ID: String(APP_ID),
        PRIVATE_KEY,
      };
      const { fetch, requests } = createRecorder();
      const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
        request: { ...(options.request as object | undefined), fetch },
      }));
      await runAction(env, { Octokit, log: pino({ level: "silent" }), clock: () => TEST_NOW });

      const created = requests.find((r) => r.method === "POST" && r.path === `/repos/${OWNER}/${REPO}/check-runs`);
      const body = created?.body as { conclusion: string; output: { annotations?: Array<{ message: string }> } };
      expect(body.conclusion).toBe("failure");
      expect(body.output.annotations?.map((a) => a.message)).toContainEqual(
        expect.stringContaining(
          "models/scorer/weights/model.pt (PyTorch zip) can run code when loaded: imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl",
        ),
      );
    },
  );
});
