/** Exit codes (docs/cli.md "Exit codes"). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_COULD_NOT_EVALUATE = 2;

/** A problem that stops the CLI before it can answer: bad arguments, not a repository, bad ref, invalid policy. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_COULD_NOT_EVALUATE,
  ) {
    super(message);
    this.name = "CliError";
  }
}
