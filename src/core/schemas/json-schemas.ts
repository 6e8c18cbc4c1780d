import { z } from "zod";
import { policySchema } from "../policy/schema.js";
import { manifestSchema, componentSchema, componentJsonShape } from "../manifest/schema.js";
import { trainingRosterSchema } from "../governance/training-schema.js";
import { modelgateReportSchema } from "../monitoring/modelgate-format.js";

const SCHEMA_BASE = "https://modelgate.dev/schemas";

/** JSON Schemas of the two files users write, generated from the zod schemas (docs/configuration.md). */
export function publishedJsonSchemas(): Record<
  "modelgate.schema.json" | "model.schema.json" | "training.schema.json" | "monitoring-report.schema.json",
  object
> {
  const options = {
    io: "input" as const,
    unrepresentable: "any" as const,
    // the component schema dispatches in code; publish the union it accepts
    override: (ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
      if (ctx.zodSchema === componentSchema) Object.assign(ctx.jsonSchema, z.toJSONSchema(componentJsonShape, { io: "input", target: "draft-2020-12" }), { $schema: undefined });
    },
  };
  return {
    "modelgate.schema.json": { ...z.toJSONSchema(policySchema, options), $id: `${SCHEMA_BASE}/modelgate.schema.json`, title: "modelgate policy (.github/modelgate.yml)" },
    "model.schema.json": { ...z.toJSONSchema(manifestSchema, options), $id: `${SCHEMA_BASE}/model.schema.json`, title: "modelgate model manifest (model.yaml)" },
    "training.schema.json": { ...z.toJSONSchema(trainingRosterSchema, options), $id: `${SCHEMA_BASE}/training.schema.json`, title: "modelgate training roster (governance/training.yaml)" },
    "monitoring-report.schema.json": {
      ...z.toJSONSchema(modelgateReportSchema, options),
      $id: `${SCHEMA_BASE}/monitoring-report.schema.json`,
      title: "modelgate monitoring report (docs/monitoring.md)",
    },
  };
}
