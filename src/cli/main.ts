#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError, EXIT_COULD_NOT_EVALUATE, EXIT_FAILED, EXIT_OK } from "./cli-error.js";
import { checkJson } from "./check-json.js";
import { renderCheckReport } from "./report.js";
import { openRepository, formatFileErrors } from "./repository.js";
import { runCheck } from "./commands/check.js";
import { attestationReader, checkGitHubOption } from "./github-attestations.js";
import { renderValidation, validateFiles, validateRepository } from "./commands/validate.js";
import { loadInventory, renderInventory } from "./commands/inventory.js";
import { runBom } from "./commands/bom.js";
import { auditOptions, AUDIT_OPTIONS } from "./commands/audit-options.js";
import { runAudit, writeAudit } from "./commands/audit.js";
import { TRAINING_IMPORT_OPTIONS, trainingImportCommand } from "./commands/training.js";
import { modelgateVersion } from "../version.js";
import { plural } from "../core/render/markdown.js";

export const USAGE = `Usage: modelgate <command> [options]

Commands:
  check [--repo DIR] [--base REF] [--head REF] [--json] [--github OWNER/REPO [--api-url URL]]
      Evaluate the gate between two commits of a local git repository
      (default: merge-base with the default branch ... HEAD). The policy is read at --base.
      With --github (token in GITHUB_TOKEN), build provenance is read from the attestations API.
      Exit 0: nothing failed (approvals may be pending); 1: a failure; 2: could not evaluate.
  validate [--repo DIR] [FILES...]
      Schema-check a policy (modelgate.yml, or a file under .github/) and manifests, with
      file:line errors. Without FILES: the policy and every manifest of the repository at HEAD.
  inventory [--repo DIR] [--ref REF] [--json]
      Every model at REF (default HEAD): name, version, status, digest, manifest path.
  bom [--repo DIR] [--ref REF] [-o FILE]
      CycloneDX 1.6 ML-BOM (JSON) of every model at REF (default HEAD), to stdout or FILE.
  audit [--repo DIR] [--ref REF] [-o DIR] [--github OWNER/REPO [--api-url URL] [--app-id ID]]
      The auditor's evidence pack: audit.html and audit.json in DIR (default modelgate-audit).
      Every version of every model in the history of REF (default: the default branch), the
      inventory and a coverage matrix of EN 304 223. With --github (token in GITHUB_TOKEN) also
      sign-offs, pull requests, check runs, releases and end-of-life issues.
      Exit 0: written, no failing finding; 1: written, with failing findings; 2: could not run.
  training import <export.csv> [--repo DIR] [--logins FILE] [--open-pr OWNER/REPO [--api-url URL] [--branch NAME]]
      Add the completions of a learning system's CSV export to governance/training.yaml: in DIR's
      working tree, or as a pull request against OWNER/REPO's default branch (token in GITHUB_TOKEN).
      Exit 0: written or nothing new; 1: a row could not be used (nothing written); 2: could not run.

Options:
  -h, --help      Show this help.
  -v, --version   Print modelgate's version.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
  /** The folder relative paths (--repo, FILES, -o) are read against: the process's working directory. */
  cwd: string;
  /** The environment (SOURCE_DATE_EPOCH, GITHUB_TOKEN, APP_ID, …): the process's. */
  env: Readonly<Record<string, string | undefined>>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
const COMMON: Options = { repo: { type: "string" }, help: { type: "boolean", short: "h" } };

function parse(args: string[], options: Options, allowPositionals = false): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Runs one CLI invocation and returns its exit code (docs/cli.md). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new CliError(`no command given\n\n${USAGE}`);
    if (command === "--help" || command === "-h" || command === "help") {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (command === "--version" || command === "-v") {
      io.stdout(`${await modelgateVersion()}\n`);
      return EXIT_OK;
    }
    switch (command) {
      case "check": {
        const { values } = parse(rest, {
          base: { type: "string" },
          head: { type: "string" },
          json: { type: "boolean" },
          github: { type: "string" },
          "api-url": { type: "string" },
        });
        if (values["help"]) return help(io);
        const github = checkGitHubOption(values, io.env);
        const repo = await openRepository(str(values["repo"]), io.cwd);
        const { decision, range } = await runCheck({
          repo,
          base: str(values["base"]),
          head: str(values["head"]),
          now: io.now(),
          ...(github ? { attestations: attestationReader(github) } : {}),
        });
        if (decision.couldNotEvaluate) throw new CliError(`could not evaluate: ${decision.couldNotEvaluate}`);
        if (values["json"]) {
          io.stdout(JSON.stringify(checkJson(decision, range), null, 2) + "\n");
          // the JSON shape has no place for invalid files: name them on stderr
          if (decision.errors.length > 0) io.stderr(formatFileErrors(decision.errors) + "\n");
        } else {
          io.stdout(renderCheckReport(decision, range));
        }
        return decision.verdict === "failure" ? EXIT_FAILED : EXIT_OK;
      }
      case "validate": {
        const { values, positionals } = parse(rest, {}, true);
        if (values["help"]) return help(io);
        const repoOption = str(values["repo"]);
        // files are relative to --repo when it is given, as every other path of the CLI is
        const results =
          positionals.length > 0
            ? await validateFiles(positionals, resolve(io.cwd, repoOption ?? "."))
            : await validateRepository(await openRepository(repoOption, io.cwd));
        io.stdout(renderValidation(results));
        return results.some((r) => r.errors.length > 0) ? EXIT_FAILED : EXIT_OK;
      }
      case "inventory": {
        const { values } = parse(rest, { ref: { type: "string" }, json: { type: "boolean" } });
        if (values["help"]) return help(io);
        const repo = await openRepository(str(values["repo"]), io.cwd);
        const { loaded: _loaded, ...inventory } = await loadInventory(repo, str(values["ref"]) ?? "HEAD");
        io.stdout(values["json"] ? JSON.stringify(inventory, null, 2) + "\n" : renderInventory(inventory));
        if (values["json"] && inventory.errors.length > 0) io.stderr(formatFileErrors(inventory.errors) + "\n");
        return inventory.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
      }
      case "bom": {
        const { values } = parse(rest, { ref: { type: "string" }, output: { type: "string", short: "o" } });
        if (values["help"]) return help(io);
        const repo = await openRepository(str(values["repo"]), io.cwd);
        const bom = await runBom(repo, str(values["ref"]) ?? "HEAD", io.now(), io.env["SOURCE_DATE_EPOCH"]);
        const text = JSON.stringify(bom, null, 2) + "\n";
        const output = str(values["output"]);
        if (output === undefined) io.stdout(text);
        else {
          try {
            await writeFile(resolve(io.cwd, output), text);
          } catch (error) {
            throw new CliError(`cannot write ${output}: ${(error as Error).message}`);
          }
          io.stderr(`wrote ${output}\n`);
        }
        return EXIT_OK;
      }
      case "audit": {
        const { values } = parse(rest, AUDIT_OPTIONS);
        if (values["help"]) return help(io);
        const repo = await openRepository(str(values["repo"]), io.cwd);
        const { ref, output, github } = auditOptions(values, io.env);
        const sourceDateEpoch = io.env["SOURCE_DATE_EPOCH"];
        const report = await runAudit({
          repo,
          now: io.now(),
          ...(ref !== undefined ? { ref } : {}),
          ...(github ? { github } : {}),
          ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}),
        });
        const files = await writeAudit(report, resolve(io.cwd, output));
        io.stderr(
          `wrote ${files.join(" and ")}: ${plural(report.summary.models, "model")}, ${plural(report.summary.versions, "version")}, ${plural(report.summary.findings, "finding")}\n`,
        );
        return report.findings.some((f) => f.severity === "failure") ? EXIT_FAILED : EXIT_OK;
      }
      case "training": {
        const [sub, ...args] = rest;
        if (sub !== "import")
          throw new CliError(`unknown training command "${sub ?? ""}": use \`training import\`\n\n${USAGE}`);
        const { values, positionals } = parse(args, TRAINING_IMPORT_OPTIONS, true);
        if (values["help"]) return help(io);
        return await trainingImportCommand(positionals, values, io);
      }
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`modelgate: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`modelgate: could not evaluate: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_COULD_NOT_EVALUATE;
  }
}

function help(io: CliIo): number {
  io.stdout(USAGE);
  return EXIT_OK;
}

/** True when this file is the program node runs (the `bin`, possibly through a symlink), not an import. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    now: () => new Date(),
    cwd: process.cwd(),
    env: process.env,
  });
  process.exitCode = code;
}
