/** Exit codes: 0 ok, 1 failed (the api refused, a handler failed, …), 2 usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An expected failure: one line on stderr, then the exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
