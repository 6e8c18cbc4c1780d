import type { Policy } from "../policy/schema.js";
import type { Snapshot } from "../detect/snapshot.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import { componentRepoPath } from "../manifest/load-manifest.js";
import { isFileComponent } from "../manifest/schema.js";
import type { ModelChange } from "../detect/types.js";
import { detectChanges, type DetectedChanges } from "../detect/detect-changes.js";
import { discoverUnmanaged } from "../discover/discover-unmanaged.js";
import { signOffIntent, signOffKey } from "../sign-off/subject.js";
import { modelVersionEvidence, type ModelsAt } from "../evidence/model-evidence.js";
import type { ApprovalFacts, Decision, ModelVerdict, Requirement, UnmanagedFinding, Verdict } from "./types.js";
import { evaluationRequirements } from "./evaluation-requirements.js";
import { hashRequirements } from "./hash-requirements.js";
import { provenanceRequirements } from "./provenance-requirements.js";
import { documentationRequirements } from "./documentation-requirements.js";
import { approvalRequirements, requiredRoles } from "./approval-requirements.js";
import { compareCodeUnits } from "../compare-code-units.js";
import { regressionRequirements } from "./regression-requirements.js";
import { formatRequirements, type FormatFacts } from "../supply-chain/formats/format-requirements.js";
import type { SupplyChainFacts } from "../supply-chain/facts.js";
import { supplyChainRequirements } from "./supply-chain-requirements.js";
import { repositoryRequirements, type GovernanceFacts } from "../governance/gate-requirements.js";
import { servingRequirements } from "../governance/serving.js";

export { requiredRoles } from "./approval-requirements.js";

export interface GateInput {
  policy: Policy;
  base: Snapshot;
  head: Snapshot;
  facts: ApprovalFacts;
  /** The evaluation time (the core has no clock): evaluation records age against it. */
  now: Date;
  /** detectChanges(policy, base, head), when the caller already needed it (the app finds sign-off issues with it). */
  detected?: DetectedChanges;
  /** How the base is named in messages: "the base branch" (a pull request), "release v3" (a release). */
  baseName?: string;
  /**
   * Other places the gate can see (the default branch, a release): their copies of a model's
   * manifest hold evaluation records of its digest too (modelVersionEvidence).
   */
  elsewhere?: ReadonlyArray<ModelsAt>;
  /** Format scans of files the head snapshot holds no bytes of (checked-out Git LFS objects), by path. */
  formats?: FormatFacts;
  /** Pinned signer files and attestations (docs/supply-chain.md); absent: pinned keys unread, provenance not checked. */
  supplyChain?: SupplyChainFacts;
  /** Governance records (docs/governance.md): given by the release gate; a pull request's gate leaves documents out. */
  governance?: GovernanceFacts;
}

/**
 * "May this change move forward?" (docs/architecture.md "Where each rule lives"): every model that changed between base and
 * head against the gates of its change kinds, plus the model files no manifest declares.
 */
export function evaluateGate(input: GateInput): Decision {
  const { policy, base, head, facts, now } = input;
  const detected = input.detected ?? detectChanges(policy, base, head);
  const declared = declaredPaths([...detected.models.base, ...detected.models.head]);
  const unmanaged: UnmanagedFinding[] =
    policy.unmanaged_artifacts === "off"
      ? []
      : discoverUnmanaged(policy, base, head, declared).map((found) => ({
          ...found,
          level: policy.unmanaged_artifacts === "fail" ? "failure" : "warning",
        }));
  const repository = repositoryRequirements(policy, base, head, input.governance);
  const models = detected.changes
    .map((change) =>
      evaluateModel(
        policy,
        change,
        head,
        facts,
        now,
        placesSeen(input, detected),
        input.formats,
        input.supplyChain,
        repository,
      ),
    )
    .sort((a, b) => compareCodeUnits(a.name, b.name));

  let verdict: Verdict = "success";
  if (
    detected.errors.length > 0 ||
    models.some((m) => m.verdict === "failure") ||
    unmanaged.some((u) => u.level === "failure")
  )
    verdict = "failure";
  else if (models.some((m) => m.verdict === "action_required")) verdict = "action_required";
  return { verdict, models, unmanaged, errors: detected.errors };
}

/**
 * The authors of a model version: those of the change being judged, and of every other pull
 * request that carried the same sign-off subject (tracked by its issue). None of them evaluates,
 * reviews or signs off that version.
 */
export function authorsOf(facts: ApprovalFacts, subjectKey: string | undefined): string[] {
  const others =
    subjectKey !== undefined && facts.signOffAuthors && Object.hasOwn(facts.signOffAuthors, subjectKey)
      ? (facts.signOffAuthors[subjectKey] ?? [])
      : [];
  return [...new Set([...facts.authors, ...others])];
}

