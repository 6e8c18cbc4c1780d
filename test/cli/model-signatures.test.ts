import { afterEach, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
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

async function check(repo: TestRepo): Promise<{ code: number; json: CheckJson }> {
  const run = await runModelgate(["check", "--json", "--base", "main"], repo.dir);
  return { code: run.code, json: JSON.parse(run.stdout) as CheckJson };
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
      message: `models/fraud/model.sig: signed by the key ${KEY_PATH}; every file of the model is among the signed files with the same digest`,
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
