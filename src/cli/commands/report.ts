/**
 * `ssedoctor report FILE...`: re-render saved results. Several load results (shards, or runs kept
 * over time) are merged exactly: histograms added, counts summed, thresholds evaluated again.
 */
import { EXIT, SsedoctorError, usageError } from '../../errors.js';
import { mergeSummaries } from '../../load/merge.js';
import type { LoadSummary } from '../../load/summary.js';
import { parseThreshold } from '../../load/thresholds.js';
import { chalkFor } from '../../report/format.js';
import { reproduceHtml } from '../../report/html.js';
import { reproduceMarkdown, reproduceText, type ReproduceDocument } from '../../report/reproduce-text.js';
import { verifyDocsJUnit } from '../../report/junit.js';
import { verifyMarkdown } from '../../report/markdown.js';
import type { VerifyDocumentShape } from '../../report/verify-json.js';
import { verifyLine } from '../../report/verify-text.js';
import type { CliContext } from '../context.js';
import { parseChoice } from '../options.js';
import { FORMATS, type Format } from '../formats.js';
import { renderLoad, waitBuckets } from '../render.js';
import { readSaved } from '../result-files.js';
import { writeFileAtomic } from '../write-file.js';
import { loadExitCode } from './load.js';

export interface ReportFlags {
  format: string;
  out?: string;
  html?: string;
  threshold: string[];
}

export async function reportCommand(files: string[], flags: ReportFlags, ctx: CliContext): Promise<number> {
  const format: Format = parseChoice(flags.format, '--format', FORMATS);
  const extra = flags.threshold.map(parseThreshold);
  const saved = files.map(readSaved);
  const kinds = new Set(saved.map((s) => s.kind));
  if (kinds.size > 1) throw usageError('mixed-results', `cannot combine ${[...kinds].join(' and ')} results in one report`);
  const emit = (text: string): void => {
    if (flags.out) writeFileAtomic(flags.out, text);
    else ctx.stdout.write(text);
  };

  const kind = [...kinds][0];
  if (kind === 'load') {
    const merged = mergeSummaries(saved.map((s) => s.doc as LoadSummary), extra, ctx.version);
    emit(renderLoad(merged, format, ctx));
    if (flags.html) writeFileAtomic(flags.html, renderLoad(merged, 'html', ctx));
    return loadExitCode(merged);
  }
  if (extra.length > 0) throw usageError('thresholds-need-load', '--threshold applies to load results only');

  if (kind === 'reproduce') {
    if (saved.length > 1) throw usageError('one-reproduce', 'give one reproduce result at a time');
    const doc = saved[0]!.doc as ReproduceDocument;
    const window = doc.strategies.find((s) => s.lookup === 'window');
    const html = (): string => reproduceHtml(doc, window ? waitBuckets(window.summary) : []);
    const render: Record<Format, () => string> = {
      terminal: () => reproduceText(doc, chalkFor(ctx.stdout, ctx.env)),
      markdown: () => reproduceMarkdown(doc),
      json: () => `${JSON.stringify(doc, null, 2)}\n`,
      html,
      junit: () => {
        throw usageError('no-junit', 'a reproduce result has no pass/fail cases to write as JUnit');
      },
    };
    emit(render[format]());
    if (flags.html) writeFileAtomic(flags.html, html());
    return EXIT.ok;
  }

  const docs = saved.map((s) => s.doc as VerifyDocumentShape);
  if (flags.html) throw usageError('no-html', '--html renders load and reproduce results; verify results have no charts');
  const render: Record<Format, () => string> = {
    terminal: () => docs.map(verifyLine).join(''),
    markdown: () => docs.map(verifyMarkdown).join('\n'),
    // One input, one document (as verify --json wrote it); several, an array of them.
    json: () => `${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`,
    junit: () => verifyDocsJUnit(docs),
    html: () => {
      throw new SsedoctorError('no-html', 'verify results have no charts; use --format markdown or terminal', { exitCode: EXIT.usage });
    },
  };
  emit(render[format]());
  return docs.every((d) => d.ok) ? EXIT.ok : EXIT.unhealthy;
}