/** Every place besides the judged commit whose manifests the gate sees: the base first. */
export function placesSeen(input: Pick<GateInput, "baseName" | "elsewhere">, detected: DetectedChanges): ModelsAt[] {
  return [{ where: input.baseName ?? "the base", models: detected.models.base }, ...(input.elsewhere ?? [])];
}

/** Repository paths of every file component of the given manifests: those files are not shadow AI. */
export function declaredPaths(manifests: ReadonlyArray<LoadedManifest>): Set<string> {
  const paths = new Set<string>();
  for (const loaded of manifests) {
    for (const component of loaded.manifest.components)
      if (isFileComponent(component)) paths.add(componentRepoPath(loaded.path, component));
  }
  return paths;
}

/** The versions a model moves from and to, each only where it has one (a new model has no `from`, a deleted one no `to`). */
export function versionEnds(from: string | undefined, to: string | undefined): Pick<ModelVerdict, "from" | "to"> {
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function evaluateModel(
  policy: Policy,
  change: ModelChange,
  head: Snapshot,
  gateFacts: ApprovalFacts,
  now: Date,
  elsewhere: ReadonlyArray<ModelsAt>,
  formats: FormatFacts | undefined,
  supplyChain: SupplyChainFacts | undefined,
  repository: ReadonlyArray<Requirement> = [],
): ModelVerdict {
  const manifest = change.head ?? change.base;
  const roles = requiredRoles(policy, change.kinds);
  // a decommission is signed off on its own issue: the approvals that shipped the digest do not retire it
  const intent = signOffIntent(change.kinds);
  const subjectKey = signOffKey(change);
  const facts: ApprovalFacts = { ...gateFacts, authors: authorsOf(gateFacts, subjectKey) };
  const evidence = manifest
    ? modelVersionEvidence({
        policy,
        subject: { name: change.name, version: manifest.manifest.version, digest: change.digest, intent },
        judged: manifest,
        elsewhere,
        ...(facts.available ? { facts } : {}),
        requiredRoles: roles,
      })
    : undefined;
  const requirements: Requirement[] = change.findings.map((f) => ({
    id: f.id,
    status: "failed",
    message: f.message,
    provision: f.provision,
    path: f.path,
    line: f.line,
  }));
  const gates = change.kinds.map((kind) => policy.gates[kind]);
  if (manifest && evidence && gates.some((gate) => gate.evaluation)) {
    const authors = facts.available ? facts.authors : undefined;
    requirements.push(...evaluationRequirements(policy, manifest, change.digest, authors, now, evidence.copies));
  }
  // the supply chain is checked for a model that moves forward, not for one being retired
  if (change.head && change.head.manifest.status !== "decommissioned") {
    if (policy.supply_chain.require_hashes) requirements.push(...hashRequirements(change.head, head));
    requirements.push(...formatRequirements(policy, change.head, head, now, formats));
    if (policy.supply_chain.require_data_provenance) requirements.push(...provenanceRequirements(change.head));
    requirements.push(...documentationRequirements(policy, change.head));
    requirements.push(...supplyChainRequirements(policy, change.head, head, supplyChain));
    requirements.push(...servingRequirements(change.head), ...repository);
  }
  const signOffs = evidence?.signOffs;
  const evaluated = gates.some((gate) => gate.evaluation);
  const acceptances = signOffs?.regressionAcceptances;
  const regression = regressionRequirements({
    policy,
    change,
    evaluated,
    candidate: evidence?.evaluation,
    places: elsewhere,
    acceptances,
  });
  if (regression) requirements.push(...regression.requirements);
  const at = { path: change.manifestPath, line: manifest ? manifest.lineOf(["version"]) : 1 };
  requirements.push(...approvalRequirements({ policy, facts, roles, subjectKey, signOffs, at }));

  let verdict: Verdict = "success";
  if (requirements.some((r) => r.status === "failed")) verdict = "failure";
  else if (requirements.some((r) => r.status === "pending")) verdict = "action_required";
  const override = verdict !== "success" ? signOffs?.override : undefined;
  if (override) verdict = "success";
  return {
    name: change.name,
    manifestPath: change.manifestPath,
    kinds: change.kinds,
    ...versionEnds(change.fromVersion, change.toVersion),
    digest: change.digest,
    requirements,
    verdict,
    ...(override ? { override } : {}),
    requiredRoles: roles,
    ...(signOffs ? { signOffs: signOffs.roles } : {}),
    ...(regression ? { regression: regression.comparison } : {}),
  };
}
