/**
 * The subset of CycloneDX 1.6 (JSON) that modelgate writes. Plain JSON types: the
 * CycloneDX library has no model for `modelCard`, so the BOM is built as data and
 * checked against the official schema by `validateBom`.
 */

export type BomHashAlgorithm = "SHA-256";

export interface BomHash {
  alg: BomHashAlgorithm;
  content: string;
}

/** A name/value pair; CycloneDX allows repeated names. Ours are prefixed `modelgate:`. */
export interface BomProperty {
  name: string;
  value: string;
}

export type BomExternalReferenceType = "distribution" | "vcs" | "website" | "evidence" | "documentation" | "other";

export interface BomExternalReference {
  type: BomExternalReferenceType;
  url: string;
  comment?: string;
}

export type BomComponentType = "application" | "library" | "file" | "machine-learning-model" | "data";

/** CycloneDX `componentData`: what a `data` component holds. */
export interface BomComponentData {
  type: "dataset" | "configuration" | "source-code" | "definition" | "other";
  name?: string;
  description?: string;
  contents?: { url?: string; properties?: BomProperty[] };
}

/** CycloneDX 1.6 `modelCard.considerations`: what users are told about a model. */
export interface BomConsiderations {
  useCases?: string[];
  technicalLimitations?: string[];
  ethicalConsiderations?: Array<{ name: string; mitigationStrategy?: string }>;
}

export interface BomModelCard {
  considerations?: BomConsiderations;
  modelParameters?: {
    datasets?: Array<{ ref: string } | BomComponentData>;
    inputs?: Array<{ format: string }>;
  };
  properties?: BomProperty[];
  quantitativeAnalysis?: { performanceMetrics: Array<{ type: string; value: string }> };
}

export interface BomComponent {
  type: BomComponentType;
  "bom-ref"?: string;
  name: string;
  version?: string;
  description?: string;
  hashes?: BomHash[];
  purl?: string;
  externalReferences?: BomExternalReference[];
  pedigree?: { ancestors?: BomComponent[] };
  components?: BomComponent[];
  modelCard?: BomModelCard;
  data?: BomComponentData[];
  properties?: BomProperty[];
}

export interface BomDependency {
  ref: string;
  dependsOn?: string[];
}

export interface CycloneDxBom {
  $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json";
  bomFormat: "CycloneDX";
  specVersion: "1.6";
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: BomComponent[] };
    component: BomComponent;
  };
  components: BomComponent[];
  dependencies: BomDependency[];
}
