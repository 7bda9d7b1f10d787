/** What a command may touch of the process, injected so commands stay testable. */
import type { Writable } from 'node:stream';

export interface CliContext {
  /** Results go here. */
  stdout: Writable & { isTTY?: boolean };
  /** Progress and chatter go here. */
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** The arguments after the program (for the record in reports; print only through `commandLine`, which redacts). */
  argv?: readonly string[];
  version: string;
  /** Aborted on the first SIGINT/SIGTERM (or a closed output pipe): stop starting work, keep results. */
  signal: AbortSignal;
  /**
   * Aborted on the second SIGINT/SIGTERM (or a closed output pipe): cut in-flight work off at once;
   * what it saw so far is still reported and written.
   */
  cutoff?: AbortSignal;
}
