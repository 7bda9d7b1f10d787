/** The terminal report of `verify --compare`: each path's outcome, then what differs between them. */
import type { ChalkInstance } from 'chalk';
import type { PathDifference, PathName } from '../classify/compare.js';

/** One path's headline: its target and outcome. */
export interface ComparedPath {
  baseUrl: string;
  outcome: string;
  ok: boolean;
  summary: string;
}

/** Evidence keys in words, for the report (the JSON keeps the keys). */
const LABELS: Record<string, string> = {
  headWaitMs: 'request → head (less the server\'s stated lookup wait)',
  headToFirstByteMs: 'head → first byte',
  firstEventMs: 'request → first event',
  firstEventToEndMs: 'first event → end',
  events: 'events',
  eventReads: 'reads with events',
  contentEncoding: 'Content-Encoding',
  idleBeforeCloseMs: 'last byte → close',
  end: 'ended',
  terminal: 'terminal event',
  via: 'Via',
  server: 'Server',
};

/** Renders the comparison section (printed after path a's full report). */
export function compareText(paths: Record<PathName, ComparedPath>, differences: PathDifference[], c: ChalkInstance): string {
  const lines: string[] = ['', c.bold('compare')];
  for (const name of ['a', 'b'] as const) {
    const p = paths[name];
    const mark = p.ok ? c.green('✔') : c.red('✖');
    lines.push(`  ${c.bold(`path ${name}`)}  ${p.baseUrl}  ${mark} ${p.ok ? c.green(p.outcome) : c.red(p.outcome)} ${c.dim(p.summary)}`);
  }
  lines.push('');
  if (differences.length === 0) {
    lines.push(`  ${c.dim('no difference in head timing, delivery, compression, idle close or proxy headers between the two paths')}`);
    return `${lines.join('\n')}\n`;
  }
  for (const d of differences) {
    lines.push(`  ${c.yellow('▲')} ${c.bold(d.code)} ${c.dim(`(path ${d.path})`)} ${d.message}`);
    for (const name of ['a', 'b'] as const) {
      const figures = Object.entries(d.evidence[name])
        .map(([k, v]) => `${LABELS[k] ?? k} ${figure(k, v)}`)
        .join(' · ');
      lines.push(`      ${c.dim(`path ${name}:`)} ${figures}`);
    }
    if (d.fix) lines.push(`      ${c.cyan('fix:')} ${d.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A figure as shown: ms for the timings, `unknown` for what was not measured. */
function figure(key: string, v: number | string | null): string {
  if (v === null) return key === 'via' || key === 'server' || key === 'contentEncoding' ? 'none' : 'unknown';
  if (typeof v === 'number' && key.endsWith('Ms')) return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v} ms`;
  return String(v);
}
