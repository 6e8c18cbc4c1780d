import { createHash, X509Certificate } from "node:crypto";
import { X509Certificate as SigstoreCertificate } from "@sigstore/core";
import type { PinnedSigner } from "../policy/signatures-schema.js";
import {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  ellipticKey,
  parseSigstoreBundle,
  preAuthenticationEncoding,
  verifyDsseSignature,
  verifyKeyless,
} from "./sigstore.js";

export const MODEL_SIGNING_PREDICATE = "https://model_signing/signature/v1.0";
const BUNDLE_V03 = new Set([
  "application/vnd.dev.sigstore.bundle.v0.3+json",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
]);
const SHA256_HEX = /^[0-9a-f]{64}$/;
const CODE_SIGNING_EKU = "1.3.6.1.5.5.7.3.3";
const MAX_CHAIN_LENGTH = 10;

/** The PEM files the policy's signers name, read at the policy's branch; no text: the file was not found. */
export type PinnedFiles = ReadonlyMap<string, string | undefined>;

/** What a model signature that verified says: who signed, and which files with which SHA-256. */
export interface SignedModel {
  /** The pinned signer that matched, in words: "identity X (issuer Y)", "the key K", "a certificate chained to the CA in C". */
  signedBy: string;
  /** Signed file paths (relative to the signed folder) and their SHA-256. */
  resources: ReadonlyMap<string, string>;
  /** Paths the signature left out of the model: never signed, whatever the resources say. */
  ignorePaths: ReadonlyArray<string>;
}

export type SignatureCheck = { ok: true; model: SignedModel } | { ok: false; problem: string };

interface Envelope {
  payloadType: string;
  payload: Buffer;
  signature: Buffer;
}

/**
 * Verifies an OpenSSF model signature (Sigstore bundle v0.3 holding a DSSE envelope with an in-toto statement of
 * predicate https://model_signing/signature/v1.0) offline, against the signers the policy pins
 * (docs/supply-chain.md, "Model signatures"). Every input is hostile: any doubt is a problem, never a pass.
 */
export function verifyModelSignature(
  text: string,
  signers: ReadonlyArray<PinnedSigner>,
  pinnedFiles: PinnedFiles,
): SignatureCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail("it is not JSON (a model signature is a Sigstore bundle)");
  }
  if (!isRecord(json)) return fail("it is not a Sigstore bundle (a JSON object)");
  if (typeof json.mediaType !== "string" || !BUNDLE_V03.has(json.mediaType))
    return fail(`its media type ${JSON.stringify(json.mediaType)} is not a Sigstore bundle v0.3`);
  const envelope = readEnvelope(json.dsseEnvelope);
  if ("problem" in envelope) return fail(envelope.problem);
  const material = json.verificationMaterial;
  if (!isRecord(material)) return fail("it has no verification material");

  let signedBy: { by: string } | { problem: string };
  if ("x509CertificateChain" in material)
    signedBy = verifyChain(material.x509CertificateChain, envelope, signers, pinnedFiles);
  else if ("publicKey" in material) signedBy = verifyWithKey(envelope, signers, pinnedFiles);
  else if ("certificate" in material) signedBy = verifyKeylessModel(json, signers);
  else return fail("its verification material is neither a certificate, a public key nor a certificate chain");
  if ("problem" in signedBy) return fail(signedBy.problem);

  const statement = readStatement(envelope.payload);
  if ("problem" in statement) return fail(statement.problem);
  return { ok: true, model: { signedBy: signedBy.by, ...statement } };
}

