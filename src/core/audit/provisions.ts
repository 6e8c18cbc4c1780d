/**
 * Every provision of ETSI EN 304 223 V2.1.1, clause 5 (5.1.1-1 … 5.5.1-2), with what modelgate
 * evidences for it. THE one list: the audit's coverage matrix is rendered from it, and
 * docs/audit.md explains where the numbering comes from. Titles are short paraphrases, not the
 * standard's text.
 */

/** How far modelgate evidences a provision by itself. */
export type ProvisionCoverage = "evidenced" | "partly" | "organisational";

/** The kinds of evidence in an audit report that a provision can point at (the report's sections). */
export type EvidenceKind =
  | "audit-trail"
  | "threats"
  | "configuration"
  | "modalities"
  | "sign-offs"
  | "inventory"
  | "unmanaged"
  | "unverified-components"
  | "release-notes"
  | "hashes"
  | "formats"
  | "signatures"
  | "provenance"
  | "evaluations"
  | "independence"
  | "versions"
  | "documentation"
  | "end-of-life"
  | "monitoring"
  | "serving"
  | "permissions"
  | "disclosure-policy"
  | "training";

export interface Provision {
  /** e.g. "5.2.4-1.2". */
  id: string;
  /** The clause it belongs to, e.g. "5.2.4". */
  clause: string;
  title: string;
  coverage: ProvisionCoverage;
  /** What modelgate checks or records (evidenced and partly). */
  modelgate?: string;
  /** What modelgate does not cover (partly), or why it is organisational. */
  outside?: string;
  /** Sections of the report that hold this repository's evidence. */
  evidence?: EvidenceKind[];
  /**
   * Evidence that moves this provision to "evidenced" when it is present and current in the repository (docs/audit.md);
   * any provision also moves when a current document of governance.documents names it.
   */
  moves?: EvidenceKind;
}

export interface ProvisionClause {
  clause: string;
  principle: number;
  title: string;
  phase: "design" | "development" | "deployment" | "maintenance" | "end of life";
}

export const PROVISION_CLAUSES: ReadonlyArray<ProvisionClause> = [
  { clause: "5.1.1", principle: 1, title: "Raise awareness of AI security threats and risks", phase: "design" },
  {
    clause: "5.1.2",
    principle: 2,
    title: "Design the AI system for security as well as functionality and performance",
    phase: "design",
  },
  {
    clause: "5.1.3",
    principle: 3,
    title: "Evaluate the threats and manage the risks to the AI system",
    phase: "design",
  },
  { clause: "5.1.4", principle: 4, title: "Enable human responsibility for AI systems", phase: "design" },
  { clause: "5.2.1", principle: 5, title: "Identify, track and protect the assets", phase: "development" },
  { clause: "5.2.2", principle: 6, title: "Secure the infrastructure", phase: "development" },
  { clause: "5.2.3", principle: 7, title: "Secure the supply chain", phase: "development" },
  { clause: "5.2.4", principle: 8, title: "Document data, models and prompts", phase: "development" },
  { clause: "5.2.5", principle: 9, title: "Conduct appropriate testing and evaluation", phase: "development" },
  {
    clause: "5.3.1",
    principle: 10,
    title: "Communication and processes for end-users and affected entities",
    phase: "deployment",
  },
  {
    clause: "5.4.1",
    principle: 11,
    title: "Maintain regular security updates, patches and mitigations",
    phase: "maintenance",
  },
  { clause: "5.4.2", principle: 12, title: "Monitor the system's behaviour", phase: "maintenance" },
  { clause: "5.5.1", principle: 13, title: "Ensure proper data and model disposal", phase: "end of life" },
];

const ORG_TRAINING = "staff training and awareness are run by the organisation";
// docs/governance.md "Training": the roster's evidence per provision is trainingProvisionEvidence
const TRAINED =
  "the training roster (governance/training.yaml): with training.require a role's sign-off counts only from a holder whose training for the role is current";
const TRAINING_RUN = "the courses themselves are run by the organisation";
const ORG_RUNTIME = "a property of the deployed AI system and its operations, which modelgate does not see";
const ORG_INFRA = "infrastructure and access controls are run by the organisation";

function org(id: string, title: string, outside: string): Provision {
  return { id, clause: clauseOf(id), title, coverage: "organisational", outside };
}

function partly(id: string, title: string, modelgate: string, outside: string, evidence: EvidenceKind[]): Provision {
  return { id, clause: clauseOf(id), title, coverage: "partly", modelgate, outside, evidence };
}

/** Partly, and evidenced when this repository's evidence of that one kind is present and current (docs/audit.md). */
function declared(id: string, title: string, modelgate: string, outside: string, kind: EvidenceKind): Provision {
  return { ...partly(id, title, modelgate, outside, [kind]), moves: kind };
}

