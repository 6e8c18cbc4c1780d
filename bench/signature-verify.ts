/**
 * Time per model-signature verification (docs/supply-chain.md), offline, for each of the three modes, on the upstream
 * model_signing v1.1.0 vectors (test/fixtures/model-signing): median and 95th percentile of 50 runs after 5 warm-ups.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { verifyModelSignature } from "../src/core/supply-chain/model-signature.js";
import type { PinnedSigner } from "../src/core/policy/signatures-schema.js";

const DIR = fileURLToPath(new URL("../test/fixtures/model-signing/", import.meta.url));
const read = (path: string): string => readFileSync(`${DIR}${path}`, "utf8");
const RUNS = 50;
const WARM_UPS = 5;

const files = new Map([
  ["keys/signing-key-pub.pem", read("keys/signing-key-pub.pem")],
  ["keys/ca-cert.pem", read("keys/ca-cert.pem")],
]);
const modes: Array<{ mode: string; folder: string; signers: PinnedSigner[] }> = [
  {
    mode: "keyless (Sigstore public-good: certificate, SCT, Rekor entry, signature)",
    folder: "v1.1.0-sigstore",
    signers: [{ issuer: "https://sigstore.verify.ibm.com/oauth2", identity: "stefanb@us.ibm.com" }],
  },
  {
    mode: "bare key (ECDSA P-384, SHA-384)",
    folder: "v1.1.0-elliptic-key",
    signers: [{ public_key: "keys/signing-key-pub.pem" }],
  },
  {
    mode: "certificate chain (leaf, intermediate, pinned root)",
    folder: "v1.1.0-certificate",
    signers: [{ certificate_chain: "keys/ca-cert.pem" }],
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

console.log("| mode | median | p95 |");
console.log("|---|---|---|");
for (const { mode, folder, signers } of modes) {
  const bundle = read(`${folder}/model.sig`);
  const times: number[] = [];
  for (let run = 0; run < WARM_UPS + RUNS; run++) {
    const start = performance.now();
    const check = verifyModelSignature(bundle, signers, files);
    const elapsed = performance.now() - start;
    if (!check.ok) throw new Error(`${folder} did not verify: ${check.problem}`);
    if (run >= WARM_UPS) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${mode} | ${percentile(times, 50).toFixed(2)} ms | ${percentile(times, 95).toFixed(2)} ms |`);
}
