import { describe, expect, it } from "vitest";
import { verifyModelSignature } from "../../../src/core/supply-chain/model-signature.js";
import type { PinnedSigner } from "../../../src/core/policy/signatures-schema.js";
import { sha256 } from "../../fixtures/manifests.js";
import {
  KEYLESS_SIGNER,
  TEST_KEY_PEM,
  VECTOR_CA,
  VECTOR_KEY,
  pinned,
  signWithTestKey,
  statement,
  tampered,
  vector,
  vectorFile,
  type VectorMode,
} from "../../fixtures/model-signing.js";

const ALL_PINS: PinnedSigner[] = [KEYLESS_SIGNER, { public_key: VECTOR_KEY }, { certificate_chain: VECTOR_CA }];
const ALL_FILES = pinned(VECTOR_KEY, VECTOR_CA);

describe("the upstream model_signing v1.1.0 vectors verify offline", () => {
  it.each<[VectorMode, RegExp]>([
    ["sigstore", /^identity stefanb@us\.ibm\.com \(issuer https:\/\/sigstore\.verify\.ibm\.com\/oauth2\)$/],
    ["elliptic-key", /^the key keys\/signing-key-pub\.pem$/],
    ["certificate", /^a certificate chained to the CA in keys\/ca-cert\.pem$/],
  ])("%s: signed by the pinned signer, with its files and ignore_paths", (mode, signedBy) => {
    const { signature, files } = vector(mode);
    const check = verifyModelSignature(signature, ALL_PINS, ALL_FILES);
    expect(check.ok && check.model.signedBy).toMatch(signedBy);
    if (!check.ok) return;
    expect(Object.fromEntries(check.model.resources)).toEqual({
      "signme-1": sha256(files["signme-1"] ?? ""),
      "signme-2": sha256(files["signme-2"] ?? ""),
    });
    expect(check.model.ignorePaths).toContain("ignore-me");
  });

  it.each<VectorMode>(["sigstore", "elliptic-key", "certificate"])(
    "attack: %s: a tampered copy (a resource's digest changed, the list kept consistent) does not verify",
    (mode) => {
      const forged = tampered(vector(mode).signature, (s) => {
        const resources = (s.predicate as { resources: Array<{ digest: string }> }).resources;
        const first = resources[0];
        if (first) first.digest = sha256("evil weights");
        const rebuilt = statement(
          resources.map((r) => ({ name: (r as unknown as { name: string }).name, digest: r.digest })),
        );
        s.subject = rebuilt.subject;
      });
      const check = verifyModelSignature(forged, ALL_PINS, ALL_FILES);
      expect(check.ok).toBe(false);
      expect(!check.ok && check.problem).toMatch(/does not verify/);
    },
  );

  it("attack: a keyless signature by an identity that is not pinned", () => {
    const check = verifyModelSignature(
      vector("sigstore").signature,
      [{ issuer: KEYLESS_SIGNER.issuer, identity: "someone-else@us.ibm.com" }],
      new Map(),
    );
    expect(check).toEqual({
      ok: false,
      problem:
        "it is signed by identity stefanb@us.ibm.com (issuer https://sigstore.verify.ibm.com/oauth2), which is not pinned in supply_chain.signatures.signers",
    });
  });

  it("attack: the right identity from another issuer is not pinned", () => {
    const check = verifyModelSignature(
      vector("sigstore").signature,
      [{ issuer: "https://accounts.google.com", identity: KEYLESS_SIGNER.identity }],
      new Map(),
    );
    expect(!check.ok && check.problem).toMatch(/which is not pinned/);
  });

  it("attack: a bare-key signature checked with another key", () => {
    const check = verifyModelSignature(
      vector("elliptic-key").signature,
      [{ public_key: "other.pem" }],
      new Map([["other.pem", vectorFile("generated/other-key-pub.pem")]]),
    );
    expect(check).toEqual({ ok: false, problem: "its signature does not verify with any pinned public_key" });
  });

  it("attack: a certificate chain to a CA that takes the pinned CA's name with another key", () => {
    const check = verifyModelSignature(
      vector("certificate").signature,
      [{ certificate_chain: "imposter.pem" }],
      new Map([["imposter.pem", vectorFile("generated/imposter-root-ca.pem")]]),
    );
    expect(!check.ok && check.problem).toMatch(/^its certificate chain does not lead to a pinned CA \(imposter\.pem\)/);
  });

  it("a pinned key or CA file that was not found verifies nothing", () => {
    const key = verifyModelSignature(vector("elliptic-key").signature, [{ public_key: VECTOR_KEY }], new Map());
    expect(!key.ok && key.problem).toMatch(/not found or not an elliptic-curve public key/);
    const chain = verifyModelSignature(vector("certificate").signature, [{ certificate_chain: VECTOR_CA }], new Map());
    expect(chain.ok).toBe(false);
  });

  it("a signature of one mode is not accepted by pins of the other modes", () => {
    const keyOnly = verifyModelSignature(vector("sigstore").signature, [{ public_key: VECTOR_KEY }], ALL_FILES);
    expect(!keyOnly.ok && keyOnly.problem).toMatch(/which is not pinned/);
    const keylessOnly = verifyModelSignature(vector("elliptic-key").signature, [KEYLESS_SIGNER], ALL_FILES);
    expect(keylessOnly).toEqual({
      ok: false,
      problem: "it is signed with a bare key, and the policy pins no public_key",
    });
    const noChain = verifyModelSignature(vector("certificate").signature, [KEYLESS_SIGNER], ALL_FILES);
    expect(!noChain.ok && noChain.problem).toMatch(/pins no certificate_chain/);
  });
});

