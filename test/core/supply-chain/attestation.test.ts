import { describe, expect, it } from "vitest";
import { judgeAttestation, verifyAttestation } from "../../../src/core/supply-chain/attestation.js";
import { buildProvenanceRequirements } from "../../../src/core/evaluate/build-provenance-requirements.js";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import type { KeylessSigner } from "../../../src/core/supply-chain/sigstore.js";
import { lfsPointer, sha256, snapshot, testPolicy } from "../../fixtures/manifests.js";
import { vector, vectorFile } from "../../fixtures/model-signing.js";

const DIGEST = sha256("weights v2");
const WORKFLOW = "acme/models/.github/workflows/train.yml@refs/heads/main";
const actions: KeylessSigner = {
  issuer: "https://token.actions.githubusercontent.com",
  identity: `https://github.com/${WORKFLOW}`,
  buildSignerUri: `https://github.com/${WORKFLOW}`,
};
const provenance = (overrides: Record<string, unknown> = {}) => ({
  _type: "https://in-toto.io/Statement/v1",
  subject: [{ name: "model.safetensors", digest: { sha256: DIGEST } }],
  predicateType: "https://slsa.dev/provenance/v1",
  predicate: { buildDefinition: {}, runDetails: {} },
  ...overrides,
});

describe("judgeAttestation: what a verified attestation must say", () => {
  it("SLSA provenance v1 about the digest, signed by a named workflow through GitHub Actions", () => {
    expect(judgeAttestation(provenance(), actions, DIGEST, [WORKFLOW])).toEqual({ ok: true, workflow: WORKFLOW });
  });
  const cases: Array<{ name: string; statement: unknown; signer?: KeylessSigner; problem: string }> = [
    {
      name: "attack: another predicate (an SBOM attestation)",
      statement: provenance({ predicateType: "https://spdx.dev/Document/v2.3" }),
      problem: 'its predicate type "https://spdx.dev/Document/v2.3" is not SLSA provenance v1',
    },
    {
      name: "attack: provenance of other bytes",
      statement: provenance({ subject: [{ name: "x", digest: { sha256: sha256("other") } }] }),
      problem: `it is not about sha256:${DIGEST}`,
    },
    {
      name: "attack: signed by a workflow the policy does not name (a branch other than main)",
      statement: provenance(),
      signer: {
        ...actions,
        buildSignerUri: "https://github.com/acme/models/.github/workflows/train.yml@refs/heads/dev",
      },
      problem:
        "its signer workflow acme/models/.github/workflows/train.yml@refs/heads/dev is not in supply_chain.provenance.workflows",
    },
    {
      name: "attack: the workflow URI from another OIDC issuer",
      statement: provenance(),
      signer: { ...actions, issuer: "https://accounts.google.com" },
      problem: "it was not signed by GitHub Actions (issuer https://accounts.google.com)",
    },
    {
      name: "not an in-toto statement",
      statement: { hello: 1 },
      problem: "its payload is not an in-toto statement v1",
    },
  ];
  it.each(cases)("$name", ({ statement, signer, problem }) => {
    expect(judgeAttestation(statement, signer ?? actions, DIGEST, [WORKFLOW])).toEqual({ ok: false, problem });
  });
});

describe("verifyAttestation: the bundle verifies offline first", () => {
  it("attack: a real public-good bundle that is not build provenance (a model signature) does not count", () => {
    const check = verifyAttestation(JSON.parse(vector("sigstore").signature), DIGEST, [WORKFLOW]);
    expect(check).toEqual({
      ok: false,
      problem: 'its predicate type "https://model_signing/signature/v1.0" is not SLSA provenance v1',
    });
  });
  it("a private repository's attestation (GitHub's own Sigstore instance) cannot be verified: fails closed", () => {
    const bundle = JSON.parse(vectorFile("generated/github-private-instance.sigstore.json"));
    expect(verifyAttestation(bundle, DIGEST, [WORKFLOW])).toEqual({
      ok: false,
      problem: "cannot verify: GitHub's private trust root not configured",
    });
  });
  it("attack: a bundle whose signature is not Sigstore's does not verify", () => {
    const bundle = JSON.parse(vector("sigstore").signature);
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(provenance())).toString("base64");
    const check = verifyAttestation(bundle, DIGEST, [WORKFLOW]);
    expect(!check.ok && check.problem).toMatch(/does not verify against Sigstore's public-good trusted root/);
  });
  it("something that is not a bundle", () => {
    expect(verifyAttestation({ mediaType: "x" }, DIGEST, [WORKFLOW]).ok).toBe(false);
  });
});

describe("provenance:<path> requirements", () => {
  const text = `name: fraud\nversion: 2.0.0\ncomponents:\n  - path: weights/model.safetensors\n    kind: weights\n    sha256: ${DIGEST}\n  - path: config.json\n    kind: config\n    sha256: ${sha256("{}")}\n`;
  const loaded = (() => {
    const result = loadManifest("models/fraud/model.yaml", text);
    if (!result.ok) throw new Error("invalid");
    return result.loaded;
  })();
  const head = snapshot({
    "models/fraud/model.yaml": text,
    "models/fraud/weights/model.safetensors": lfsPointer("weights v2"),
    "models/fraud/config.json": "{}",
  });
  const policy = (require: boolean, workflows: string[] = [WORKFLOW]) =>
    testPolicy({ supply_chain: { provenance: { require, workflows } } });
  const judge = (require: boolean, attestations?: unknown[], workflows?: string[]) =>
    buildProvenanceRequirements(policy(require, workflows), loaded, head, {
      pinnedFiles: new Map(),
      ...(attestations ? { attestations: new Map([[DIGEST, attestations]]) } : {}),
    });

  it("offline (GitHub not asked): not checked, pending, never met — only weights components", () => {
    expect(judge(true)).toEqual([
      {
        id: "provenance:weights/model.safetensors",
        status: "pending",
        message: "not checked: build provenance is read from GitHub's attestations API, which was not asked (offline)",
        provision: "5.2.3-1, 5.2.4-1.2",
        path: "models/fraud/model.yaml",
        line: 4,
      },
    ]);
  });
  it("attack: no attestation of the weights fails when required", () => {
    expect(judge(true, [])[0]).toMatchObject({
      status: "failed",
      message: expect.stringMatching(/^no attestation of sha256:/),
    });
  });
  it("attack: attestations that do not count fail, and say why", () => {
    const [requirement] = judge(false, [JSON.parse(vector("sigstore").signature), { mediaType: "x" }]);
    expect(requirement?.status).toBe("failed");
    expect(requirement?.message).toMatch(
      /^none of the 2 attestations of sha256:[0-9a-f]{64} counts: .*is not SLSA provenance v1/,
    );
  });
  it("not required and no workflows named: not checked at all; required without attestations read nothing more", () => {
    expect(judge(false, undefined, [])).toEqual([]);
    expect(judge(false, [])).toEqual([]);
  });
});
