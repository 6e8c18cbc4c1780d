import { readFile } from "node:fs/promises";

let version: Promise<string> | undefined;

/** modelgate's own version (package.json), named as the tool in ML-BOMs. */
export function modelgateVersion(): Promise<string> {
  // src/version.ts and lib/version.js are both one folder below package.json
  version ??= readFile(new URL("../package.json", import.meta.url), "utf8").then(
    (text) => (JSON.parse(text) as { version: string }).version,
  );
  return version;
}
