import { componentRepoPath, type LoadedManifest } from "../manifest/load-manifest.js";
import { countingEvaluation } from "../evidence/evaluation.js";
import {
  componentId,
  isFileComponent,
  type Component,
  type EvaluationRecord,
  type TrainingData,
} from "../manifest/schema.js";
import { compareSemver } from "../manifest/semver.js";
import { bomSerialNumber } from "./serial-number.js";
import { documentationTexts } from "../evaluate/documentation-requirements.js";
import type {
  BomComponent,
  BomConsiderations,
  BomDependency,
  BomExternalReference,
  BomHash,
  BomModelCard,
  BomProperty,
  CycloneDxBom,
} from "./types.js";
import { compareCodeUnits } from "../compare-code-units.js";
import type { RegressionComparison } from "../evaluate/regression-requirements.js";
import { acceptedRegressionProperties, evaluationDataset, performanceMetrics } from "./performance-metrics.js";
import type { Decision } from "../evaluate/types.js";
import { supplyChainProperties } from "./supply-chain-properties.js";

export type * from "./types.js";
export { validateBom } from "./validate-bom.js";

export interface BomInput {
  /** `owner/name` of the repository that holds the models. */
  repository: string;
  /** The tag or commit the BOM describes, as the user named it. */
  ref: string;
  /** Commit SHA the manifests were read at. */
  commit: string;
  models: ReadonlyArray<LoadedManifest>;
  /** ISO 8601 date-time of the BOM (the core has no clock). */
  timestamp: string;
  /** Defaults to a serial number derived from repository and commit. */
  serialNumber?: string;
  /** Version of modelgate that writes the BOM. */
  toolVersion: string;
  /** The regression comparisons of the gate that judged these models, by `<name>@<digest>` (accepted regressions). */
  regressions?: ReadonlyMap<string, RegressionComparison>;
  /** What the format scan found per component file, by repository path (docs/supply-chain.md), when it ran. */
  formats?: ReadonlyMap<string, string>;
  /** A gate's decision at this commit: each model's signature and each file's attestation it verified are recorded. */
  verified?: Pick<Decision, "models">;
}

/**
 * The CycloneDX 1.6 ML-BOM of the models at one commit (docs/bom.md, provision 5.2.4-1.2):
 * one `machine-learning-model` component per manifest with its artefacts nested as
 * files and its upstream components as pedigree ancestors, one `data` component per
 * training dataset, and the dependencies model → datasets. The mapping is in docs/bom.md.
 */
export function buildBom(input: BomInput): CycloneDxBom {
  const refs = new BomRefAllocator();
  const repositoryRef = refs.claim(`repository:${input.repository}`);
  const datasets = new DatasetCatalog(refs);
  const models = [...input.models].sort(byModelIdentity);

  const modelComponents: BomComponent[] = [];
  const modelDependencies: BomDependency[] = [];
  for (const loaded of models) {
    const regression = input.regressions?.get(`${loaded.manifest.name}@${loaded.digest}`);
    const { component, datasetRefs } = modelComponent(loaded, refs, datasets, regression, input.formats);
    supplyChainProperties(component, loaded, input.verified);
    modelComponents.push(component);
    modelDependencies.push({ ref: component["bom-ref"]!, dependsOn: datasetRefs });
  }

  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: input.serialNumber ?? bomSerialNumber(input.repository, input.commit),
    version: 1,
    metadata: {
      timestamp: input.timestamp,
      tools: { components: [{ type: "application", name: "modelgate", version: input.toolVersion }] },
      component: {
        type: "application",
        "bom-ref": repositoryRef,
        name: input.repository,
        version: input.ref,
        properties: [{ name: "modelgate:commit", value: input.commit }],
      },
    },
    components: [...modelComponents, ...datasets.components()],
    dependencies: [
      { ref: repositoryRef, dependsOn: modelDependencies.map((d) => d.ref) },
      ...modelDependencies,
      ...datasets.components().map((d) => ({ ref: d["bom-ref"]!, dependsOn: [] })),
    ],
  };
}

