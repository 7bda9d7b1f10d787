/** What a command may touch of the process, injected so commands stay testable. */
import type { Writable } from 'node:stream';

export interface CliContext {
  /** Results go here. */
  stdout: Writable & { isTTY?: boolean };
  /** Progress and chatter go here. */
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  version: string;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}
