// Writes schemas/*.json from the zod schemas: `npm run schemas`.
import { mkdirSync, writeFileSync } from "node:fs";
import { publishedJsonSchemas } from "../src/core/schemas/json-schemas.js";

mkdirSync("schemas", { recursive: true });
for (const [file, schema] of Object.entries(publishedJsonSchemas())) {
  writeFileSync(`schemas/${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${file}`);
}