function modelComponent(
  loaded: LoadedManifest,
  refs: BomRefAllocator,
  datasets: DatasetCatalog,
  regression?: RegressionComparison,
  formats?: ReadonlyMap<string, string>,
): { component: BomComponent; datasetRefs: string[] } {
  const { manifest } = loaded;
  const modelRef = refs.claim(`model:${manifest.name}@${manifest.version}`);
  const datasetRefs = unique(manifest.training_data.map((entry) => datasets.refFor(entry)));
  const files = manifest.components.filter(isFileComponent);
  const upstream = manifest.components.filter((c): c is UpstreamComponent => !isFileComponent(c));

  const properties: BomProperty[] = [
    // the digest names the set of artefacts, not one file's bytes: a property, not a `hashes` entry
    { name: "modelgate:digest", value: loaded.digest },
    { name: "modelgate:status", value: manifest.status },
    { name: "modelgate:manifest", value: loaded.path },
  ];
  if (manifest.modalities.length > 0)
    properties.push({ name: "modelgate:modalities", value: manifest.modalities.join(",") });

  const modelCard: BomModelCard = {};
  const modelParameters: NonNullable<BomModelCard["modelParameters"]> = {};
  if (datasetRefs.length > 0) modelParameters.datasets = datasetRefs.map((ref) => ({ ref }));
  const measured = countingRecord(loaded);
  const evaluatedOn = evaluationDataset(measured);
  if (evaluatedOn) modelParameters.datasets = [...(modelParameters.datasets ?? []), evaluatedOn];
  if (manifest.modalities.length > 0) modelParameters.inputs = manifest.modalities.map((format) => ({ format }));
  if (Object.keys(modelParameters).length > 0) modelCard.modelParameters = modelParameters;
  const considerations = modelConsiderations(loaded);
  if (Object.keys(considerations).length > 0) modelCard.considerations = considerations;
  const quantitativeAnalysis = performanceMetrics(measured);
  if (quantitativeAnalysis) modelCard.quantitativeAnalysis = quantitativeAnalysis;
  const cardProperties = [
    ...evaluationProperties(loaded),
    ...acceptedRegressionProperties(regression),
    ...documentationTexts(loaded, "retention").map((value) => ({ name: "modelgate:retention", value })),
  ];
  if (cardProperties.length > 0) modelCard.properties = cardProperties;

  const component: BomComponent = {
    type: "machine-learning-model",
    "bom-ref": modelRef,
    name: manifest.name,
    version: manifest.version,
    ...(manifest.description !== undefined ? { description: manifest.description } : {}),
    ...(upstream.length > 0
      ? { pedigree: { ancestors: upstream.map((c) => upstreamComponent(c, modelRef, refs)) } }
      : {}),
    ...(files.length > 0
      ? { components: files.map((c) => fileComponent(loaded.path, c, modelRef, refs, formats)) }
      : {}),
    ...(Object.keys(modelCard).length > 0 ? { modelCard } : {}),
    properties,
  };
  return { component, datasetRefs };
}

/**
 * The manifest's documentation as CycloneDX considerations: intended uses are use cases,
 * limitations and failure modes technical limitations, prohibited uses ethical considerations
 * (retention has no field there: it is a modelCard property).
 */
function modelConsiderations(loaded: LoadedManifest): BomConsiderations {
  const considerations: BomConsiderations = {};
  const useCases = documentationTexts(loaded, "intended_use");
  if (useCases.length > 0) considerations.useCases = useCases;
  const limitations = [
    ...documentationTexts(loaded, "limitations"),
    ...documentationTexts(loaded, "failure_modes").map((text) => `Failure mode: ${text}`),
  ];
  if (limitations.length > 0) considerations.technicalLimitations = limitations;
  const prohibited = documentationTexts(loaded, "prohibited_uses").map((text) => ({ name: `Prohibited use: ${text}` }));
  if (prohibited.length > 0) considerations.ethicalConsiderations = prohibited;
  return considerations;
}

/** The evaluation that counts for this exact version and digest at the release's commit, as the gates read it. */
function countingRecord(loaded: LoadedManifest): EvaluationRecord | undefined {
  return countingEvaluation({ version: loaded.manifest.version, digest: loaded.digest }, [
    { where: "this commit", loaded },
  ])?.record;
}

function evaluationProperties(loaded: LoadedManifest): BomProperty[] {
  const record = countingRecord(loaded);
  if (record === undefined) return [];
  const properties: BomProperty[] = [
    { name: "modelgate:evaluation:result", value: record.result },
    { name: "modelgate:evaluation:date", value: record.date },
    { name: "modelgate:evaluation:evaluator", value: record.evaluator },
  ];
  if (record.report !== undefined) properties.push({ name: "modelgate:evaluation:report", value: record.report });
  const threats = Object.keys(record.threats);
  if (threats.length > 0) properties.push({ name: "modelgate:evaluation:threats", value: threats.join(",") });
  return properties;
}

function fileComponent(
  manifestPath: string,
  c: Extract<Component, { path: string }>,
  modelRef: string,
  refs: BomRefAllocator,
  formats?: ReadonlyMap<string, string>,
): BomComponent {
  const path = componentRepoPath(manifestPath, c);
  return {
    type: "file",
    "bom-ref": refs.claim(`${modelRef}/${componentId(c)}`),
    name: path,
    ...hashesOf(c.sha256),
    properties: [
      { name: "modelgate:kind", value: c.kind },
      ...verificationProperties(c),
      ...formatProperties(c, formats?.get(path)),
    ],
  };
}

/** The format scan's finding and the component's format exception (docs/supply-chain.md "Unsafe serialisation"). */
function formatProperties(c: Extract<Component, { path: string }>, format: string | undefined): BomProperty[] {
  const properties: BomProperty[] = [];
  if (format !== undefined) properties.push({ name: "modelgate:format", value: format });
  const exception = c.format_exception;
  if (exception)
    properties.push({
      name: "modelgate:format_exception",
      value: `${exception.justification} (until ${exception.expires})`,
    });
  return properties;
}

