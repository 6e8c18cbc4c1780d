import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { Octokit } from "@octokit/rest";
import {
  TRAINING_ROSTER_PATH,
  loadTrainingRoster,
  type TrainingRoster,
} from "../../core/governance/training-schema.js";
import { emailLogins, importRecords, parseCsv, renderRoster } from "../../core/governance/training-import.js";
import { plural } from "../../core/render/markdown.js";
import { CliError, EXIT_FAILED, EXIT_OK } from "../cli-error.js";

export const TRAINING_IMPORT_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  logins: { type: "string" },
  "open-pr": { type: "string" },
  "api-url": { type: "string" },
  branch: { type: "string" },
};

export interface TrainingImportInput {
  /** The export, already read. */
  csv: string;
  /** email → login, from --logins. */
  emails: Map<string, string>;
  /** The folder whose governance/training.yaml is changed (without --open-pr). */
  repoDir: string;
  /** OWNER/REPO whose default branch gets a pull request (with --open-pr). */
  openPr?: { owner: string; repo: string; token: string; apiUrl?: string; branch?: string };
  now: Date;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  fetchImpl?: typeof fetch;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Reads the options and files of `modelgate training import` and runs it (docs/cli.md "training import"). */
export async function trainingImportCommand(
  positionals: string[],
  values: Record<string, unknown>,
  io: {
    cwd: string;
    env: Readonly<Record<string, string | undefined>>;
    now: () => Date;
    stdout: (t: string) => void;
    stderr: (t: string) => void;
  },
): Promise<number> {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new CliError(
      "usage: modelgate training import <export.csv> [--repo DIR] [--logins FILE] [--open-pr OWNER/REPO]",
    );
  const csv = await readText(resolve(io.cwd, file));
  const loginsFile = str(values["logins"]);
  const emails =
    loginsFile === undefined
      ? new Map<string, string>()
      : emailLogins(rows(await readText(resolve(io.cwd, loginsFile)), loginsFile));
  const slug = str(values["open-pr"]);
  let openPr: TrainingImportInput["openPr"];
  if (slug !== undefined) {
    const [owner, repo, ...more] = slug.split("/");
    if (!owner || !repo || more.length > 0) throw new CliError(`--open-pr takes OWNER/REPO, not "${slug}"`);
    const token = io.env["GITHUB_TOKEN"];
    if (!token) throw new CliError("--open-pr needs a token in GITHUB_TOKEN (contents and pull requests: write)");
    const apiUrl = str(values["api-url"]);
    const branch = str(values["branch"]);
    openPr = { owner, repo, token, ...(apiUrl ? { apiUrl } : {}), ...(branch ? { branch } : {}) };
  } else if (values["api-url"] !== undefined || values["branch"] !== undefined) {
    throw new CliError("--api-url and --branch are options of --open-pr OWNER/REPO");
  }
  return runTrainingImport({
    csv,
    emails,
    repoDir: resolve(io.cwd, str(values["repo"]) ?? "."),
    ...(openPr ? { openPr } : {}),
    now: io.now(),
    stdout: io.stdout,
    stderr: io.stderr,
  });
}

/**
 * Adds the completions of an LMS export to the roster: written to the working tree, or, with `openPr`, proposed as a
 * pull request against the default branch (a branch, one commit changing the roster, the pull request) — where
 * `training.admins` must approve it before it counts. Any row that cannot be used stops the import: nothing is written.
 */
export async function runTrainingImport(input: TrainingImportInput): Promise<number> {
  const parsed = rows(input.csv, "the export");
  if (!input.openPr) {
    const path = resolve(input.repoDir, TRAINING_ROSTER_PATH);
    const roster = rosterOf(await readText(path), path);
    const next = merged(roster, parsed, input);
    if (next === undefined) return EXIT_FAILED;
    if (next === roster) return EXIT_OK;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderRoster(next));
    input.stderr(
      `wrote ${TRAINING_ROSTER_PATH}: ${plural(next.records.length - roster.records.length, "new record")}\n`,
    );
    return EXIT_OK;
  }
  const { owner, repo, token, apiUrl } = input.openPr;
  const octokit = new Octokit({
    auth: token,
    ...(apiUrl ? { baseUrl: apiUrl.replace(/\/+$/, "") } : {}),
    userAgent: "modelgate-training-import",
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    ...(input.fetchImpl ? { request: { fetch: input.fetchImpl } } : {}),
  });
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw new CliError(
        `cannot ${what} in ${owner}/${repo}: ${status !== undefined ? `GitHub answered ${status}` : (error as Error).message}`,
      );
    }
  };
  const { data: repository } = await call("read the repository", () => octokit.rest.repos.get({ owner, repo }));
  const base = repository.default_branch;
  const { data: file } = await call(`read ${TRAINING_ROSTER_PATH} on ${base}`, () =>
    octokit.rest.repos.getContent({ owner, repo, path: TRAINING_ROSTER_PATH, ref: base }),
  );
  if (Array.isArray(file) || file.type !== "file" || !("content" in file))
    throw new CliError(`${TRAINING_ROSTER_PATH} of ${owner}/${repo} is not a file`);
  const roster = rosterOf(
    Buffer.from(file.content, "base64").toString("utf8"),
    `${TRAINING_ROSTER_PATH} of ${owner}/${repo}`,
  );
  const next = merged(roster, parsed, input);
  if (next === undefined) return EXIT_FAILED;
  if (next === roster) return EXIT_OK;
  const added = next.records.length - roster.records.length;
  const branch =
    input.openPr.branch ?? `modelgate/training-import-${input.now.toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
  const { data: ref } = await call(`read the head of ${base}`, () =>
    octokit.rest.git.getRef({ owner, repo, ref: `heads/${base}` }),
  );
  await call(`create the branch ${branch}`, () =>
    octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: ref.object.sha }),
  );
  const message = `Training roster: ${plural(added, "completion")} imported`;
  await call(`update ${TRAINING_ROSTER_PATH} on ${branch}`, () =>
    octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: TRAINING_ROSTER_PATH,
      message,
      content: Buffer.from(renderRoster(next), "utf8").toString("base64"),
      sha: file.sha,
      branch,
    }),
  );
  const { data: pull } = await call("open the pull request", () =>
    octokit.rest.pulls.create({
      owner,
      repo,
      title: message,
      head: branch,
      base,
      body: [
        `Adds ${plural(added, "training completion")} from a learning system's export to \`${TRAINING_ROSTER_PATH}\` (\`modelgate training import\`).`,
        "",
        "A holder of `training.admins` who is not the author of this pull request approves it; the records count once it is merged into the default branch.",
      ].join("\n"),
    }),
  );
  input.stdout(`${pull.html_url}\n`);
  input.stderr(`opened ${owner}/${repo}#${pull.number}: ${plural(added, "new record")}\n`);
  return EXIT_OK;
}

