import { createHash } from "node:crypto";
import { getPrivateKey } from "@probot/get-private-key";

/**
 * The key that signs the hidden markers of this app's issues, derived from the App's private
 * key: every replica (and the GitHub Action) of one App derives the same key, and nobody who
 * can only edit issues knows it. The PEM is normalised so a server and an Action agree.
 */
export function markerKeyFromPrivateKey(pem: string): string {
  const normalised = pem.trim().replace(/\r\n/g, "\n");
  return createHash("sha256").update(`modelgate-marker-key\n${normalised}`).digest("hex");
}

/**
 * The marker key of a deployment: from the private key Probot reads (PRIVATE_KEY,
 * PRIVATE_KEY_PATH or a .pem file in the working directory), else from WEBHOOK_SECRET.
 */
export function defaultMarkerKey(env: Record<string, string | undefined> = process.env): string {
  const pem = getPrivateKey({ env });
  if (pem) return markerKeyFromPrivateKey(pem);
  const secret = env.WEBHOOK_SECRET?.trim();
  if (secret) return createHash("sha256").update(`modelgate-marker-key\n${secret}`).digest("hex");
  throw new Error(
    "modelgate needs a key to sign the markers of its sign-off issues: set PRIVATE_KEY or PRIVATE_KEY_PATH (the App's private key, as for Probot) or WEBHOOK_SECRET",
  );
}
