import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial, type Signer } from "@sigstore/verify";
import publicGoodRoot from "./sigstore-trusted-root.json" with { type: "json" };

/**
 * Sigstore's public-good trusted root (Fulcio CAs, Rekor and CT log keys, the timestamp authority), as TUF published it
 * (the seed of @sigstore/tuf 4). Shipped with modelgate so that keyless signatures verify offline
 * (docs/supply-chain.md, "Model signatures").
 */
let verifier: Verifier | undefined;

/** The one verifier of keyless bundles: one transparency-log entry, one CT log SCT, one trusted time, all required. */
function publicGoodVerifier(): Verifier {
  verifier ??= new Verifier(toTrustMaterial(TrustedRoot.fromJSON(publicGoodRoot)), {
    tlogThreshold: 1,
    ctlogThreshold: 1,
    timestampThreshold: 1,
  });
  return verifier;
}

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/** A keyless bundle that verified: who the Fulcio certificate names, and the statement it signs. */
export interface KeylessSigner {
  issuer: string | undefined;
  identity: string | undefined;
  /** Fulcio's Build Signer URI (OID 1.3.6.1.4.1.57264.1.9), for GitHub Actions the workflow that signed. */
  buildSignerUri: string | undefined;
}

const BUILD_SIGNER_URI_OID = "1.3.6.1.4.1.57264.1.9";

/** Parses a bundle as @sigstore/bundle does (its own checks of shape and version), or says why it is not one. */
export function parseSigstoreBundle(json: unknown): { bundle: Bundle } | { problem: string } {
  try {
    return { bundle: bundleFromJSON(json) };
  } catch (error) {
    return { problem: `it is not a valid Sigstore bundle (${(error as Error).message})` };
  }
}

/**
 * Verifies a keyless bundle offline against the shipped public-good root: the certificate chains to Fulcio, its SCT,
 * the transparency-log entry (inclusion and that it records this signature), the signature over the DSSE envelope.
 */
export function verifyKeyless(bundle: Bundle): { signer: KeylessSigner } | { problem: string } {
  let signer: Signer;
  try {
    signer = publicGoodVerifier().verify(toSignedEntity(bundle));
  } catch (error) {
    return { problem: `it does not verify against Sigstore's public-good trusted root (${(error as Error).message})` };
  }
  const oids = signer.identity?.oids ?? [];
  const buildSigner = oids.find((pair) => pair.oid?.id.join(".") === BUILD_SIGNER_URI_OID)?.value;
  return {
    signer: {
      issuer: signer.identity?.extensions?.issuer,
      identity: signer.identity?.subjectAlternativeName,
      buildSignerUri: buildSigner ? derUtf8String(buildSigner) : undefined,
    },
  };
}

/** The text of a DER UTF8String (tag 12, short or long length), as Fulcio encodes its newer extensions. */
function derUtf8String(der: Buffer): string | undefined {
  if (der.length < 2 || der[0] !== 0x0c) return undefined;
  let length = der[1] ?? 0;
  let start = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 2 || der.length < 2 + bytes) return undefined;
    length = der.readUIntBE(2, bytes);
    start = 2 + bytes;
  }
  if (start + length !== der.length) return undefined;
  return der.subarray(start).toString("utf8");
}

/** DSSE's pre-authentication encoding: what a DSSE signature signs (the payload type and payload, length-prefixed). */
export function preAuthenticationEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${payload.length} `, "utf8"),
    payload,
  ]);
}

/** The hash model_signing signs with for an elliptic-curve key: the one that matches its curve. */
const HASH_OF_CURVE: Record<string, string> = { prime256v1: "sha256", secp384r1: "sha384", secp521r1: "sha512" };

/** Reads a PEM public key (or certificate's key); undefined when it is not an elliptic-curve key model_signing uses. */
export function ellipticKey(pem: string | KeyObject): KeyObject | undefined {
  try {
    const key = typeof pem === "string" ? createPublicKey(pem) : pem;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return key.asymmetricKeyType === "ec" && curve !== undefined && curve in HASH_OF_CURVE ? key : undefined;
  } catch {
    return undefined;
  }
}

/** An ECDSA (DER) signature over the DSSE encoding, with the hash of the key's curve (P-384 signs with SHA-384). */
export function verifyDsseSignature(key: KeyObject, pae: Buffer, signature: Buffer): boolean {
  const hash = HASH_OF_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ""];
  if (hash === undefined) return false;
  try {
    return verify(hash, pae, { key, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}
