import { spawn } from "node:child_process";
import { CliError } from "./cli-error.js";

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs `git -C repo …` with no shell; stdin (when given) is written and closed. */
export async function runGit(repo: string, args: ReadonlyArray<string>, stdin?: string): Promise<GitResult> {
  const out: Buffer[] = [];
  const { stderr, code } = await streamGit(repo, args, stdin, (chunk) => out.push(chunk));
  return { stdout: Buffer.concat(out), stderr, code };
}

/**
 * Runs git as runGit does, handing its output to `onStdout` chunk by chunk as it arrives: the
 * caller works on the first answers while git writes the next ones, and never holds them all.
 */
export function streamGit(
  repo: string,
  args: ReadonlyArray<string>,
  stdin: string | undefined,
  onStdout: (chunk: Buffer) => void,
): Promise<Omit<GitResult, "stdout">> {
  return new Promise((resolve, reject) => {
    // GIT_* variables of a surrounding git process (hooks) would point git at another repository
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) =>
          !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|COMMON_DIR)$/.test(
            key,
          ),
      ),
    );
    const child = spawn("git", ["-C", repo, "-c", "core.quotePath=false", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...env, LC_ALL: "C" },
    });
    const err: Buffer[] = [];
    let failure: unknown;
    child.stdout.on("data", (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        onStdout(chunk);
      } catch (error) {
        // reported once git is gone, so no process is left behind
        failure = error;
        child.kill();
      }
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        new CliError(
          error.code === "ENOENT" ? "git is not installed or not on PATH" : `could not run git: ${error.message}`,
        ),
      );
    });
    child.on("close", (code) => {
      if (failure !== undefined) reject(failure);
      else resolve({ stderr: Buffer.concat(err).toString("utf8").trim(), code: code ?? 1 });
    });
    child.stdin.on("error", () => undefined); // git may exit before reading all of stdin; close reports it
    child.stdin.end(stdin ?? "");
  });
}

/** Fails with exit 2 unless `repo` is inside a git repository. */
export async function assertGitRepository(repo: string): Promise<void> {
  const result = await runGit(repo, ["rev-parse", "--git-dir"]);
  if (result.code !== 0) throw new CliError(`not a git repository: ${repo}`);
}

/** The commit a ref names; a ref that is not a commit is a CliError naming it. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  // a ref starting with "-" would be read as an option
  if (ref.startsWith("-") || ref.length === 0) throw new CliError(`invalid ref: "${ref}"`);
  const result = await runGit(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (result.code !== 0) throw new CliError(`unknown ref "${ref}": not a commit in ${repo}`);
  return result.stdout.toString("utf8").trim();
}

/** The default branch: origin/HEAD when set, else main, else master. */
export async function defaultBranch(repo: string): Promise<string> {
  const originHead = await runGit(repo, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]);
  if (originHead.code === 0)
    return originHead.stdout
      .toString("utf8")
      .trim()
      .replace(/^refs\/remotes\//, "");
  for (const branch of ["main", "master"]) {
    const exists = await runGit(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`]);
    if (exists.code === 0) return branch;
  }
  throw new CliError("cannot find the default branch (no origin/HEAD, main or master): pass --base REF");
}

/** Where `head` forked from `base`; two unrelated histories cannot be compared. */
export async function mergeBase(repo: string, base: string, head: string): Promise<string> {
  const result = await runGit(repo, ["merge-base", base, head]);
  if (result.code !== 0) throw new CliError(`no merge-base between ${base} and ${head}: pass --base REF`);
  return result.stdout.toString("utf8").trim();
}
