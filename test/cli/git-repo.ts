import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/main.js";

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The `bin` of the package, as `npm run build` writes it (npm test builds first). */
export const BUILT_CLI = join(PROJECT, "lib", "cli", "main.js");

const TEST_IDENTITY = ["-c", "user.name=Test User", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"];

/** A real git repository in the temp folder, built commit by commit. */
export class TestRepo {
  private constructor(readonly dir: string) {}

  static create(prefix = "modelgate-cli-"): TestRepo {
    const repo = new TestRepo(mkdtempSync(join(tmpdir(), prefix)));
    repo.git("init", "-q", "-b", "main");
    return repo;
  }

  git(...args: string[]): string {
    // identity as options rather than `git config` calls: one spawn less each, and the same commits
    return execFileSync("git", ["-C", this.dir, ...TEST_IDENTITY, ...args], {
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
    }).trim();
  }

  write(files: Record<string, string | Buffer>): this {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    return this;
  }

  remove(...paths: string[]): this {
    for (const path of paths) rmSync(join(this.dir, path), { recursive: true });
    return this;
  }

  move(from: string, to: string): this {
    mkdirSync(dirname(join(this.dir, to)), { recursive: true });
    renameSync(join(this.dir, from), join(this.dir, to));
    return this;
  }

  /** Commits everything in the working tree; returns the commit SHA. */
  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.headCommit();
  }

  /** HEAD's commit, read from .git (a loose ref after a commit) rather than by one more git process. */
  private headCommit(): string {
    const head = readFileSync(join(this.dir, ".git", "HEAD"), "utf8").trim();
    const ref = head.startsWith("ref: ") ? join(this.dir, ".git", head.slice("ref: ".length)) : undefined;
    if (ref === undefined) return head;
    return existsSync(ref) ? readFileSync(ref, "utf8").trim() : this.git("rev-parse", "HEAD");
  }

  branch(name: string): this {
    this.git("checkout", "-q", "-b", name);
    return this;
  }

  checkout(name: string): this {
    this.git("checkout", "-q", name);
    return this;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one CLI invocation in this process, as `modelgate ARGS` run in `cwd` would: the same
 * runCli the bin calls, with the output captured and the environment given.
 */
export async function runModelgate(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    now: () => new Date(),
    cwd,
    env: { ...process.env, ...env },
  });
  return { code, stdout, stderr };
}

/** Runs the built binary (`node lib/cli/main.js`, through a symlink when given), as a user's shell would. */
export function runBuiltModelgate(args: string[], cwd: string, bin = BUILT_CLI): Promise<CliRun> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