/** The roster with the export's new records, the same roster when nothing is new, undefined when a row is unusable. */
function merged(
  roster: TrainingRoster,
  parsed: string[][],
  input: Pick<TrainingImportInput, "emails" | "stderr">,
): TrainingRoster | undefined {
  const result = importRecords(parsed, roster, input.emails);
  if (result.errors.length > 0) {
    input.stderr(
      `modelgate: the export was not imported (nothing was written):\n${result.errors.map((e) => `  ${e}\n`).join("")}`,
    );
    return undefined;
  }
  if (result.added.length === 0) {
    input.stderr(`nothing to add: the roster holds every completion of the export (${plural(result.known, "row")})\n`);
    return roster;
  }
  return { courses: roster.courses, records: [...roster.records, ...result.added] };
}

function rosterOf(text: string, where: string): TrainingRoster {
  const loaded = loadTrainingRoster(TRAINING_ROSTER_PATH, text);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    throw new CliError(
      `${where} is invalid (line ${first?.line ?? 1}: ${first?.message ?? "unreadable"}): fix it before importing`,
    );
  }
  return loaded.roster;
}

function rows(text: string, what: string): string[][] {
  const parsed = parseCsv(text);
  if ("error" in parsed) throw new CliError(`${what} is not CSV: ${parsed.error}`);
  return parsed.rows;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