function evidenced(id: string, title: string, modelgate: string, evidence: EvidenceKind[]): Provision {
  return { id, clause: clauseOf(id), title, coverage: "evidenced", modelgate, evidence };
}

function clauseOf(id: string): string {
  return id.slice(0, id.indexOf("-"));
}

export const PROVISIONS: ReadonlyArray<Provision> = [
  declared("5.1.1-1", "AI security is part of the cyber security training", TRAINED, TRAINING_RUN, "training"),
  declared("5.1.1-1.1", "AI security training fits each staff role", TRAINED, TRAINING_RUN, "training"),
  declared("5.1.1-2", "Staff stay aware of AI threats and mitigations", TRAINED, TRAINING_RUN, "training"),
  org("5.1.1-2.1", "Threat updates reach staff through several channels", ORG_TRAINING),
  declared("5.1.1-2.2", "Developers are trained in secure AI coding and design", TRAINED, TRAINING_RUN, "training"),

  org(
    "5.1.2-1",
    "Business need, AI security risks and mitigations are assessed before building",
    "requirements and risk assessments are documents of the organisation",
  ),
  org(
    "5.1.2-1.1",
    "The data custodian takes part in requirements discussions",
    "who takes part in design discussions is not recorded in the repository",
  ),
  org(
    "5.1.2-2",
    "The system is designed to withstand adversarial attacks and failures",
    "a design property of the AI system; the security evaluation (5.2.5-1) tests it per version",
  ),
  evidenced(
    "5.1.2-3",
    "An audit trail of models, datasets and prompts is kept",
    "every version of every manifest from git history, with its digest, change kinds, gate verdict and sign-offs",
    ["audit-trail", "versions"],
  ),
  partly(
    "5.1.2-4",
    "External components are risk-assessed for AI-specific risks",
    "an upstream component must be marked verified or carry a written justification",
    "the risk assessment itself is a document outside modelgate",
    ["unverified-components"],
  ),
  org(
    "5.1.2-5",
    "Intended use matches the sensitivity of the training data",
    "a judgement of the data custodian, not recorded by modelgate",
  ),
  org("5.1.2-5.1", "Staff are encouraged to report AI security risks", ORG_TRAINING),
  declared(
    "5.1.2-6",
    "The AI system has only the permissions it needs on other systems",
    "every model at the head declares the permissions it holds on other systems (serving.permissions)",
    "that the running system holds no more than it declares: modelgate sees the declaration, not the deployment",
    "permissions",
  ),
  org(
    "5.1.2-7",
    "Due diligence is done on external providers",
    "supplier due diligence and contracts are run by the organisation",
  ),

  evidenced(
    "5.1.3-1",
    "Threats, including AI-specific attacks, are modelled and their risks managed",
    "each version's evaluation record says how every threat of the policy was addressed",
    ["threats", "evaluations"],
  ),
  evidenced(
    "5.1.3-1.1",
    "Threat modelling is repeated when settings or configuration change",
    "a configuration or prompt change re-opens the gate (change kind configuration)",
    ["configuration"],
  ),
  evidenced(
    "5.1.3-1.2",
    "Risks of superfluous model functionality are managed",
    "enabled input modalities are declared; a change to them is gated as configuration",
    ["modalities"],
  ),
  org(
    "5.1.3-1.3",
    "Controls follow the organisation's risk tolerance",
    "risk tolerance is set by the organisation (the policy encodes part of it)",
  ),
  org(
    "5.1.3-2",
    "Unresolved threats are passed on to operators and end-users",
    "communication to operators and end-users happens outside the repository",
  ),
  org(
    "5.1.3-3",
    "Assurance is obtained from external parties responsible for AI risks",
    "supplier assurance is run by the organisation",
  ),
  org("5.1.3-4", "Infrastructure is monitored and reviewed against the risk appetite", ORG_INFRA),

  org("5.1.4-1", "The system offers capabilities for human oversight", ORG_RUNTIME),
  org("5.1.4-2", "Outputs are easy for humans to assess", ORG_RUNTIME),
  evidenced(
    "5.1.4-3",
    "Technical measures back human oversight where it is a risk control",
    "every gated model version needs sign-offs from the accountable roles; break glass needs a role and a reason",
    ["sign-offs"],
  ),
  org(
    "5.1.4-4",
    "The data custodian's security controls are verified to be built in",
    "a review of the built system, outside modelgate",
  ),
  partly(
    "5.1.4-5",
    "End-users are told about prohibited use cases",
    "with documentation.require listing prohibited_uses, each model documents them (also in its ML-BOM)",
    "publishing them to end-users is done outside modelgate",
    ["documentation"],
  ),

  evidenced(
    "5.2.1-1",
    "An inventory of assets and their interdependencies is kept",
    "every model at the head: version, status, digest, components and datasets",
    ["inventory"],
  ),
  evidenced(
    "5.2.1-2",
    "AI assets are tracked, authenticated, version-controlled and secured",
    "every version is bound to a digest of its artefacts; model files no manifest declares are reported",
    ["versions", "unmanaged"],
  ),
  org(
    "5.2.1-3",
    "Disaster recovery plans cover attacks on AI systems",
    "recovery plans are documents of the organisation",
  ),
  evidenced(
    "5.2.1-3.1",
    "A known good state can be restored",
    "a version that passed its gate and shipped in a passing release may be restored without new sign-offs while its evaluation is current (requirement known_good); every released digest is listed in this report",
    ["versions"],
  ),
  org(
    "5.2.1-4",
    "Sensitive data such as training and test data is protected",
    "data protection is run by the data custodian",
  ),
  org(
    "5.2.1-4.1",
    "Data and inputs are checked and sanitised, again on model revisions",
    "data pipelines are outside the repository's gate",
  ),
  org(
    "5.2.1-4.2",
    "Confidential training data and model weights are protected",
    "storage and access control are run by the organisation",
  ),

  org("5.2.2-1", "Access to APIs, models, data and pipelines is secured", ORG_INFRA),
  declared(
    "5.2.2-2",
    "Externally offered APIs are protected, e.g. with rate limits",
    "every model at the head declares how it is served; a public one without a rate limit and authentication fails (requirement serving)",
    "that the deployed API enforces what is declared: modelgate sees the declaration, not the deployment",
    "serving",
  ),
  org("5.2.2-3", "Development and tuning environments are separate and least-privilege", ORG_INFRA),
  declared(
    "5.2.2-4",
    "A vulnerability disclosure policy is published",
    "a security policy GitHub shows (SECURITY.md on the default branch or in the organisation's .github repository; requirement disclosure-policy)",
    "the policy's content and how reports are handled are the organisation's",
    "disclosure-policy",
  ),
  org("5.2.2-5", "An AI incident management plan and a recovery plan exist", "plans of the organisation"),
  org("5.2.2-6", "Cloud contracts support these requirements", "contracts of the organisation"),

  partly(
    "5.2.3-1",
    "Secure software supply chain processes are followed",
    "component hashes are verified at every change and an ML-BOM is built",
    "the rest of the software supply chain (build systems, dependencies) is outside modelgate",
    ["hashes", "formats", "signatures"],
  ),
  evidenced(
    "5.2.3-2",
    "Using a poorly documented or unsecured model or component is justified",
    "an unverified component needs a written justification in the manifest",
    ["unverified-components"],
  ),
  partly(
    "5.2.3-2.1",
    "Such models or components are risk-assessed and mitigated",
    "the justification is recorded and gated",
    "the risk assessment and mitigations themselves are documents outside modelgate",
    ["unverified-components"],
  ),
  partly(
    "5.2.3-2.2",
    "That justification is shared with end-users",
    "the justification is part of the manifest and the ML-BOM",
    "sharing them with end-users happens outside modelgate",
    ["unverified-components"],
  ),
  evidenced(
    "5.2.3-3",
    "Evaluations are re-run on released models before they are used",
    "an evaluation older than evaluation.max_age_days no longer counts",
    ["evaluations"],
  ),
  evidenced(
    "5.2.3-4",
    "End-users are told before models are updated",
    "release notes list the model versions and digests that change",
    ["release-notes"],
  ),

  partly(
    "5.2.4-1",
    "An audit trail of system design and maintenance plans is documented",
    "the trail of lifecycle decisions: versions, verdicts, sign-offs, releases, end of life",
    "design documents and maintenance plans are outside modelgate",
    ["audit-trail"],
  ),
  partly(
    "5.2.4-1.1",
    "Documentation includes security-relevant information",
    "evaluation records and their reports are linked per version; intended use, limitations and failure modes when documentation.require lists them",
    "the content of the documentation is not judged by modelgate",
    ["evaluations", "documentation"],
  ),
  evidenced(
    "5.2.4-1.2",
    "Cryptographic hashes of shared model components are released",
    "a SHA-256 for every component, verified against the repository; ML-BOM",
    ["hashes", "formats", "signatures"],
  ),
  evidenced("5.2.4-2", "The source and use of public training data are documented", "each dataset names its source", [
    "provenance",
  ]),
  evidenced(
    "5.2.4-2.1",
    "The source URL and acquisition date of training data are recorded",
    "each dataset has a source URL and an acquisition time",
    ["provenance"],
  ),
  evidenced(
    "5.2.4-3",
    "Changes to system prompts and model configuration are logged",
    "every configuration and prompt change is a gated, recorded version",
    ["configuration"],
  ),

  evidenced(
    "5.2.5-1",
    "Released models, applications and systems are security-tested",
    "a passing evaluation bound to the version's digest before merge and release",
    ["evaluations"],
  ),
  evidenced(
    "5.2.5-2",
    "Testing happens before deployment",
    "the gate judges every change before merge and release, and every model at a deployed commit before the deployment proceeds",
    ["evaluations"],
  ),
  evidenced("5.2.5-2.1", "Security testers are independent", "the evaluator is not an author of the change", [
    "independence",
  ]),
  partly(
    "5.2.5-3",
    "Test findings are shared with system operators",
    "evaluation records and report links are part of the repository and this report",
    "sending them to operators happens outside modelgate",
    ["evaluations"],
  ),
  partly(
    "5.2.5-4",
    "Outputs do not allow the model or its data to be reverse-engineered",
    "the evaluation must address model inversion and model extraction when the policy lists them",
    "the tests themselves are run by the evaluator",
    ["threats"],
  ),
  partly(
    "5.2.5-4.1",
    "Outputs do not give unintended influence over the system",
    "the evaluation must address evasion when the policy lists it",
    "the tests themselves are run by the evaluator",
    ["threats"],
  ),

  org(
    "5.3.1-1",
    "End-users are told how their data is used, accessed and stored",
    "end-user communication of the organisation",
  ),
  org("5.3.1-2", "End-users get guidance on use and configuration", "end-user documentation of the organisation"),
  partly(
    "5.3.1-2.1",
    "Guidance covers appropriate use, limitations and failure modes",
    "with documentation.require, each model documents its intended use, limitations, failure modes and data retention (manifest, ML-BOM, release notes)",
    "the guidance given to end-users is written and published by the organisation",
    ["documentation"],
  ),
  partly(
    "5.3.1-2.2",
    "End-users are proactively told about security-relevant updates",
    "release notes list the model versions and digests that change",
    "telling end-users is done by the organisation",
    ["release-notes"],
  ),
  org(
    "5.3.1-3",
    "End-users and affected entities are supported during incidents",
    "incident support agreed in contracts",
  ),

  partly(
    "5.4.1-1",
    "Security updates are provided and delivered to end-users",
    "every update of a model is a gated version",
    "delivering it to end-users is done outside modelgate",
    ["versions"],
  ),
  org("5.4.1-1.1", "Contingency plans exist where updates cannot be provided", "plans of the organisation"),
  evidenced(
    "5.4.1-2",
    "A major update is treated as a new model and tested again",
    "changed artefacts need a raised version and a new evaluation bound to the new digest",
    ["versions", "evaluations"],
  ),
  partly(
    "5.4.1-3",
    "System operators are helped to evaluate model changes",
    "each version states its change kinds, digest and evidence",
    "support to operators beyond this record is outside modelgate",
    ["versions"],
  ),

  partly(
    "5.4.2-1",
    "System and user actions are logged",
    "modelgate logs every lifecycle decision (who, what, which digest)",
    "runtime logging of the AI system is outside modelgate",
    ["audit-trail"],
  ),
  org("5.4.2-2", "Logs are analysed for anomalies, drift and poisoning", ORG_RUNTIME),
  org("5.4.2-3", "Internal states of the AI system are monitored", ORG_RUNTIME),
  org("5.4.2-4", "Model performance is monitored over time", ORG_RUNTIME),

  evidenced(
    "5.5.1-1",
    "Data custodians take part and disposal is secure when ownership is transferred",
    "a decommission opens an end-of-life issue with the data custodians; a manifest is not deleted before it is decommissioned",
    ["end-of-life"],
  ),
  evidenced(
    "5.5.1-2",
    "Data custodians take part and data is deleted when a model is decommissioned",
    "the end-of-life issue closes only when its disposal checklist is ticked and signed off",
    ["end-of-life"],
  ),
];

/**
 * docs/monitoring.md: what production monitoring adds when the policy configures it and every version's reports
 * are current (the audit's `monitoring.current`); otherwise the provisions above stand as they are.
 */
export const MONITORED_PROVISIONS: Readonly<Record<string, Provision>> = {
  "5.4.2-2": evidenced(
    "5.4.2-2",
    "Logs are analysed for anomalies, drift and poisoning",
    "production reports (drift, constraint violations, attack metrics) read daily against the policy's thresholds; a breach opens a Drift detected issue",
    ["monitoring"],
  ),
  "5.4.2-4": evidenced(
    "5.4.2-4",
    "Model performance is monitored over time",
    "metrics of every evaluation charted per version, and production reports judged against the policy's thresholds every day",
    ["monitoring"],
  ),
  "5.2.5-1": evidenced(
    "5.2.5-1",
    "Released models, applications and systems are security-tested",
    "a passing evaluation bound to the version's digest before merge and release; production monitoring of security metrics makes a re-evaluation due at once",
    ["evaluations", "monitoring"],
  ),
};
