/**
 * The example repository's governance records (docs/governance.md): its security policy, the plans and
 * policies `governance.documents` names with the provision each evidences, and how each model is served.
 * Each document says what an auditor would look for in it; the matrix names it with its review date.
 */

export const SECURITY_POLICY = `# Security policy

Report a vulnerability in our models or their serving APIs to security@example.org (PGP key on
https://example.org/security). We answer within 2 working days, agree a disclosure date with you,
and credit you unless you ask us not to. Model-specific issues (prompt injection, model inversion,
extraction through the scoring API) are in scope.
`;

export interface ExampleDocument {
  path: string;
  provision: string | string[];
  review_days: number;
  owner_role: string;
  fail_release?: true;
  /** As first written (120 days before the evaluation date). */
  text: string;
  /** The words changed at the review 25 days before the evaluation date; absent: not reviewed since. */
  reviewed?: string;
}

export const GOVERNANCE_DOCUMENTS: ExampleDocument[] = [
  {
    path: "docs/governance/disaster-recovery.md",
    provision: "5.2.1-3",
    review_days: 365,
    owner_role: "system_operator",
    text: "# Disaster recovery\n\nAn attack on a model (poisoned weights, a tampered prompt) is recovered by restoring the last released, evaluated digest (known good rollback). Weights are kept in two regions; restore is rehearsed each quarter.\n",
    reviewed: "Recovery time objective: 4 hours for scoring APIs.\n",
  },
  {
    path: "docs/governance/incident-response.md",
    provision: ["5.2.2-5", "5.3.1-3"],
    review_days: 180,
    owner_role: "security",
    fail_release: true,
    text: "# AI incident response\n\nTriggers: drift alerts, abuse of the scoring API, a disclosure report. The on-call security engineer leads; affected customers are told within 24 hours and supported by their account team until the incident closes.\n",
    reviewed: "Added: model extraction attempts detected by the rate limiter open an incident.\n",
  },
  {
    path: "docs/governance/contingency.md",
    provision: "5.4.1-1.1",
    review_days: 365,
    owner_role: "system_operator",
    text: "# Contingency when a model cannot be updated\n\nIf a fix cannot be shipped, the model is switched to rules-only scoring and customers are told which decisions need human review.\n",
  },
  {
    path: "docs/governance/risk-assessments/fraud-detector.md",
    provision: "5.1.2-1",
    review_days: 365,
    owner_role: "security",
    text: "# Risk assessment: fraud-detector\n\nBusiness need: flag card fraud before settlement. AI risks: evasion by fraudsters, poisoning through chargeback labels, extraction through the API. Mitigations: adversarial suite, label audits, rate limits and authentication on the API.\n",
    reviewed: "Reassessed for the transformer prompt: prompt injection added to the risks.\n",
  },
  {
    path: "docs/governance/ai-security-policy.md",
    provision: ["5.1.2-5.1", "5.1.3-1.3"],
    review_days: 365,
    owner_role: "security",
    text: "# AI security policy\n\nAnyone may report an AI security risk in #ai-security or to security@example.org, without blame. Risk tolerance: no model is released with an open high risk; medium risks need the security role's sign-off.\n",
  },
  {
    path: "docs/governance/suppliers.md",
    provision: ["5.1.2-7", "5.1.3-3"],
    review_days: 365,
    owner_role: "security",
    text: "# Supplier due diligence and assurance\n\nEvery provider of a model, dataset or hosting service is assessed before use; each year we obtain its security attestation (SOC 2 or ISO 27001) and its statement on AI-specific risks.\n",
  },
  {
    path: "docs/governance/access-control.md",
    provision: ["5.2.2-1", "5.2.2-3"],
    review_days: 180,
    owner_role: "system_operator",
    text: "# Access control\n\nModel registries, training pipelines and serving APIs are reached only through SSO with per-role groups. Training and tuning run in a separate cloud account from production, with no standing access.\n",
    reviewed: "Access reviews are quarterly; the last one removed 3 stale accounts.\n",
  },
  {
    path: "docs/governance/data-protection.md",
    provision: ["5.2.1-4", "5.2.1-4.2", "5.1.2-5"],
    review_days: 365,
    owner_role: "data_custodian",
    text: "# Data protection\n\nTraining and test data are classified (public, internal, confidential) and encrypted at rest; weights are confidential. Each model's intended use is checked against the classification of its training data before it is built.\n",
  },
  {
    path: "docs/governance/maintenance-plan.md",
    provision: "5.2.4-1",
    review_days: 180,
    owner_role: "developer",
    text: "# Design and maintenance plan\n\nEach model is retrained each quarter and re-evaluated before release; its design notes live beside its manifest.\n",
    reviewed: "Retraining moves to monthly for fraud-detector.\n",
  },
  {
    path: "docs/governance/privacy-notice.md",
    provision: "5.3.1-1",
    review_days: 365,
    owner_role: "data_custodian",
    text: "# Privacy notice (published at https://example.org/privacy/models)\n\nWhich transaction data our models use, who can access it, and how long it is stored.\n",
  },
  {
    path: "docs/governance/user-guide.md",
    provision: "5.3.1-2",
    review_days: 365,
    owner_role: "developer",
    text: "# Using the scoring APIs\n\nHow to call, configure and interpret each model's score; what it must not be used for.\n",
  },
  {
    path: "docs/governance/cloud-contracts.md",
    provision: "5.2.2-6",
    review_days: 365,
    owner_role: "system_operator",
    text: "# Cloud contracts\n\nOur hosting contract requires encryption, regional data residency, breach notice within 24 hours and deletion on exit.\n",
  },
  {
    // overdue on purpose: a whitespace-only commit 10 days ago does not renew its review
    path: "docs/governance/residual-risks.md",
    provision: "5.1.3-2",
    review_days: 90,
    owner_role: "security",
    text: "# Residual risks\n\nRisks we could not remove are listed in each model's release notes for operators.\n",
  },
];

/** The policy's governance section. */
export function governancePolicy(): string[] {
  const lines = ["governance:", "  disclosure_policy: true", "  documents:"];
  for (const d of GOVERNANCE_DOCUMENTS) {
    const provision = typeof d.provision === "string" ? d.provision : `[${d.provision.join(", ")}]`;
    lines.push(
      `    - { path: ${d.path}, provision: ${provision}, review_days: ${d.review_days}, owner_role: ${d.owner_role}${d.fail_release ? ", fail_release: true" : ""} }`,
    );
  }
  return lines;
}

export const PUBLIC_SERVING = {
  exposure: "public",
  rate_limit: { requests: 100, per: "minute" },
  authentication: "oauth2",
  permissions: ["payments-ledger: read"],
};

export const INTERNAL_SERVING = { exposure: "internal", authentication: "mtls", permissions: [] };
