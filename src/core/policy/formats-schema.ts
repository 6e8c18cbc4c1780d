import { z } from "zod";

/**
 * `supply_chain.formats` (docs/supply-chain.md "Unsafe serialisation"): what an artefact whose bytes
 * could run code when loaded does to the gate — fail it, warn in the requirement, or not scan at all.
 */
export const formatsPolicySchema = z.enum(["fail", "warn", "off"]).default("fail");
