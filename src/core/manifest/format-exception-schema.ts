import { z } from "zod";

/**
 * `format_exception` on a file component (docs/supply-chain.md "Unsafe serialisation"): the owner
 * accepts that loading it may run code, says why, and until when (the last day it counts, UTC).
 */
export const formatExceptionSchema = z.strictObject({
  justification: z.string().trim().min(1, "say why loading this artefact is acceptable"),
  expires: z.iso.date({ message: "must be an ISO 8601 date (YYYY-MM-DD): the last day the exception counts" }),
});
export type FormatException = z.output<typeof formatExceptionSchema>;
