/**
 * Errors that end a command. Per-run failures (a 404, a closed stream) are *data* in a
 * Transcript, never an exception; only misuse and setup failures throw a SsedoctorError.
 */

/** Process exit codes. The README renders this table; keep the two in step. */
export const EXIT = {
  /** Every check passed (verify: healthy outcome). */
  ok: 0,
  /** A diagnosed unhealthy outcome, or a failed threshold. */
  unhealthy: 1,
  /** Bad flags, bad config, unreadable input. */
  usage: 2,
  /** The target could not be reached at all. */
  unreachable: 3,
  /** `load --fail-on-generator-limited`: the generator's own timings or pace could not be trusted. */
  generatorLimited: 4,
  /** Interrupted by SIGINT/SIGTERM; partial results were written. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure that ends a command with a one-line message, an optional hint and an exit code. */
export class SsedoctorError extends Error {
  override readonly name = 'SsedoctorError';
  constructor(
    /** Stable machine-readable code, e.g. `bad-duration`. */
    readonly code: string,
    message: string,
    readonly options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }

  get exitCode(): ExitCode {
    return this.options.exitCode ?? EXIT.usage;
  }

  get hint(): string | undefined {
    return this.options.hint;
  }
}

/** Shorthand for the common case: bad user input, exit 2. */
export function usageError(code: string, message: string, hint?: string): SsedoctorError {
  return new SsedoctorError(code, message, { hint, exitCode: EXIT.usage });
}