describe("hostile bundles (signed with a pinned test key, so only the content is wrong)", () => {
  const pins: PinnedSigner[] = [{ public_key: "test.pem" }];
  const files = new Map([["test.pem", TEST_KEY_PEM]]);
  const good = [
    { name: "weights/model.bin", digest: sha256("weights") },
    { name: "config.json", digest: sha256("config") },
  ];
  const cases: Array<{ name: string; bundle: string; problem: RegExp }> = [
    {
      name: "attack: a wrong predicate type",
      bundle: signWithTestKey(statement(good, { predicateType: "https://slsa.dev/provenance/v1" })),
      problem: /predicate type "https:\/\/slsa\.dev\/provenance\/v1" is not https:\/\/model_signing\/signature\/v1\.0/,
    },
    {
      name: "attack: a wrong payload type",
      bundle: signWithTestKey(statement(good), { payloadType: "application/json" }),
      problem: /payload type "application\/json" is not application\/vnd\.in-toto\+json/,
    },
    {
      name: "attack: a signature over the payload, not over its DSSE encoding (PAE mismatch)",
      bundle: signWithTestKey(statement(good), { signPayloadOnly: true }),
      problem: /does not verify with any pinned public_key/,
    },
    {
      name: "attack: a file listed twice (a second digest for one name)",
      bundle: signWithTestKey(statement([...good, { name: "weights/model.bin", digest: sha256("evil") }])),
      problem: /lists "weights\/model\.bin" twice/,
    },
    {
      name: "attack: a path traversal name",
      bundle: signWithTestKey(statement([{ name: "../other-model/model.bin", digest: sha256("weights") }])),
      problem: /unsafe path "\.\.\/other-model\/model\.bin"/,
    },
    {
      name: "attack: an absolute name",
      bundle: signWithTestKey(statement([{ name: "/weights/model.bin", digest: sha256("weights") }])),
      problem: /unsafe path/,
    },
    {
      name: "attack: extra signatures in the envelope",
      bundle: signWithTestKey(statement(good), { signatures: 2 }),
      problem: /holds 2 signatures: a model signature holds exactly one/,
    },
    {
      name: "attack: a resource list that does not hash to the subject (an edited list re-signed elsewhere)",
      bundle: signWithTestKey({ ...statement(good), subject: statement([good[0]!]).subject }),
      problem: /subject digest does not match its resources/,
    },
    {
      name: "a serialisation by shards is not compared",
      bundle: signWithTestKey(
        statement(good, {
          predicate: { serialization: { method: "shards", hash_type: "sha256", shard_size: 1000 }, resources: [] },
        }),
      ),
      problem: /serialisation method "shards" is not files/,
    },
    {
      name: "a digest algorithm other than sha256",
      bundle: signWithTestKey(statement([{ name: "a", digest: sha256("a"), algorithm: "blake2" }])),
      problem: /resource "a" has no sha256 digest/,
    },
    {
      name: "attack: an ignore path outside the folder (what it leaves out cannot be told)",
      bundle: signWithTestKey(
        statement(good, {
          predicate: {
            serialization: { method: "files", hash_type: "sha256", ignore_paths: ["/home/runner/model/weights"] },
            resources: good.map((r) => ({ algorithm: "sha256", ...r })),
          },
        }),
      ),
      problem: /ignore_paths names "\/home\/runner\/model\/weights", outside the signed folder/,
    },
    { name: "not JSON", bundle: "model signature", problem: /is not JSON/ },
    {
      name: "a bundle of another version",
      bundle: JSON.stringify({
        ...JSON.parse(signWithTestKey(statement(good))),
        mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
      }),
      problem: /is not a Sigstore bundle v0\.3/,
    },
  ];
  it.each(cases)("$name", ({ bundle, problem }) => {
    const check = verifyModelSignature(bundle, pins, files);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(problem);
  });

  it("the well-formed bundle of the same key verifies (the cases above fail for their own reason)", () => {
    const check = verifyModelSignature(signWithTestKey(statement(good)), pins, files);
    expect(check.ok && Object.fromEntries(check.model.resources)).toEqual({
      "weights/model.bin": sha256("weights"),
      "config.json": sha256("config"),
    });
  });
});
