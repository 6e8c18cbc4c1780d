#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readAppYml } from "./app-manifest.js";
import { registeredAppId, startSetupServer } from "./setup-server.js";

/**
 * `npm run setup`: registers the GitHub App from app.yml for the organisation in GH_ORG (see
 * docs/install.md). Reads .env from the working directory and writes the App's credentials to it.
 */
async function main(argv: string[]): Promise<number> {
  const envFile = join(process.cwd(), ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const personal = argv.includes("--personal");
  if (process.env.APP_ID || registeredAppId(envFile)) {
    console.error(
      "APP_ID is set: this App is registered already. Remove APP_ID (and the key) from the environment and .env to register another one.",
    );
    return 2;
  }
  const appYml = readAppYml(readFileSync(join(process.cwd(), "app.yml"), "utf8"));
  const port = Number(process.env.PORT) || 3000;
  try {
    const server = await startSetupServer({
      appYml,
      env: process.env,
      personal,
      envFile,
      port,
      log: { info: (message) => console.log(message) },
      // the browser may keep its connection open: close it once the redirect is sent
      onRegistered: () => setImmediate(() => server.close().closeIdleConnections()),
    });
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  console.log(
    `Open http://localhost:${port}/probot to register ${appYml.name}${process.env.GH_ORG ? ` for the organisation ${process.env.GH_ORG}` : " on your personal account"}.`,
  );
  return -1;
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
