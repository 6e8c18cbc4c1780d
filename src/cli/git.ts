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

/** A ref as git resolved it: its commit, and the full ref name it names (when it names one). */
interface ResolvedRef {
  commit: string;
  /** refs/heads/main, refs/remotes/origin/main, refs/tags/v1, HEAD (detached); null for a SHA or an expression such as main~1. */
  fullName: string | null;
}

/**
 * The commit a ref names, with git's meaning; a ref that is not a commit is a CliError naming it,
 * and so is a short name that names two refs (a tag `main` and the branch `main`): git would pick
 * one silently (the tag), the CLI makes the user say which (docs/cli.md "Which refs are compared").
 */
export async function resolveRef(repo: string, ref: string): Promise<ResolvedRef> {
  // a ref starting with "-" would be read as an option
  if (ref.startsWith("-") || ref.length === 0) throw new CliError(`invalid ref: "${ref}"`);
  // ambiguity is read from the refs themselves, not from git's warning, which a user's config can switch off
  const ambiguity = await ambiguousName(repo, ref);
  if (ambiguity) throw ambiguity;
  const result = await runGit(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (result.code !== 0) throw new CliError(`unknown ref "${ref}": not a commit in ${repo}`);
  const commit = result.stdout.toString("utf8").trim();
  const named = await runGit(repo, [
    "rev-parse",
    "--verify",
    "--quiet",
    "--symbolic-full-name",
    "--end-of-options",
    ref,
  ]);
  const fullName = named.code === 0 ? named.stdout.toString("utf8").trim() : "";
  return { commit, fullName: fullName === "" ? null : fullName };
}

/** The commit a ref names (resolveRef). */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  return (await resolveRef(repo, ref)).commit;
}

/**
 * A CliError when the name a ref starts with (`main` of `main~1`) names more than one ref, in the
 * places git looks for a short name (gitrevisions(7): refs/, refs/tags/, refs/heads/, refs/remotes/).
 */
async function ambiguousName(repo: string, ref: string): Promise<CliError | undefined> {
  // a ref name cannot hold ~ ^ : or @{, which start the rest of an expression
  const name = ref.split(/[~^:]|@\{/)[0] ?? "";
  if (name === "" || name === "@" || name === "HEAD") return undefined;
  const places = [`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`];
  const candidates = [...places, `refs/remotes/${name}/HEAD`];
  // a full name (refs/heads/main) is also read as the ref itself, first
  if (name.startsWith("refs/")) candidates.unshift(name);
  const listed = await runGit(repo, ["for-each-ref", "--format=%(refname)%00%(objectname)", "--", ...candidates]);
  if (listed.code !== 0) throw new CliError(`cannot list the refs of ${repo}: ${listed.stderr}`);
  const found = listed.stdout
    .toString("utf8")
    .split("\n")
    .map((line) => line.split("\0"))
    .filter(([refname]) => refname !== undefined && candidates.includes(refname))
    .map(([refname, object]) => `${refname} (${(object ?? "").slice(0, 12)})`);
  if (found.length < 2) return undefined;
  return new CliError(
    `ref "${ref}" is ambiguous: "${name}" names ${found.join(" and ")}; pass the full ref name (e.g. refs/heads/${name}) to say which`,
  );
}

/**
 * The default branch as a full ref name, never a short name a tag could shadow: what
 * refs/remotes/origin/HEAD points at when set, else refs/heads/main, else refs/heads/master.
 */
export async function defaultBranch(repo: string): Promise<ResolvedRef & { fullName: string }> {
  const originHead = await runGit(repo, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]);
  const candidates = ["refs/heads/main", "refs/heads/master"];
  if (originHead.code === 0) candidates.unshift(originHead.stdout.toString("utf8").trim());
  for (const fullName of candidates) {
    if (!fullName.startsWith("refs/")) continue;
    // a full name is read as the ref file itself, before any refs/<name> or tag could match it
    const exists = await runGit(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${fullName}^{commit}`]);
    if (exists.code === 0) return { commit: exists.stdout.toString("utf8").trim(), fullName };
  }
  throw new CliError("cannot find the default branch (no origin/HEAD, main or master): pass --base REF");
}

/** Where `head` forked from `base`; two unrelated histories cannot be compared. */
export async function mergeBase(repo: string, base: string, head: string): Promise<string> {
  const result = await runGit(repo, ["merge-base", base, head]);
  if (result.code !== 0) throw new CliError(`no merge-base between ${base} and ${head}: pass --base REF`);
  return result.stdout.toString("utf8").trim();
}
