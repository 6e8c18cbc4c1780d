import nock from "nock";
import { describe, expect, test } from "vitest";
import { BOM_ASSET_NAME, RELEASE_CHECK_NAME } from "../../src/handlers/release.js";
import { FakeRepository, GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha } from "../fixtures/git-objects.js";
import { modelFiles, sha256 } from "../fixtures/manifests.js";
import { servePolicy, type CheckRunBody } from "../helpers/serve-github.js";
import { serveBranchHead, serveReleases, serveTag } from "../helpers/serve-releases.js";
import { APP_ID, createTestApp, INSTALLATION_ID, serveInstallationToken, type TestApp } from "../helpers/test-app.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import { releaseEvent, releaseResource, type ReleaseFixture } from "../fixtures/payloads/lifecycle.js";
import { KEYLESS_SIGNER, vector, vectorFile, VECTOR_KEY } from "../fixtures/model-signing.js";

const TAGGED_COMMIT = commitSha("signed v1.0.0");
const API = `/repos/${OWNER}/${REPO}`;
const CURRENT: ReleaseFixture = { id: 301, tag: "v1.0.0", body: "First model" };
const KEY_PATH = ".github/modelgate/signing-key.pub";
const MANIFEST = "models/fraud/model.yaml";

/** A new model of the upstream vector's files, evaluated, with `model.sig` in its folder (as in model-signatures.test.ts). */
function signedModel(files: Record<string, string>, signature: string): Record<string, string> {
  // the first file stands for the weights (the vector's files are plain text, committed as they are)
  const components = Object.fromEntries(
    Object.entries(files).map(([path, text], i) => [
      path,
      { kind: i === 0 ? ("weights" as const) : ("config" as const), text },
    ]),
  );
  const model = modelFiles({ dir: "models/fraud", name: "fraud", version: "1.0.0", components });
  return { ...(model.files as Record<string, string>), "models/fraud/model.sig": signature };
}

/** Signatures required from the pinned signer; no approvals, so the signature alone decides the release. */
function policyPinning(signer: string): string {
  return [
    "gates:",
    "  new_model: { approvals: [] }",
    "supply_chain:",
    "  signatures:",
    "    require: true",
    `    signers: [${signer}]`,
    "",
  ].join("\n");
}

/** The first release published at TAGGED_COMMIT (no baseline) and judged; returns the release check run it created. */
async function publish(
  app: TestApp,
  story: { files: Record<string, string>; policy: string; pinned: Record<string, string> },
): Promise<CheckRunBody> {
  serveInstallationToken();
  nock(GITHUB_API).get(`${API}/releases/${CURRENT.id}`).reply(200, releaseResource(CURRENT));
  serveTag(OWNER, REPO, CURRENT.tag, TAGGED_COMMIT);
  servePolicy(OWNER, REPO, "main", story.policy);
  serveReleases(OWNER, REPO, [CURRENT]);
  new FakeRepository({ owner: OWNER, repo: REPO, commits: [{ sha: TAGGED_COMMIT, files: story.files }] })
    .serveTree(TAGGED_COMMIT)
    .serveContents();
  serveBranchHead(OWNER, REPO, "main", TAGGED_COMMIT);
  // the pinned files, read at the default branch (the policy's), never at the tag
  for (const [path, pem] of Object.entries(story.pinned)) {
    nock(GITHUB_API)
      .get(`${API}/contents/${encodeURIComponent(path)}`)
      .query({ ref: "main" })
      .reply(200, { type: "file", path, encoding: "base64", content: Buffer.from(pem).toString("base64") });
  }
  nock(GITHUB_API)
    .get(`${API}/commits/${TAGGED_COMMIT}/check-runs`)
    .query({ check_name: RELEASE_CHECK_NAME, filter: "latest", app_id: String(APP_ID), per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] });
  nock(GITHUB_API).post(`${API}/check-runs`).reply(201, { id: 8301 });
  nock(GITHUB_API).patch(`${API}/releases/${CURRENT.id}`).reply(200, {});
  nock("https://uploads.github.com")
    .post(`${API}/releases/${CURRENT.id}/assets`)
    .query({ name: BOM_ASSET_NAME })
    .reply(201, { id: 9301, name: BOM_ASSET_NAME });
  await app.receive(releaseEvent("published", CURRENT, INSTALLATION_ID));
  const creates = app.requestsTo("POST", `${API}/check-runs`);
  expect(creates).toHaveLength(1);
  return creates[0]!.body as CheckRunBody;
}

