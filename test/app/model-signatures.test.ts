import { describe, expect, test } from "vitest";
import nock from "nock";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { modelFiles } from "../fixtures/manifests.js";
import { createTestApp, INSTALLATION_ID, serveInstallationToken } from "../helpers/test-app.js";
import { serveCheckRunCreate, serveCheckRunLookup, servePolicy, serveReviews } from "../helpers/serve-github.js";
import { OWNER, REPO, pullRequestEvent, type PullRequestFixture } from "../fixtures/payloads/index.js";
import { FakeIssueTracker } from "../helpers/fake-issue-tracker.js";
import {
  KEYLESS_SIGNER,
  TEST_KEY_PEM,
  vectorFile,
  signWithTestKey,
  statement,
  vector,
  type Resource,
} from "../fixtures/model-signing.js";

const BASE = commitSha("signatures base");
const HEAD = commitSha("signatures head");
const PR: PullRequestFixture = { number: 12, author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD };
const KEY_PATH = ".github/modelgate/signing-key.pub";
const WORKFLOW = "acme/models/.github/workflows/train.yml@refs/heads/main";
const WEIGHTS = "weights v1";
const CONFIG = '{"layers": 12}';

/** A new model at head: LFS weights and a config, evaluated, with `extra` files in its folder (its signature). */
function signedModel(files: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const components = Object.fromEntries(
    Object.entries(files).map(([path, content]) => [
      path,
      path.startsWith("weights")
        ? { kind: "weights" as const, lfs: content }
        : { kind: "config" as const, text: content },
    ]),
  );
  const model = modelFiles({ dir: "models/fraud", name: "fraud", version: "1.0.0", components });
  const beside = Object.fromEntries(Object.entries(extra).map(([path, content]) => [`models/fraud/${path}`, content]));
  return { ...(model.files as Record<string, string>), ...beside };
}

const POLICY = [
  "supply_chain:",
  "  signatures:",
  "    require: true",
  "    signers:",
  `      - { public_key: ${KEY_PATH} }`,
  `      - { issuer: "https://token.actions.githubusercontent.com", identity: "https://github.com/${WORKFLOW}" }`,
  "  provenance:",
  "    require: true",
  `    workflows: ["${WORKFLOW}"]`,
  "",
].join("\n");

interface Story {
  files: Record<string, string>;
  signature: string;
  /** GitHub's answer to the attestations request; `null`: the model has no weights, nothing is asked. */
  attestations?: { status: number; body: unknown } | null;
  /** Another policy, and the pinned files it names (path -> PEM) instead of the test key. */
  policy?: { text: string; pinned: Record<string, string> };
}

