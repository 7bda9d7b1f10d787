/** The report of `reproduce`: strategies side by side, then the max-wait sweep. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Recommendation } from '../load/recommend.js';
import type { LoadSummary } from '../load/summary.js';
import type { SweepAgreement } from '../load/sweep-agreement.js';
import { compactTable, ms } from './format.js';

export interface ReproduceDocument {
  schema: 'ssedoctor.reproduce/v1';
  tool: { name: 'ssedoctor'; version: string };
  persistDelay: string;
  requests: number;
  concurrency: number;
  /** Server lookup retry delay, ms. */
  retryDelayMs: number;
  seed: number;
  strategies: { lookup: 'single' | 'fixed' | 'window'; windowMs: number; summary: LoadSummary }[];
  sweep: { windowMs: number; summary: LoadSummary }[];
  /** The smallest swept window with no early 404, ms; null when every window had some. */
  smallestSafeWindowMs: number | null;
  /** The miss rate the recommendation aims at, 0..1 (absent in results written before it existed). */
  targetMissRate?: number;
  /** One recommendation from the waits of every windowed step, pooled (each 404 censored at its window). */
  recommendation?: Recommendation;
  /** How the sweep's smallest safe window and the recommendation relate. */
  agreement?: SweepAgreement;
  interrupted: boolean;
}

/** Percentage of runs with an outcome. */
export function outcomePercent(s: LoadSummary, code: string): number {
  return s.outcomes.find((o) => o.code === code)?.percent ?? 0;
}

const STRATEGY_NAMES = {
  single: 'single (original: one lookup)',
  fixed: 'fixed (first fix: N retries)',
  window: 'window (final fix: time-based)',
};

export function reproduceText(doc: ReproduceDocument, c: ChalkInstance): string {
  const out: string[] = [
    `${c.bold('ssedoctor reproduce')}  persistence delay ${doc.persistDelay}, ${doc.requests} runs per step at concurrency ${doc.concurrency}, ` +
      `lookup retry delay ${ms(doc.retryDelayMs)}, seed ${doc.seed}`,
    '',
  ];
  const right = ['left', 'right', 'right', 'right', 'right', 'right', 'right'] as ('left' | 'right')[];
  const strategies = compactTable(['lookup strategy', 'window', 'early-404', 'healthy', 'wait p50', 'wait p99', 'lookups p99'], c, right);
  for (const r of doc.strategies) {
    const s = r.summary;
    const early = outcomePercent(s, 'early-404');
    strategies.push([
      STRATEGY_NAMES[r.lookup],
      r.windowMs > 0 ? ms(r.windowMs) : 'none',
      (early > 0 ? c.red : c.green)(`${early.toFixed(1)} %`),
      `${outcomePercent(s, 'healthy').toFixed(1)} %`,
      ms(s.metrics['server-wait']?.p50),
      ms(s.metrics['server-wait']?.p99),
      String(Math.round(s.metrics['server-lookups']?.p99 ?? 0)),
    ]);
  }
  out.push(strategies.toString());

  if (doc.sweep.length > 0) {
    out.push('', c.bold('STREAM_DECISION_SET_MAX_WAIT sweep') + c.dim(' (window strategy)'));
    const sweep = compactTable(['max wait', 'early-404', '', 'wait p99.9'], c, ['right', 'right', 'left', 'right']);
    const peak = Math.max(1e-9, ...doc.sweep.map((r) => outcomePercent(r.summary, 'early-404')));
    for (const r of doc.sweep) {
      const early = outcomePercent(r.summary, 'early-404');
      const bar = '█'.repeat(Math.round((early / peak) * 30));
      sweep.push([ms(r.windowMs), (early > 0 ? c.red : c.green)(`${early.toFixed(1)} %`), c.red(bar), ms(r.summary.metrics['server-wait']?.p999)]);
    }
    out.push(sweep.toString());
    out.push(
      '',
      doc.smallestSafeWindowMs !== null
        ? `${c.bold('smallest safe window')} ${ms(doc.smallestSafeWindowMs)}: no early 404 in ${doc.requests} runs at that STREAM_DECISION_SET_MAX_WAIT`
        : `${c.bold('smallest safe window')} ${c.red('none of the swept windows')}: every one had early 404s; sweep higher`,
    );
  }
  // Results saved before the pooled recommendation carry only the window step's own.
  const recommendation = doc.recommendation ?? doc.strategies.find((s) => s.lookup === 'window')?.summary.recommendation;
  if (recommendation) out.push(`${c.bold('recommendation')} ${recommendation.text}${doc.recommendation ? c.dim(' [every windowed step pooled]') : ''}`);
  if (doc.agreement) out.push(`${c.bold('sweep and estimate')} ${(doc.agreement.agree ? (t: string) => t : c.yellow)(doc.agreement.text)}`);
  if (doc.interrupted) out.push(c.yellow('interrupted: the tables show the steps that finished'));
  return `${out.join('\n')}\n`;
}

/** The reproduce report for Markdown: the plain terminal tables in a code block. */
export function reproduceMarkdown(doc: ReproduceDocument): string {
  return `\`\`\`\n${reproduceText(doc, new Chalk({ level: 0 }))}\`\`\`\n`;
}
