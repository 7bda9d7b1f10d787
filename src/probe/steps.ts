/**
 * What a probe reports while it runs (`ProbeOptions.onStep`), so a caller can print each step as
 * it happens, like `curl -N`. Every URL and header in a step is already redacted.
 * Times are ms since the run's T0 (the enqueue request); an identity comparison run's steps are
 * shifted onto the main run's clock and carry `run: 'identity-check'`.
 */
import type { AttemptEnd, NetError, StreamRecord } from '../model.js';

/** Which run of a probe a step belongs to. */
export type ProbeRun = 'main' | 'identity-check';

interface StepBase {
  /** ms since the main run's T0. */
  atMs: number;
  run: ProbeRun;
}

export type ProbeStep = StepBase &
  (
    | { kind: 'enqueue-sent'; url: string; headers: Record<string, string> }
    | {
        kind: 'enqueue-answered';
        status?: number;
        id?: string;
        problem?: string;
        error?: NetError;
        headers?: Record<string, string>;
        body?: string;
      }
    | { kind: 'stream-requested'; attempt: number; url: string; headers: Record<string, string> }
    | { kind: 'redirect'; attempt: number; status: number; location: string; stop?: 'loop' | 'limit' | 'no-location' }
    | { kind: 'head'; attempt: number; status: number; headers: Record<string, string>; protocol?: 'h2' | 'http/1.1' }
    | { kind: 'first-byte'; attempt: number }
    | { kind: 'record'; attempt: number; record: StreamRecord }
    | { kind: 'end'; attempt: number; end: AttemptEnd; status?: number; error?: NetError; body?: string; reads: number; bytes: number }
    | { kind: 'encoding-check'; reason: string }
  );

/** The distributive Omit: keeps each step kind's own fields. */
export type StepInput = ProbeStep extends infer S ? (S extends ProbeStep ? Omit<S, 'atMs' | 'run'> : never) : never;
