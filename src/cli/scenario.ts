/** Choosing the embedded server's scenario from flags, shared by verify, load and reproduce. */
import { usageError } from '../errors.js';
import { findScenario, resolveServerOptions, SCENARIOS } from '../server/index.js';

/** The scenario to run when no --url is given; rejects --scenario with --url and unknown names. */
export function resolveScenarioName(flags: { url?: string; scenario?: string }, fallback: string): string {
  if (flags.url !== undefined && flags.scenario !== undefined) {
    throw usageError('conflicting-flags', '--scenario configures the embedded server; it cannot be used with --url');
  }
  const name = flags.scenario ?? fallback;
  if (!findScenario(name)) {
    throw usageError('unknown-scenario', `--scenario: unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  return name;
}

/** How long the embedded server waits before a 404 under a scenario, ms (0: it never waits). */
export function embeddedWindowMs(scenario: string, overrides: Parameters<typeof resolveServerOptions>[1] = {}): number {
  const o = resolveServerOptions(scenario, overrides);
  if (o.lookup === 'single') return 0;
  if (o.lookup === 'fixed') return o.fixedRetries * o.retryDelayMs;
  return o.maxWaitMs;
}
