import type { Validation } from "@cyclonedx/cyclonedx-library";

export type BomValidationResult = { ok: true } | { ok: false; errors: string[] };

// compiling the official schema takes a while: one validator for the process (it caches the compiled schema)
let strictValidator: Validation.JsonStrictValidator | undefined;

/**
 * Checks a BOM against the official CycloneDX 1.6 JSON schema (strict), then for what the
 * schema cannot express: every `bom-ref` unique, every dependency and dataset reference
 * pointing at one. Errors name the JSON pointer of the offending value.
 *
 * No network: the library reads the schemas bundled in its package. Rejects only when the
 * validator cannot run (an optional dependency of the library is missing).
 */
export async function validateBom(bom: unknown): Promise<BomValidationResult> {
  if (!strictValidator) {
    // loaded when a BOM is validated, not by every command that builds one (modelgate audit never validates)
    const { Spec, Validation: validation } = await import("@cyclonedx/cyclonedx-library");
    strictValidator ??= new validation.JsonStrictValidator(Spec.Version.v1dot6);
  }
  const schemaErrors: unknown = await strictValidator.validate(JSON.stringify(bom) ?? "null");
  if (schemaErrors !== null) return { ok: false, errors: describeSchemaErrors(schemaErrors) };
  const referenceErrors = checkReferences(bom);
  return referenceErrors.length === 0 ? { ok: true } : { ok: false, errors: referenceErrors };
}

/** Ajv error objects, as the library returns them, to one readable line each. */
function describeSchemaErrors(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [`does not match the CycloneDX 1.6 schema: ${JSON.stringify(errors)}`];
  return errors.map((error: { instancePath?: string; message?: string; params?: Record<string, unknown> }) => {
    const where = error.instancePath === undefined || error.instancePath === "" ? "/" : error.instancePath;
    const params = error.params ?? {};
    let detail = "";
    if (Array.isArray(params["allowedValues"])) detail = ` (allowed: ${params["allowedValues"].join(", ")})`;
    else if (typeof params["additionalProperty"] === "string") detail = ` ("${params["additionalProperty"]}")`;
    else if (typeof params["missingProperty"] === "string") detail = ` ("${params["missingProperty"]}")`;
    else if (typeof params["pattern"] === "string") detail = ` (${params["pattern"]})`;
    return `${where}: ${error.message ?? "is invalid"}${detail}`;
  });
}

function checkReferences(bom: unknown): string[] {
  const errors: string[] = [];
  const defined = new Map<string, string>();
  walk(bom, "", (value, pointer) => {
    const ref = value["bom-ref"];
    if (typeof ref !== "string") return;
    const first = defined.get(ref);
    if (first !== undefined) errors.push(`${pointer}/bom-ref: "${ref}" is already the bom-ref of ${first}`);
    else defined.set(ref, pointer === "" ? "/" : pointer);
  });

  const resolves = (ref: string): boolean => defined.has(ref) || ref.startsWith("urn:cdx:");
  const root = bom as { dependencies?: Array<{ ref: string; dependsOn?: string[] }>; components?: unknown[] };
  root.dependencies?.forEach((dependency, i) => {
    if (!resolves(dependency.ref))
      errors.push(`/dependencies/${i}/ref: "${dependency.ref}" is not the bom-ref of anything in the BOM`);
    dependency.dependsOn?.forEach((ref, j) => {
      if (!resolves(ref))
        errors.push(`/dependencies/${i}/dependsOn/${j}: "${ref}" is not the bom-ref of anything in the BOM`);
    });
  });
  walk(bom, "", (value, pointer) => {
    const datasets = (value["modelCard"] as { modelParameters?: { datasets?: Array<{ ref?: unknown }> } } | undefined)
      ?.modelParameters?.datasets;
    datasets?.forEach((dataset, i) => {
      if (typeof dataset.ref === "string" && !resolves(dataset.ref)) {
        errors.push(
          `${pointer}/modelCard/modelParameters/datasets/${i}/ref: "${dataset.ref}" is not the bom-ref of anything in the BOM`,
        );
      }
    });
  });
  return errors;
}

/** Visits every object in a JSON value with its JSON pointer (RFC 6901). */
function walk(
  value: unknown,
  pointer: string,
  visit: (object: Record<string, unknown>, pointer: string) => void,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${pointer}/${i}`, visit));
  } else if (typeof value === "object" && value !== null) {
    visit(value as Record<string, unknown>, pointer);
    for (const [key, child] of Object.entries(value))
      walk(child, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, visit);
  }
}
