/** Small formatting helpers shared by the reporters. */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';

/** Milliseconds as a short human figure: `840 ms`, `2.35 s`, `—` when unknown. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** Rounds a ms figure to 0.1 ms for machine output (undefined stays undefined). */
export function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

/** Every figure of a record rounded to 0.1 ms, null where absent (machine output). */
export function roundAll<K extends string>(figures: Partial<Record<K, number>>): Record<K, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v as number | undefined) ?? null])) as Record<K, number | null>;
}

/**
 * A chalk instance for a stream: colour only on a TTY, never with NO_COLOR (any value) or
 * TERM=dumb; FORCE_COLOR turns it on regardless.
 */
export function chalkFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): ChalkInstance {
  const forced = env.FORCE_COLOR !== undefined && !['', '0', 'false'].includes(env.FORCE_COLOR);
  const off = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const level = forced ? 1 : off || env.TERM === 'dumb' || !stream.isTTY ? 0 : 1;
  return new Chalk({ level });
}

/** A cli-table3 table without row separators, coloured only when the chalk instance is. */
export function compactTable(head: string[], c: ChalkInstance, colAligns?: ('left' | 'right')[]): Table.Table {
  return new Table({
    head,
    style: { head: c.level > 0 ? ['cyan'] : [], border: c.level > 0 ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(colAligns ? { colAligns } : {}),
  });
}

/**
 * A copy of `value` with every number under a key ending in `Ms` rounded to 0.1 ms: transcripts
 * are timed with sub-microsecond floats, which say more than the clock can (machine output).
 */
export function roundTimesDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => roundTimesDeep(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'number' && k.endsWith('Ms') ? round(v) : roundTimesDeep(v);
  }
  return out as T;
}
