/** Rendering a load summary in each output format; shared by load, reproduce and report. */
import { LoadMetrics } from '../load/metrics.js';
import type { LoadSummary } from '../load/summary.js';
import { chalkFor } from '../report/format.js';
import { loadHtml } from '../report/html.js';
import { loadJUnit } from '../report/junit.js';
import { loadText, niceBucketWidth } from '../report/load-text.js';
import { loadMarkdown } from '../report/markdown.js';
import type { CliContext } from './context.js';

import type { Format } from './formats.js';

/** Server-wait histogram buckets of a summary, about 15 of a round width. */
export function waitBuckets(summary: LoadSummary): { fromMs: number; count: number }[] {
  const width = niceBucketWidth(summary.metrics['server-wait']?.max ?? 0);
  return LoadMetrics.decode(summary.encoded).buckets('server-wait', width);
}

/** A load summary in one format; `terminal` is coloured for `stream`. */
export function renderLoad(summary: LoadSummary, format: Format, ctx: CliContext, stream = ctx.stdout): string {
  switch (format) {
    case 'terminal':
      return loadText(summary, waitBuckets(summary), chalkFor(stream, ctx.env));
    case 'markdown':
      return loadMarkdown(summary);
    case 'junit':
      return loadJUnit(summary);
    case 'json':
      return `${JSON.stringify(summary, null, 2)}\n`;
    case 'html':
      return loadHtml(summary, waitBuckets(summary));
  }
}
