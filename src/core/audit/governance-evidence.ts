import { reviewSource, type DocumentStanding } from "../governance/documents.js";
import { servingGaps } from "../governance/serving.js";
import type { AuditInput, AuditReport, GovernanceEvidence, ProvisionRow } from "./types.js";

interface KindEvidence {
  evidence: ProvisionRow["evidence"];
  findings: string[];
  current: boolean;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The evidence that moves the serving, permissions, disclosure and training provisions (docs/audit.md): present and
 * current for every model in service at the head, or not current at all.
 */
export function governanceEvidence(
  kind: "serving" | "permissions" | "disclosure-policy" | "training",
  input: AuditInput,
): KindEvidence {
  const inService = input.head.models.filter((m) => m.manifest.status !== "decommissioned");
  switch (kind) {
    case "serving": {
      const undeclared = inService.filter((m) => !m.manifest.serving);
      const exposed = inService.filter((m) => m.manifest.serving?.exposure === "public");
      const unprotected = exposed.filter((m) => servingGaps(m.manifest.serving!).length > 0);
      return {
        evidence: [
          {
            text: `${inService.length - undeclared.length} of ${count(inService.length, "model")} in service declare how they are served; ${exposed.length - unprotected.length} of ${count(exposed.length, "public model")} with a rate limit and authentication`,
            href: "#inventory",
          },
        ],
        findings: [
          ...undeclared.map((m) => `${m.path}: ${m.manifest.name} does not declare serving`),
          ...unprotected.map(
            (m) => `${m.path}: ${m.manifest.name} is public without ${servingGaps(m.manifest.serving!).join(" and ")}`,
          ),
        ],
        current: inService.length > 0 && undeclared.length === 0 && unprotected.length === 0,
      };
    }
    case "permissions": {
      const undeclared = inService.filter((m) => m.manifest.serving?.permissions === undefined);
      return {
        evidence: [
          {
            text: `${inService.length - undeclared.length} of ${count(inService.length, "model")} in service declare the permissions they hold (serving.permissions)`,
            href: "#inventory",
          },
        ],
        findings: undeclared.map((m) => `${m.path}: ${m.manifest.name} does not declare serving.permissions`),
        current: inService.length > 0 && undeclared.length === 0,
      };
    }
    case "disclosure-policy": {
      const found = input.governance?.disclosurePolicy;
      if (found)
        return {
          evidence: [{ text: `security policy published: ${found}`, href: "#governance" }],
          findings: [],
          current: true,
        };
      return {
        evidence: [],
        findings: ["no security policy GitHub would show (SECURITY.md in .github/, the root or docs/)"],
        current: false,
      };
    }
    case "training": {
      const training = input.governance?.training;
      if (!training) return { evidence: [], findings: [], current: false };
      return {
        evidence: [{ text: training.text, href: training.href ?? "#governance" }],
        findings: training.findings,
        current: training.current,
      };
    }
  }
}

/** "docs/plans/incident.md, reviewed 2026-11-20 (record of sec1 in governance/reviews.yaml at the audited commit), next due 2027-02-18; owner: security" */
export function documentEvidenceText(standing: DocumentStanding): string {
  const review = standing.review
    ? `reviewed ${standing.review.date} (${reviewSource(standing.review)})`
    : "not reviewed";
  return `${standing.document.path}, ${review}, next due ${standing.due ?? "now"}; owner: ${standing.document.owner_role}`;
}

/** The documents that name a provision: the current ones are its evidence, the others its findings. */
export function provisionDocuments(
  governance: GovernanceEvidence | undefined,
  provision: string,
): { evidence: ProvisionRow["evidence"]; findings: string[] } {
  const naming = (governance?.documents ?? []).filter((d) => d.provisions.includes(provision));
  return {
    evidence: naming
      .filter((d) => d.status === "current")
      .map((d) => ({ text: documentEvidenceText(d), href: "#governance" })),
    findings: naming.flatMap((d) => [...(d.status === "current" ? [] : [d.message]), ...d.refusedRecords]),
  };
}

/** The report's governance section (JSON and HTML). */
export function governanceSection(governance: GovernanceEvidence): NonNullable<AuditReport["governance"]> {
  return {
    documents: governance.documents.map((d) => ({
      path: d.document.path,
      provisions: d.provisions,
      status: d.status,
      message: d.message,
      ...(d.review ? { review: d.review } : {}),
      ...(d.due ? { due: d.due } : {}),
      ownerRole: d.document.owner_role,
    })),
    ...(governance.disclosurePolicy ? { disclosurePolicy: governance.disclosurePolicy } : {}),
  };
}
