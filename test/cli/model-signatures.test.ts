import { afterEach, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { TestRepo, runModelgate } from "./git-repo.js";
import { declaredHash, lfsPointer, modelFiles, type ModelSpec } from "./model-fixtures.js";
import type { CheckJson } from "../../src/cli/check-json.js";
import { TEST_KEY_PEM, signWithTestKey, statement, vector } from "../fixtures/model-signing.js";

const KEY_PATH = ".github/modelgate/signing-key.pub";
const POLICY = [
  "supply_chain:",
  "  signatures:",
  "    require: true",
  `    signers: [{ public_key: ${KEY_PATH} }]`,
  "  provenance:",
  "    require: true",
  '    workflows: ["acme/models/.github/workflows/train.yml@refs/heads/main"]',
  "",
].join("\n");

const FRAUD: ModelSpec = {
  dir: "models/fraud",
  name: "fraud-detector",
  version: "1.0.0",
  components: [
    { path: "weights/model.safetensors", kind: "weights", content: lfsPointer("fraud weights v1") },
    { path: "prompts/system.txt", kind: "prompt", content: "You flag fraudulent transactions.\n" },
  ],
};
const SIGNED = statement(FRAUD.components.map((c) => ({ name: c.path, digest: declaredHash(c.content) })));

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

/** main holds the policy and the pinned key; the branch `change` adds the model with `signature` as its model.sig. */
function repoAddingModel(spec: ModelSpec, signature: string | undefined, extra: Record<string, string> = {}): TestRepo {
  const repo = TestRepo.create();
  repos.push(repo);
  repo.write({ ".github/modelgate.yml": POLICY, [KEY_PATH]: TEST_KEY_PEM, "README.txt": "project\n" }).commit("policy");
  repo.branch("change").write(modelFiles(spec)).write(extra);
  if (signature !== undefined) repo.write({ [`${spec.dir}/model.sig`]: signature });
  repo.commit("fraud-detector 1.0.0");
  return repo;
}

async function check(repo: TestRepo, args: string[] = [], env: Record<string, string> = {}) {
  const run = await runModelgate(["check", "--json", "--base", "main", ...args], repo.dir, env);
  if (run.code === 2) return { code: run.code, json: undefined as unknown as CheckJson, stderr: run.stderr };
  return { code: run.code, json: JSON.parse(run.stdout) as CheckJson, stderr: run.stderr };
}

function requirement(json: CheckJson, id: string) {
  return json.models[0]?.requirements.find((r) => r.id === id);
}

describe("modelgate check: model signatures and build provenance (offline)", () => {
  it("a model signed with the pinned key: signature met; provenance not checked offline (pending, never met)", async () => {
    const { code, json } = await check(repoAddingModel(FRAUD, signWithTestKey(SIGNED)));
    expect(requirement(json, "signature")).toEqual({
      id: "signature",
      status: "met",
      message: `models/fraud/model.sig: signed by the key ${KEY_PATH}; every file of the model's folder is among the signed files with the same digest`,
      provision: "5.2.3-1, 5.2.4-1.2",
      path: "models/fraud/model.yaml",
      line: 1,
    });
    expect(requirement(json, "provenance:weights/model.safetensors")).toMatchObject({
      status: "pending",
      message: expect.stringMatching(/^not checked: build provenance is read from GitHub's attestations API/),
    });
    expect(json.verdict).toBe("action_required");
    expect(code).toBe(0);
  });

  it("attack: weights changed after signing fail, exit 1", async () => {
    const retrained: ModelSpec = {
      ...FRAUD,
      components: [{ ...FRAUD.components[0]!, content: lfsPointer("fraud weights, poisoned") }, FRAUD.components[1]!],
    };
    const { code, json } = await check(repoAddingModel(retrained, signWithTestKey(SIGNED)));
    expect(requirement(json, "signature")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("weights/model.safetensors: digest differs"),
    });
    expect(code).toBe(1);
  });

  it("attack: a missing signature fails when the policy requires one", async () => {
    const { code, json } = await check(repoAddingModel(FRAUD, undefined));
    expect(requirement(json, "signature")?.message).toMatch(/^no model signature/);
    expect(code).toBe(1);
  });

  it("attack: a change that commits its own key at the pinned path and signs with it fails (the key is read at base)", async () => {
    const own = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    const ownPem = own.publicKey.export({ type: "spki", format: "pem" }).toString();
    const repo = repoAddingModel(FRAUD, signWithTestKey(SIGNED, { privateKey: own.privateKey }), {
      [KEY_PATH]: ownPem,
    });
    const { code, json } = await check(repo);
    expect(requirement(json, "signature")).toMatchObject({
      status: "failed",
      message: "models/fraud/model.sig: its signature does not verify with any pinned public_key",
    });
    expect(code).toBe(1);
  });

  it("attack: a real keyless signature whose identity the policy does not pin", async () => {
    const upstream = vector("sigstore");
    const spec: ModelSpec = {
      dir: "models/fraud",
      name: "fraud-detector",
      version: "1.0.0",
      components: Object.entries(upstream.files).map(([path, content]) => ({ path, kind: "other", content })),
    };
    const { code, json } = await check(repoAddingModel(spec, upstream.signature));
    expect(requirement(json, "signature")?.message).toBe(
      "models/fraud/model.sig: it is signed by identity stefanb@us.ibm.com (issuer https://sigstore.verify.ibm.com/oauth2), which is not pinned in supply_chain.signatures.signers",
    );
    expect(code).toBe(1);
  });
});

describe("modelgate check --github OWNER/REPO: build provenance read from the attestations API (token in GITHUB_TOKEN)", () => {
  const WEIGHTS_DIGEST = declaredHash(FRAUD.components[0]!.content);
  const attestationsOf = (digest: string) =>
    nock("https://api.github.com")
      .matchHeader("authorization", "token test-token")
      .get(`/repos/acme/models/attestations/sha256%3A${digest}`)
      .query({ per_page: 100 });

  it("attack: no attestation of the weights: provenance fails, exit 1 (one request per weights digest)", async () => {
    const api = attestationsOf(WEIGHTS_DIGEST).reply(404, { message: "Not Found" });
    const { code, json } = await check(repoAddingModel(FRAUD, signWithTestKey(SIGNED)), ["--github", "acme/models"], {
      GITHUB_TOKEN: "test-token",
    });
    expect(api.isDone()).toBe(true);
    expect(requirement(json, "provenance:weights/model.safetensors")).toMatchObject({
      status: "failed",
      message: `no attestation of sha256:${WEIGHTS_DIGEST} in this repository: attest it with actions/attest-build-provenance in the workflow that builds it`,
    });
    expect(code).toBe(1);
  });

  it("attack: an attestation that is not build provenance does not count", async () => {
    attestationsOf(WEIGHTS_DIGEST).reply(200, {
      attestations: [{ bundle: JSON.parse(vector("sigstore").signature), repository_id: 1 }],
    });
    const { code, json } = await check(repoAddingModel(FRAUD, signWithTestKey(SIGNED)), ["--github", "acme/models"], {
      GITHUB_TOKEN: "test-token",
    });
    expect(requirement(json, "provenance:weights/model.safetensors")?.message).toMatch(
      /^none of the 1 attestations of sha256:[0-9a-f]{64} counts: its predicate type "https:\/\/model_signing\/signature\/v1\.0" is not SLSA provenance v1$/,
    );
    expect(code).toBe(1);
  });

  it("GitHub not answering stops the check (exit 2), and --github without a token is refused", async () => {
    attestationsOf(WEIGHTS_DIGEST).reply(500, { message: "boom" });
    const repo = repoAddingModel(FRAUD, signWithTestKey(SIGNED));
    const failed = await check(repo, ["--github", "acme/models"], { GITHUB_TOKEN: "test-token" });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(`could not read the attestations of sha256:${WEIGHTS_DIGEST} from acme/models`);
    const noToken = await check(repo, ["--github", "acme/models"], { GITHUB_TOKEN: "" });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("set GITHUB_TOKEN");
  });
});