async function evaluate(story: Story) {
  const app = await createTestApp();
  serveInstallationToken();
  servePolicy(OWNER, REPO, "main", story.policy?.text ?? POLICY);
  new FakeRepository({
    owner: OWNER,
    repo: REPO,
    commits: [
      { sha: BASE, files: { "README.md": "# models\n" } },
      {
        sha: HEAD,
        files: { "README.md": "# models\n", ...signedModel(story.files, { "model.sig": story.signature }) },
      },
    ],
  }).servePullRequest(BASE, HEAD);
  // the pinned files, read at the policy's branch
  for (const [path, pem] of Object.entries(story.policy?.pinned ?? { [KEY_PATH]: TEST_KEY_PEM })) {
    nock(GITHUB_API)
      .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(path)}`)
      .query({ ref: "main" })
      .reply(200, { type: "file", path, encoding: "base64", content: Buffer.from(pem).toString("base64") });
  }
  const attestations =
    story.attestations === undefined ? { status: 404, body: { message: "Not Found" } } : story.attestations;
  if (attestations)
    nock(GITHUB_API)
      .get(/^\/repos\/acme\/models\/attestations\/sha256(%3A|:)[0-9a-f]{64}\?per_page=100$/)
      .reply(attestations.status, attestations.body as Record<string, unknown>);
  serveReviews(OWNER, REPO, PR.number, []);
  new FakeIssueTracker({ owner: OWNER, repo: REPO }).serve();
  serveCheckRunLookup(OWNER, REPO, HEAD);
  serveCheckRunCreate(OWNER, REPO);

  await app.receive(pullRequestEvent("synchronize", PR, INSTALLATION_ID));
  const body = app.requestsTo("POST", `/repos/${OWNER}/${REPO}/check-runs`)[0]!.body as {
    conclusion?: string;
    output: { summary: string; text?: string; annotations?: Array<{ message: string; path: string }> };
  };
  const messages = body.output.annotations?.map((a) => a.message) ?? [];
  return { app, body, messages };
}

const model = { "weights/model.safetensors": WEIGHTS, "config.json": CONFIG };
const asSigned: Resource[] = [
  { name: "weights/model.safetensors", digest: sha256(WEIGHTS) },
  { name: "config.json", digest: sha256(CONFIG) },
];

describe("model signatures and build provenance in the pull-request gate", () => {
  test("a model signed with the pinned key: signature met; the attestations of its weights are read by digest, none: provenance fails", async () => {
    const { app, body, messages } = await evaluate({ files: model, signature: signWithTestKey(statement(asSigned)) });
    expect(
      app.requestsTo("GET", `/repos/${OWNER}/${REPO}/contents/.github%2Fmodelgate%2Fsigning-key.pub`),
    ).toHaveLength(1);
    expect(
      app.requestsTo(
        "GET",
        new RegExp(`^/repos/${OWNER}/${REPO}/attestations/sha256(%3A|:)${sha256(WEIGHTS)}\\?per_page=100$`),
      ),
    ).toHaveLength(1);
    expect(body.conclusion).toBe("failure");
    expect(body.output.text ?? body.output.summary).toContain(
      `models/fraud/model.sig: signed by the key ${KEY_PATH}; every file of the model's folder is among the signed files with the same digest`,
    );
    expect(messages).toContain(
      `no attestation of sha256:${sha256(WEIGHTS)} in this repository: attest it with actions/attest-build-provenance in the workflow that builds it [5.2.3-1, 5.2.4-1.2]`,
    );
    expect(messages.some((m) => m.startsWith("models/fraud/model.sig"))).toBe(false);
  });

  test("attack: weights swapped after signing: the check run names the file whose digest differs", async () => {
    const swapped = { ...model, "weights/model.safetensors": "weights v1, poisoned" };
    const { body, messages } = await evaluate({ files: swapped, signature: signWithTestKey(statement(asSigned)) });
    expect(body.conclusion).toBe("failure");
    expect(messages).toContain(
      `models/fraud/model.sig (signed by the key ${KEY_PATH}): weights/model.safetensors: digest differs (signed ${sha256(WEIGHTS)}, the file is ${sha256("weights v1, poisoned")}) [5.2.3-1, 5.2.4-1.2]`,
    );
  });

  test("attack: a signature that leaves the weights out of its resources", async () => {
    const { messages } = await evaluate({ files: model, signature: signWithTestKey(statement([asSigned[1]!])) });
    expect(messages).toContain(
      `models/fraud/model.sig (signed by the key ${KEY_PATH}): weights/model.safetensors is not among the signed files [5.2.3-1, 5.2.4-1.2]`,
    );
  });

  test("attack: a real keyless signature by an identity that is not pinned", async () => {
    const upstream = vector("sigstore");
    const { messages } = await evaluate({ files: upstream.files, signature: upstream.signature, attestations: null });
    expect(messages).toContain(
      `models/fraud/model.sig: it is signed by identity ${KEYLESS_SIGNER.identity} (issuer ${KEYLESS_SIGNER.issuer}), which is not pinned in supply_chain.signatures.signers [5.2.3-1, 5.2.4-1.2]`,
    );
  });

  test("attack: an attestation that is not build provenance does not count", async () => {
    const { messages } = await evaluate({
      files: model,
      signature: signWithTestKey(statement(asSigned)),
      attestations: {
        status: 200,
        body: { attestations: [{ bundle: JSON.parse(vector("sigstore").signature), repository_id: 1 }] },
      },
    });
    expect(messages).toContain(
      `none of the 1 attestations of sha256:${sha256(WEIGHTS)} counts: its predicate type "https://model_signing/signature/v1.0" is not SLSA provenance v1 [5.2.3-1, 5.2.4-1.2]`,
    );
  });

  test("the upstream keyless vector with its issuer and identity pinned: met offline", async () => {
    const keyless = vector("sigstore");
    const pinnedKeyless = [
      "supply_chain:",
      "  signatures:",
      "    require: true",
      `    signers: [{ issuer: "${KEYLESS_SIGNER.issuer}", identity: "${KEYLESS_SIGNER.identity}" }]`,
      "",
    ].join("\n");
    const first = await evaluate({
      files: keyless.files,
      signature: keyless.signature,
      attestations: null,
      policy: { text: pinnedKeyless, pinned: {} },
    });
    expect(first.body.output.text ?? first.body.output.summary).toContain(
      `models/fraud/model.sig: signed by identity ${KEYLESS_SIGNER.identity} (issuer ${KEYLESS_SIGNER.issuer})`,
    );
    expect(first.messages.some((m) => m.includes("model.sig"))).toBe(false);
  });

  test("the upstream certificate-chain vector, its CA pinned and read at the policy's branch", async () => {
    const chain = vector("certificate");
    const CA = ".github/modelgate/ca.pem";
    const pinnedCa = `supply_chain:\n  signatures:\n    require: true\n    signers: [{ certificate_chain: ${CA} }]\n`;
    const second = await evaluate({
      files: chain.files,
      signature: chain.signature,
      attestations: null,
      policy: { text: pinnedCa, pinned: { [CA]: vectorFile("keys/ca-cert.pem") } },
    });
    expect(second.app.requestsTo("GET", `/repos/${OWNER}/${REPO}/contents/.github%2Fmodelgate%2Fca.pem`)).toHaveLength(
      1,
    );
    expect(second.body.output.text ?? second.body.output.summary).toContain(
      `models/fraud/model.sig: signed by a certificate chained to the CA in ${CA}`,
    );
  });
});
