/**
 * What a CI job reads: a JUnit file (--junit), a GitHub step summary (GITHUB_STEP_SUMMARY) and
 * annotations (GITHUB_ACTIONS=true, written to stderr, which the runner reads like stdout).
 */
import { appendFileSync } from 'node:fs';
import { outcomeInfo } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import { annotation } from '../report/github.js';
import { loadJUnit, verifyJUnit } from '../report/junit.js';
import { loadMarkdown, verifyMarkdown } from '../report/markdown.js';
import type { VerifyDocumentShape } from '../report/verify-json.js';
import type { CliContext } from './context.js';
import { writeFileAtomic } from './write-file.js';

function stepSummary(ctx: CliContext, markdown: string): void {
  const path = ctx.env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  try {
    appendFileSync(path, `${markdown}\n`);
  } catch (err) {
    ctx.stderr.write(`ssedoctor: cannot append to GITHUB_STEP_SUMMARY (${(err as { code?: string }).code ?? 'error'})\n`);
  }
}

const inActions = (ctx: CliContext): boolean => ctx.env.GITHUB_ACTIONS === 'true';

/** JUnit, step summary and annotations for one verify run. */
export function publishVerify(doc: VerifyDocumentShape, report: string, ctx: CliContext, junit?: string): void {
  if (junit) writeFileAtomic(junit, verifyJUnit(doc.target.baseUrl, doc.outcome, doc.detail, (doc.timings.totalMs ?? 0) / 1000, report, doc.hint));
  stepSummary(ctx, verifyMarkdown(doc));
  if (!inActions(ctx)) return;
  if (!doc.ok) ctx.stderr.write(`${annotation('error', `ssedoctor verify: ${doc.outcome}`, `${doc.summary} ${doc.detail}\nhint: ${doc.hint ?? ''}`)}\n`);
  for (const f of doc.findings) ctx.stderr.write(`${annotation('warning', `ssedoctor: ${f.code}`, f.message)}\n`);
}

/** JUnit, step summary and annotations for a load (or merged) summary. */
export function publishLoad(summary: LoadSummary, ctx: CliContext, junit?: string): void {
  if (junit) writeFileAtomic(junit, loadJUnit(summary));
  stepSummary(ctx, loadMarkdown(summary));
  if (!inActions(ctx)) return;
  for (const t of summary.thresholds.filter((v) => !v.passed)) {
    ctx.stderr.write(`${annotation('error', 'ssedoctor threshold failed', t.threshold)}\n`);
  }
  for (const o of summary.outcomes) {
    if (outcomeInfo(o.code).severity === 'ok') continue;
    const info = outcomeInfo(o.code);
    ctx.stderr.write(`${annotation('warning', `ssedoctor load: ${o.code}`, `${o.count} of ${summary.runs} runs: ${info.summary}\nhint: ${info.hint}`)}\n`);
  }
  for (const reason of summary.generator.reasons ?? []) {
    ctx.stderr.write(`${annotation('warning', 'ssedoctor: generator-limited', reason)}\n`);
  }
}
