import type { Bundle } from "@sigstore/bundle";
import { parseSigstoreBundle, verifyKeyless, IN_TOTO_STATEMENT_V1, type KeylessSigner } from "./sigstore.js";

export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
const GITHUB = "https://github.com/";

export type AttestationCheck = { ok: true; workflow: string } | { ok: false; problem: string };

/**
 * One GitHub artifact attestation of a weights file (docs/supply-chain.md, "Build provenance"): the bundle verifies
 * offline against the shipped public-good root, and judgeAttestation accepts what it says.
 */
export function verifyAttestation(bundle: unknown, sha256: string, workflows: ReadonlyArray<string>): AttestationCheck {
  const parsed = parseSigstoreBundle(bundle);
  if ("problem" in parsed) return { ok: false, problem: parsed.problem };
  const envelope = parsed.bundle.content.$case === "dsseEnvelope" ? parsed.bundle.content.dsseEnvelope : undefined;
  if (!envelope) return { ok: false, problem: "it is not a DSSE envelope (an attestation signs an in-toto statement)" };
  const verified = verifyKeyless(parsed.bundle);
  if ("problem" in verified) {
    // a private repository's attestations are signed by GitHub's own Sigstore instance, whose root modelgate lacks
    if (issuedByGitHub(parsed.bundle))
      return { ok: false, problem: "cannot verify: GitHub's private trust root not configured" };
    return { ok: false, problem: verified.problem };
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString("utf8"));
  } catch {
    return { ok: false, problem: "its payload is not JSON" };
  }
  return judgeAttestation(statement, verified.signer, sha256, workflows);
}

function issuedByGitHub(bundle: Bundle): boolean {
  const content = bundle.verificationMaterial.content;
  let certificate: { rawBytes: Buffer } | undefined;
  if (content.$case === "certificate") certificate = content.certificate;
  else if (content.$case === "x509CertificateChain") certificate = content.x509CertificateChain.certificates[0];
  if (!certificate) return false;
  // the issuer's organisation name, as DER text: GitHub's Fulcio is "GitHub, Inc."
  return Buffer.from(certificate.rawBytes).includes(Buffer.from("GitHub, Inc.", "utf8"));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a verified attestation must say: an in-toto statement of SLSA provenance v1 about this digest, signed by GitHub
 * Actions from a workflow the policy names (`owner/repo/.github/workflows/<file>@<ref>`).
 */
export function judgeAttestation(
  statement: unknown,
  signer: KeylessSigner,
  sha256: string,
  workflows: ReadonlyArray<string>,
): AttestationCheck {
  if (!isRecord(statement) || statement._type !== IN_TOTO_STATEMENT_V1)
    return { ok: false, problem: "its payload is not an in-toto statement v1" };
  if (statement.predicateType !== SLSA_PROVENANCE_V1)
    return {
      ok: false,
      problem: `its predicate type ${JSON.stringify(statement.predicateType)} is not SLSA provenance v1`,
    };
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  const aboutThis = subjects.some((s) => isRecord(s) && isRecord(s.digest) && s.digest.sha256 === sha256);
  if (!aboutThis) return { ok: false, problem: `it is not about sha256:${sha256}` };
  if (signer.issuer !== GITHUB_ACTIONS_ISSUER)
    return { ok: false, problem: `it was not signed by GitHub Actions (issuer ${signer.issuer ?? "(none)"})` };
  const uri = signer.buildSignerUri ?? signer.identity;
  if (uri === undefined || !uri.startsWith(GITHUB))
    return { ok: false, problem: "its certificate names no signer workflow" };
  const workflow = uri.slice(GITHUB.length);
  if (!workflows.includes(workflow))
    return { ok: false, problem: `its signer workflow ${workflow} is not in supply_chain.provenance.workflows` };
  return { ok: true, workflow };
}
