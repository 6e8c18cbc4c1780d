import { z } from "zod";

export const RATE_LIMIT_PERIODS = ["second", "minute", "hour", "day"] as const;

/** The authentication methods a served model may declare; "none" is not one (docs/governance.md). */
export const AUTHENTICATION_METHODS = ["api_key", "oauth2", "oidc", "mtls", "jwt", "iam", "basic"] as const;

/**
 * `serving` of a manifest (docs/governance.md, Serving declarations): how the model is offered. A rate limit is
 * `{ requests, per }` with at least one request: 0 or a negative number limits nothing, so it is an error.
 */
export const servingSchema = z.strictObject({
  exposure: z.enum(["public", "internal", "none"]),
  rate_limit: z
    .strictObject(
      {
        requests: z
          .number({ message: "a number of requests" })
          .int("a whole number of requests")
          .positive("a rate limit allows at least 1 request (0 or less is not a limit)"),
        per: z.enum(RATE_LIMIT_PERIODS),
      },
      { message: "a rate limit is { requests: 100, per: minute }" },
    )
    .optional(),
  authentication: z.enum(AUTHENTICATION_METHODS).optional(),
  // what the model may do on other systems, e.g. "payments-db: read" (5.1.2-6); [] when it holds none
  permissions: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
});
export type Serving = z.output<typeof servingSchema>;