function fail(problem: string): SignatureCheck {
  return { ok: false, problem };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64(value: unknown): Buffer | undefined {
  if (typeof value !== "string" || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  return Buffer.from(value, "base64");
}

/** The DSSE envelope: an in-toto payload and exactly one signature (a second one would be a second signer to judge). */
function readEnvelope(value: unknown): Envelope | { problem: string } {
  if (!isRecord(value)) return { problem: "it holds no DSSE envelope (a model signature signs an in-toto statement)" };
  if (value.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { problem: `its payload type ${JSON.stringify(value.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}` };
  const payload = base64(value.payload);
  if (!payload) return { problem: "its DSSE payload is not base64" };
  const signatures = value.signatures;
  if (!Array.isArray(signatures) || signatures.length !== 1)
    return {
      problem: `its DSSE envelope holds ${Array.isArray(signatures) ? signatures.length : "no list of"} signatures: a model signature holds exactly one`,
    };
  const signature = isRecord(signatures[0]) ? base64(signatures[0].sig) : undefined;
  if (!signature || signature.length === 0) return { problem: "its DSSE signature is not base64" };
  return { payloadType: value.payloadType, payload, signature };
}

function pinsOf<K extends "public_key" | "certificate_chain">(signers: ReadonlyArray<PinnedSigner>, key: K): string[] {
  return signers.flatMap((signer) => (key in signer ? [(signer as Record<K, string>)[key]] : []));
}

/** Keyless (Sigstore): the bundle verifies against the shipped public-good root; its issuer and identity are pinned. */
function verifyKeylessModel(json: unknown, signers: ReadonlyArray<PinnedSigner>): { by: string } | { problem: string } {
  const parsed = parseSigstoreBundle(json);
  if ("problem" in parsed) return parsed;
  const verified = verifyKeyless(parsed.bundle);
  if ("problem" in verified) return verified;
  const { issuer, identity } = verified.signer;
  const who = `identity ${identity ?? "(none)"} (issuer ${issuer ?? "(none)"})`;
  const pinned = signers.some(
    (signer) => "issuer" in signer && signer.issuer === issuer && signer.identity === identity,
  );
  if (!pinned) return { problem: `it is signed by ${who}, which is not pinned in supply_chain.signatures.signers` };
  return { by: who };
}

/** A bare key: the DSSE signature verifies with one of the pinned public keys (ECDSA, the hash of its curve). */
function verifyWithKey(
  envelope: Envelope,
  signers: ReadonlyArray<PinnedSigner>,
  pinnedFiles: PinnedFiles,
): { by: string } | { problem: string } {
  const paths = pinsOf(signers, "public_key");
  if (paths.length === 0) return { problem: "it is signed with a bare key, and the policy pins no public_key" };
  const pae = preAuthenticationEncoding(envelope.payloadType, envelope.payload);
  const unread: string[] = [];
  for (const path of paths) {
    const pem = pinnedFiles.get(path);
    const key = pem === undefined ? undefined : ellipticKey(pem);
    if (!key) {
      unread.push(path);
      continue;
    }
    if (verifyDsseSignature(key, pae, envelope.signature)) return { by: `the key ${path}` };
  }
  const notRead = unread.length > 0 ? ` (${unread.join(", ")}: not found or not an elliptic-curve public key)` : "";
  return { problem: `its signature does not verify with any pinned public_key${notRead}` };
}

/**
 * A certificate chain (model_signing's `certificate` mode): the leaf, through the bundle's intermediates, is issued by
 * a CA of a pinned bundle; every certificate is valid when the leaf became valid (the only time this mode records, as
 * model_signing checks it) and may sign what it signs; the DSSE signature verifies with the leaf's key.
 */
function verifyChain(
  value: unknown,
  envelope: Envelope,
  signers: ReadonlyArray<PinnedSigner>,
  pinnedFiles: PinnedFiles,
): { by: string } | { problem: string } {
  const raw = isRecord(value) && Array.isArray(value.certificates) ? value.certificates : [];
  const chain: X509Certificate[] = [];
  for (const entry of raw) {
    const der = isRecord(entry) ? base64(entry.rawBytes) : undefined;
    const certificate = der ? parseDer(der) : undefined;
    if (!certificate) return { problem: "its certificate chain holds something that is not a certificate" };
    chain.push(certificate);
  }
  const leaf = chain[0];
  if (!leaf || chain.length > MAX_CHAIN_LENGTH) return { problem: "its certificate chain is empty or too long" };
  const paths = pinsOf(signers, "certificate_chain");
  if (paths.length === 0)
    return { problem: "it is signed with a certificate chain, and the policy pins no certificate_chain" };
  if (!maySign(leaf))
    return { problem: "its signing certificate may not sign (no digital signature or code signing use)" };
  const key = ellipticKey(leaf.publicKey);
  const pae = preAuthenticationEncoding(envelope.payloadType, envelope.payload);
  if (!key || !verifyDsseSignature(key, pae, envelope.signature))
    return { problem: "its signature does not verify with its signing certificate's key" };
  const at = new Date(leaf.validFrom);
  for (const path of paths) {
    const anchors = parsePemCertificates(pinnedFiles.get(path));
    if (anchors.length === 0) continue;
    if (chainsTo(leaf, chain.slice(1), anchors, at)) return { by: `a certificate chained to the CA in ${path}` };
  }
  return {
    problem: `its certificate chain does not lead to a pinned CA (${paths.join(", ")}) with every certificate valid at ${at.toISOString()}`,
  };
}

function parseDer(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

function parsePemCertificates(pem: string | undefined): X509Certificate[] {
  if (pem === undefined) return [];
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

function validAt(certificate: X509Certificate, at: Date): boolean {
  return new Date(certificate.validFrom) <= at && at <= new Date(certificate.validTo);
}

/** A leaf may sign when it says so: key usage digital signature, or the code-signing extended key usage. */
function maySign(leaf: X509Certificate): boolean {
  if (leaf.keyUsage?.includes(CODE_SIGNING_EKU)) return true;
  try {
    return SigstoreCertificate.parse(leaf.raw).extKeyUsage?.digitalSignature === true;
  } catch {
    return false;
  }
}

/** A CA may issue certificates: basic constraints CA, key usage (when present) allows it, within its path length. */
function mayIssue(ca: X509Certificate, below: number): boolean {
  if (!ca.ca) return false;
  try {
    const parsed = SigstoreCertificate.parse(ca.raw);
    const usage = parsed.extKeyUsage;
    if (usage && !usage.keyCertSign) return false;
    const pathLength = parsed.extBasicConstraints?.pathLenConstraint;
    return pathLength === undefined || BigInt(below) <= pathLength;
  } catch {
    return false;
  }
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

function chainsTo(
  leaf: X509Certificate,
  intermediates: ReadonlyArray<X509Certificate>,
  anchors: ReadonlyArray<X509Certificate>,
  at: Date,
): boolean {
  if (!validAt(leaf, at)) return false;
  let current = leaf;
  // intermediates between the current certificate and the leaf: a CA's path length bounds them
  for (let below = 0; below <= intermediates.length; below++) {
    if (anchors.some((anchor) => issuedBy(current, anchor) && validAt(anchor, at) && mayIssue(anchor, below)))
      return true;
    const next = intermediates.find(
      (candidate) =>
        candidate !== current && issuedBy(current, candidate) && validAt(candidate, at) && mayIssue(candidate, below),
    );
    if (!next) return false;
    current = next;
  }
  return false;
}

/** The signed statement: model_signing v1.0, files serialised with SHA-256, resources consistent with the subject. */
function readStatement(payload: Buffer): Omit<SignedModel, "signedBy"> | { problem: string } {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString("utf8"));
  } catch {
    return { problem: "its signed payload is not JSON" };
  }
  if (!isRecord(statement) || statement._type !== IN_TOTO_STATEMENT_V1)
    return { problem: `its payload is not an in-toto statement v1` };
  if (statement.predicateType !== MODEL_SIGNING_PREDICATE)
    return {
      problem: `its predicate type ${JSON.stringify(statement.predicateType)} is not ${MODEL_SIGNING_PREDICATE}`,
    };
  const subjects = statement.subject;
  const subject = Array.isArray(subjects) && subjects.length === 1 ? subjects[0] : undefined;
  const subjectDigest = isRecord(subject) && isRecord(subject.digest) ? subject.digest.sha256 : undefined;
  if (typeof subjectDigest !== "string" || !SHA256_HEX.test(subjectDigest))
    return { problem: "its statement does not name exactly one subject with a sha256 digest" };
  const predicate = isRecord(statement.predicate) ? statement.predicate : {};
  const serialization = isRecord(predicate.serialization) ? predicate.serialization : {};
  if (serialization.method !== "files")
    return {
      problem: `its serialisation method ${JSON.stringify(serialization.method)} is not files (modelgate compares whole files)`,
    };
  if (serialization.hash_type !== "sha256")
    return { problem: `its hash type ${JSON.stringify(serialization.hash_type)} is not sha256` };
  const ignore = serialization.ignore_paths ?? [];
  if (!Array.isArray(ignore) || !ignore.every((path) => typeof path === "string"))
    return { problem: "its ignore_paths is not a list of paths" };
  // what an ignore path outside the folder leaves out cannot be told: such a signature is not judged
  const outside = ignore.find((path) => path.startsWith("/") || path.includes("\\") || path.split("/").includes(".."));
  if (outside !== undefined)
    return { problem: `its ignore_paths names ${JSON.stringify(outside)}, outside the signed folder` };
  if (!Array.isArray(predicate.resources)) return { problem: "its predicate lists no resources" };

  const resources = new Map<string, string>();
  const rootDigest = createHash("sha256");
  for (const resource of predicate.resources) {
    if (!isRecord(resource) || typeof resource.name !== "string")
      return { problem: "it lists a resource without a name" };
    const { name, digest, algorithm } = resource;
    if (algorithm !== "sha256" || typeof digest !== "string" || !SHA256_HEX.test(digest))
      return { problem: `its resource ${JSON.stringify(name)} has no sha256 digest` };
    if (!isSafeRelativePath(name)) return { problem: `it names an unsafe path ${JSON.stringify(name)}` };
    if (resources.has(name)) return { problem: `it lists ${JSON.stringify(name)} twice` };
    resources.set(name, digest);
    rootDigest.update(Buffer.from(digest, "hex"));
  }
  // model_signing's subject digest is the SHA-256 of every resource digest in order: a mismatch is an edited list
  if (rootDigest.digest("hex") !== subjectDigest)
    return { problem: "its subject digest does not match its resources (the list of signed files was altered)" };
  return { resources, ignorePaths: ignore.map((path) => stripDotSlash(path)) };
}

function stripDotSlash(path: string): string {
  return path.replace(/^(?:\.\/)+/, "").replace(/\/+$/, "");
}

/** A path inside the signed folder: relative, no empty, "." or ".." segment, no backslash or control character. */
function isSafeRelativePath(name: string): boolean {
  if (name.length === 0 || name.startsWith("/") || name.includes("\\")) return false;
  if (/\p{Cc}/u.test(name)) return false;
  return name.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** Whether ignore_paths leave a path (relative to the signed folder) out: the path itself or a folder above it. */
export function isIgnored(path: string, ignorePaths: ReadonlyArray<string>): boolean {
  return ignorePaths.some(
    (ignored) => ignored === "" || ignored === "." || path === ignored || path.startsWith(`${ignored}/`),
  );
}