type UpstreamComponent = Extract<Component, { source: string }>;

function upstreamComponentType(kind: Component["kind"]): BomComponent["type"] {
  if (kind === "weights") return "machine-learning-model";
  if (kind === "code") return "library";
  return "file";
}

function upstreamComponent(c: UpstreamComponent, modelRef: string, refs: BomRefAllocator): BomComponent {
  const source = classifySource(c.source);
  const properties: BomProperty[] = [{ name: "modelgate:kind", value: c.kind }, ...verificationProperties(c)];
  if ("text" in source) properties.push({ name: "modelgate:source", value: source.text });
  return {
    type: upstreamComponentType(c.kind),
    "bom-ref": refs.claim(`${modelRef}/${componentId(c)}`),
    name: c.name,
    ...hashesOf(c.sha256),
    ...("purl" in source ? { purl: source.purl } : {}),
    ...("url" in source ? { externalReferences: [distribution(source.url)] } : {}),
    properties,
  };
}

/** Only what the manifest declares: the BOM does not claim a verification modelgate did not record. */
function verificationProperties(c: Component): BomProperty[] {
  const properties: BomProperty[] = [];
  if (c.verified !== undefined) properties.push({ name: "modelgate:verified", value: String(c.verified) });
  if (c.justification !== undefined) properties.push({ name: "modelgate:justification", value: c.justification });
  return properties;
}

/** Training datasets, one component per distinct declaration; models that declare the same dataset share it. */
class DatasetCatalog {
  readonly #byDeclaration = new Map<string, BomComponent>();

  constructor(private readonly refs: BomRefAllocator) {}

  refFor(entry: TrainingData): string {
    const key = JSON.stringify([entry.name, entry.source ?? null, entry.acquired_at ?? null, entry.sha256 ?? null]);
    let component = this.#byDeclaration.get(key);
    if (component === undefined) {
      component = datasetComponent(entry, this.refs.claim(`data:${entry.name}`));
      this.#byDeclaration.set(key, component);
    }
    return component["bom-ref"]!;
  }

  components(): BomComponent[] {
    return [...this.#byDeclaration.values()];
  }
}

function datasetComponent(entry: TrainingData, ref: string): BomComponent {
  const source = entry.source === undefined ? undefined : classifySource(entry.source);
  const properties: BomProperty[] = [];
  if (entry.acquired_at !== undefined) properties.push({ name: "modelgate:acquired_at", value: entry.acquired_at });
  if (source !== undefined && "text" in source) properties.push({ name: "modelgate:source", value: source.text });
  return {
    type: "data",
    "bom-ref": ref,
    name: entry.name,
    ...hashesOf(entry.sha256),
    ...(source !== undefined && "purl" in source ? { purl: source.purl } : {}),
    ...(source !== undefined && "url" in source ? { externalReferences: [distribution(source.url)] } : {}),
    data: [
      {
        type: "dataset",
        name: entry.name,
        ...(source !== undefined && "url" in source ? { contents: { url: source.url } } : {}),
      },
    ],
    ...(properties.length > 0 ? { properties } : {}),
  };
}

type SourceReference = { purl: string } | { url: string } | { text: string };

/** A manifest `source` is a purl, a URI (https:, s3:, hf: …), or — when neither — kept as text. */
function classifySource(source: string): SourceReference {
  if (/^pkg:/i.test(source)) return { purl: source };
  // two letters at least: `C:\data` is a Windows path, not a URI scheme
  if (/^[A-Za-z][A-Za-z0-9+.-]+:\S+$/.test(source)) return { url: source };
  return { text: source };
}

function distribution(url: string): BomExternalReference {
  return { type: "distribution", url };
}

function hashesOf(sha256: string | undefined): { hashes?: BomHash[] } {
  return sha256 === undefined ? {} : { hashes: [{ alg: "SHA-256", content: sha256 }] };
}

/** bom-refs must be unique in a BOM; a clash (two manifests naming the same model version) gets a `#2` suffix. */
class BomRefAllocator {
  readonly #used = new Set<string>();

  claim(wanted: string): string {
    let ref = wanted;
    for (let n = 2; this.#used.has(ref); n++) ref = `${wanted}#${n}`;
    this.#used.add(ref);
    return ref;
  }
}

/** Input order must not change the BOM: models are listed by name, version, then manifest path. */
function byModelIdentity(a: LoadedManifest, b: LoadedManifest): number {
  return (
    compareCodeUnits(a.manifest.name, b.manifest.name) ||
    compareSemver(a.manifest.version, b.manifest.version) ||
    compareCodeUnits(a.manifest.version, b.manifest.version) ||
    compareCodeUnits(a.path, b.path)
  );
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
