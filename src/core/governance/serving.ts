import type { Requirement } from "../evaluate/types.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { Serving } from "../manifest/serving-schema.js";

export const SERVING_REQUIREMENT = "serving";
const SERVING_PROVISION = "5.2.2-2, 5.1.2-6";

/** "100 requests per minute" */
export function rateLimitText(limit: NonNullable<Serving["rate_limit"]>): string {
  return `${limit.requests} request${limit.requests === 1 ? "" : "s"} per ${limit.per}`;
}

/** What a declaration says, in one line (check runs, the audit). */
export function servingText(serving: Serving): string {
  const parts = [`exposure ${serving.exposure}`];
  if (serving.rate_limit) parts.push(`rate limit ${rateLimitText(serving.rate_limit)}`);
  if (serving.authentication) parts.push(`authentication ${serving.authentication}`);
  if (serving.permissions)
    parts.push(serving.permissions.length === 0 ? "no permissions" : `permissions: ${serving.permissions.join("; ")}`);
  return parts.join(", ");
}

/** What a `public` model lacks: a public API needs a rate limit and an authentication method (5.2.2-2). */
export function servingGaps(serving: Serving): string[] {
  if (serving.exposure !== "public") return [];
  const gaps: string[] = [];
  // the schema refuses 0 and negative limits; checked again so no other caller can pass one
  if (!serving.rate_limit || !(serving.rate_limit.requests > 0))
    gaps.push("a rate limit (rate_limit: { requests, per })");
  if (!serving.authentication) gaps.push("an authentication method (authentication)");
  return gaps;
}

/**
 * The `serving` requirement of a model that moves forward (docs/governance.md): none when the manifest declares no
 * `serving`; failed when a `public` model has no positive rate limit or no authentication.
 */
export function servingRequirements(loaded: LoadedManifest): Requirement[] {
  const serving = loaded.manifest.serving;
  if (!serving) return [];
  const gaps = servingGaps(serving);
  const at = { path: loaded.path, line: loaded.lineOf(["serving"]) };
  if (gaps.length > 0)
    return [
      {
        id: SERVING_REQUIREMENT,
        status: "failed",
        message: `The model is served publicly without ${gaps.join(" and ")}: declare them under serving.`,
        provision: SERVING_PROVISION,
        ...at,
      },
    ];
  return [
    {
      id: SERVING_REQUIREMENT,
      status: "met",
      message: `Served with ${servingText(serving)}.`,
      provision: SERVING_PROVISION,
      ...at,
    },
  ];
}
