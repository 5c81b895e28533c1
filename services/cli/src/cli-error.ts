/** A failure the user can fix: main() prints the message as one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Bad command-line usage: exit status 1. */
export const usageError = (message: string) => new CliError(message, 1);
