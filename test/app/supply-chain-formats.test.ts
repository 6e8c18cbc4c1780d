import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { modelDigest } from "../../src/core/manifest/digest.js";
import { FakeRepository } from "../helpers/fake-repository.js";
import { commitSha, lfsPointerFor, sha256 } from "../fixtures/git-objects.js";
import { THREATS } from "../fixtures/threats.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveNoPolicy, serveReviews } from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";

const BASE = commitSha("base");
const HEAD = commitSha("head");
const PR: PullRequestFixture = { number: 7, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/supply-chain/${name}`, import.meta.url));

/** A new model `scorer` whose one component is `weights/<file>`, stored as these bytes (a blob or an LFS pointer). */
function model(file: string, stored: string | Buffer, sha: string): Record<string, string | Buffer> {
  const components = [{ path: `weights/${file}`, kind: "weights" as const, sha256: sha }];
  const manifest = [
    "name: scorer",
    "version: 1.0.0",
    "modalities: [text]",
    "components:",
    `  - path: weights/${file}`,
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
  ].join("\n");
  return { "models/scorer/model.yaml": manifest, [`models/scorer/weights/${file}`]: stored };
}

interface CheckRunBody {
  conclusion: string;
  output: { summary: string; text?: string; annotations?: Array<{ path: string; message: string }> };
}

async function judge(files: Record<string, string | Buffer>): Promise<CheckRunBody> {
  const app = await createTestApp();
  serveInstallationToken();
  serveNoPolicy(OWNER, REPO, "main");
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { "README.md": "models\n" } },
      { sha: HEAD, files: { "README.md": "models\n", ...files } },
    ],
  }).servePullRequest(BASE, HEAD);
  serveReviews(OWNER, REPO, 7, []);
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);
  await app.receive(pullRequestEvent("opened", PR, INSTALLATION_ID));
  return app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as CheckRunBody;
}

const formatAnnotations = (body: CheckRunBody): string[] =>
  (body.output.annotations ?? []).map((a) => a.message).filter((m) => m.includes("run code") || m.includes("pickle"));

describe("the check run classifies every component by its bytes (format:<path>)", () => {
  test("attack: a .pt with a malicious second member fails, naming the import and the member", async () => {
    const bytes = fixture("malicious-second-member.pt");
    const body = await judge(model("model.pt", bytes, sha256(bytes)));
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)).toEqual([
      "models/scorer/weights/model.pt (PyTorch zip) can run code when loaded: imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl: store it as safetensors (or another format that holds no code), or declare a format_exception with a justification and an expiry date [5.2.3-1, 5.2.4-1.2]",
    ]);
    expect(body.output.summary).toContain("format:weights/model.pt");
    expect(body.output.summary).toContain("posix.system");
  });

  test("attack: a pickle named .safetensors fails as the pickle it is", async () => {
    const bytes = fixture("pickle-named.safetensors");
    const body = await judge(model("model.safetensors", bytes, sha256(bytes)));
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)[0]).toContain(
      "model.safetensors (pickle (protocol 2)) can run code when loaded: imports posix.system",
    );
  });

  test("attack: a protocol-4 pickle importing posix.system through memoised strings fails", async () => {
    const bytes = fixture("stack-global-memo.pkl");
    const body = await judge(model("model.pkl", bytes, sha256(bytes)));
    expect(formatAnnotations(body)[0]).toContain("imports posix.system");
  });

  test("attack: an LFS object named .pt the app does not read is presumed to hold a pickle", async () => {
    const body = await judge(model("model.pt", lfsPointerFor("weights"), sha256("weights")));
    expect(body.conclusion).toBe("failure");
    expect(formatAnnotations(body)[0]).toContain(
      "a Git LFS object whose content was not read, and its name says it may hold a pickle",
    );
  });

  test("a benign torch.save state dict passes and says what it is", async () => {
    const bytes = fixture("benign-state-dict.pt");
    const body = await judge(model("model.pt", bytes, sha256(bytes)));
    expect(formatAnnotations(body)).toEqual([]);
    expect(body.output.summary).toContain(
      "models/scorer/weights/model.pt (PyTorch zip): no code runs when it is loaded",
    );
  });

  test("an LFS safetensors object is reported not scanned, never safe", async () => {
    const body = await judge(model("model.safetensors", lfsPointerFor("weights"), sha256("weights")));
    expect(body.output.summary).toContain("not scanned: a Git LFS object whose content was not read");
    expect(body.output.summary).not.toContain("no code runs when it is loaded");
  });
});