/** The `signature` requirement of the release check run's decision record. */
function signatureRequirement(run: CheckRunBody): Record<string, unknown> | undefined {
  const json = /```json\n([\s\S]*?)\n```/.exec(run.output.text ?? "")?.[1] ?? "{}";
  const record = JSON.parse(json) as { models?: Array<{ requirements: Array<Record<string, unknown>> }> };
  return record.models?.[0]?.requirements.find((r) => r["id"] === "signature");
}

const elliptic = vector("elliptic-key");
const keyPinned = {
  policy: policyPinning(`{ public_key: ${KEY_PATH} }`),
  pinned: { [KEY_PATH]: vectorFile(VECTOR_KEY) },
};

describe("model signatures in the release gate", () => {
  test("a release whose model is signed with the pinned bare key: signature met, the key read at the default branch", async () => {
    const app = await createTestApp();
    const run = await publish(app, { files: signedModel(elliptic.files, elliptic.signature), ...keyPinned });

    expect(app.requestsTo("GET", new RegExp(`^${API}/contents/\\.github%2Fmodelgate%2Fsigning-key\\.pub`))).toEqual([
      expect.objectContaining({ path: `${API}/contents/.github%2Fmodelgate%2Fsigning-key.pub?ref=main` }),
    ]);
    expect(signatureRequirement(run)).toEqual({
      id: "signature",
      status: "met",
      message: `models/fraud/model.sig: signed by the key ${KEY_PATH}; every file of the model's folder is among the signed files with the same digest`,
      provision: "5.2.3-1, 5.2.4-1.2",
      path: MANIFEST,
      line: 1,
    });
    expect(run.conclusion).toBe("success");
  });

  test("attack: a release whose weights changed after signing fails `signature`, naming the file whose digest differs", async () => {
    const app = await createTestApp();
    const changed = { ...elliptic.files, "signme-1": `${elliptic.files["signme-1"]}poisoned` };
    const run = await publish(app, { files: signedModel(changed, elliptic.signature), ...keyPinned });

    expect(signatureRequirement(run)).toEqual({
      id: "signature",
      status: "failed",
      message: `models/fraud/model.sig (signed by the key ${KEY_PATH}): signme-1: digest differs (signed ${sha256(elliptic.files["signme-1"]!)}, the file is ${sha256(changed["signme-1"])})`,
      provision: "5.2.3-1, 5.2.4-1.2",
      path: MANIFEST,
      line: 1,
    });
    expect(run.conclusion).toBe("failure");
  });

  test("attack: a release whose policy pins a keyless identity the bundle was not signed by fails `signature`", async () => {
    const app = await createTestApp();
    const keyless = vector("sigstore");
    const other = { issuer: KEYLESS_SIGNER.issuer, identity: "mallory@us.ibm.com" };
    const run = await publish(app, {
      files: signedModel(keyless.files, keyless.signature),
      policy: policyPinning(`{ issuer: "${other.issuer}", identity: "${other.identity}" }`),
      pinned: {},
    });

    // an identity pins no file: nothing but the policy is read from the default branch
    expect(app.requestsTo("GET", new RegExp(`^${API}/contents/\\.github%2Fmodelgate%2F`))).toEqual([]);
    expect(signatureRequirement(run)).toEqual({
      id: "signature",
      status: "failed",
      message: `models/fraud/model.sig: it is signed by identity ${KEYLESS_SIGNER.identity} (issuer ${KEYLESS_SIGNER.issuer}), which is not pinned in supply_chain.signatures.signers`,
      provision: "5.2.3-1, 5.2.4-1.2",
      path: MANIFEST,
      line: 1,
    });
    expect(run.conclusion).toBe("failure");
  });
});
