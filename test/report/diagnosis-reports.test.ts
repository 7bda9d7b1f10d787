/** The waterfall, server-wait sources and finding evidence as each report shows them. */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { COUNT_METRICS, TIMING_METRICS, WAIT_METRICS } from '../../src/load/metric-names.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import { COUNT_ROWS, TIMING_ROWS, WAIT_ROWS } from '../../src/report/metric-rows.js';
import { loadSummary, type LoadSummary } from '../../src/load/summary.js';
import { parseThreshold } from '../../src/load/thresholds.js';
import { loadHtml } from '../../src/report/html.js';
import { loadText } from '../../src/report/load-text.js';
import { loadMarkdown, verifyMarkdown } from '../../src/report/markdown.js';
import { verifyDocument } from '../../src/report/verify-json.js';
import { verifyText } from '../../src/report/verify-text.js';
import type { Transcript } from '../../src/model.js';
import { attempt, ev, sse, stream, transcript } from '../classify/builders.js';

const plain = new Chalk({ level: 0 });
const target = { baseUrl: 'http://127.0.0.1:8000' };

/** A healthy run without lookup headers: head 600 ms after the GET, events at 700 and 900 ms. */
const inferredRun = (): Transcript =>
  transcript([
    stream([ev('node-start', 700, 0), ev('node-complete', 900, 1), ev('workflow-complete', 1000, 2)], {
      headers: { ...sse, server: 'uvicorn' },
      requestedMs: 5,
      headersMs: 605,
      firstByteMs: 700,
      end: 'terminal',
      endMs: 1000,
    }),
  ], { endMs: 1000 });

/** A decision-set 404 after the server's own 6 s window. */
const spentWindow = (): Transcript =>
  transcript([attempt({ status: 404, headers: { 'x-lookup-wait-ms': '6000', 'x-lookup-attempts': '31' }, bodyPreview: '{"detail":"Decision set not found"}', requestedMs: 5, headersMs: 6010, end: 'rejected', endMs: 6010 })], { endMs: 6010 });

describe('verify reports', () => {
  it('text: a compact waterfall, the inferred wait labelled, no "unknown" when the head was seen', () => {
    const t = inferredRun();
    const text = verifyText(target, diagnose(t), t, { chalk: plain });
    expect(text).toContain('server wait 0.60 s (inferred from GET → head)');
    expect(text).toMatch(/waterfall {2}POST 0\.0 ms → id 4\.0 ms → GET 5\.0 ms → head 605 ms → 1st byte 700 ms → 1st event 700 ms → 2nd event 900 ms → terminal 1\.00 s/);
    expect(text).toMatch(/longest stall 200 ms/); // 700 → 900 ms
  });

  it('text: the identity comparison run gets its own waterfall row', () => {
    const t: Transcript = {
      ...transcript([stream([], { headers: { ...sse, 'content-encoding': 'gzip' }, acceptEncoding: 'gzip, deflate, br', end: 'observe', endMs: 2500 })], { endMs: 2500 }),
      encodingCheck: { acceptEncoding: 'identity', transcript: inferredRun() },
    };
    const text = verifyText(target, diagnose(t), t, { chalk: plain });
    expect(text).toMatch(/identity {3}POST 0\.0 ms → .* → 1st event 700 ms → .*\(second run, Accept-Encoding: identity\)/);
    expect(text).toMatch(/! compression-holds-events: /);
  });

  it('text: each finding with its layer and evidence; the per-run hint', () => {
    const t = spentWindow();
    const text = verifyText(target, diagnose(t), t, { chalk: plain });
    expect(text).toMatch(/! window-exhausted \[application\]: the server's retry window \(≈6\.0 s\) ran out/);
    expect(text).toMatch(/\n {6}attempt=1 · status=404 · waitMs=6000 · waitSource=header · lookups=31 · attempts404=1\n/);
    expect(text).toMatch(/hint The server's retry window \(≈6\.0 s\) ran out before the job was persisted/);
    expect(text).not.toMatch(/Poll before answering/i);
  });

  it('--json: waterfall with every step (null when absent, 0.1 ms), server wait with its source, hint, evidence', () => {
    const t = spentWindow();
    const doc = JSON.parse(JSON.stringify(verifyDocument(target, diagnose(t), t, '0.0.0')));
    expect(doc.waterfall).toEqual({
      attempt: 1, postSentMs: 0, enqueueAnsweredMs: 4, getSentMs: 5, headMs: 6010, firstByteMs: null, firstEventMs: null, secondEventMs: null,
      endMs: 6010, gapP50Ms: null, gapP99Ms: null, longestStallMs: null, endKind: 'rejected', meaningfulEvents: 0,
    });
    expect(doc.serverWait).toEqual({ ms: 6000, source: 'header', perAttempt: [{ attempt: 1, status: 404, ms: 6000, source: 'header', lookups: 31 }] });
    expect(doc.hint).toMatch(/retry window \(≈6\.0 s\) ran out/);
    expect(doc.findings[0]).toMatchObject({ code: 'window-exhausted', layer: 'application', evidence: { waitMs: 6000, waitSource: 'header' } });
    const inferred = verifyDocument(target, diagnose(inferredRun()), inferredRun(), '0.0.0');
    expect(inferred.serverWait).toMatchObject({ ms: 600, source: 'inferred' });
    expect(inferred.timings.firstMeaningfulEventMs).toBe(700);
  });

  it('markdown: the wait says it was inferred', () => {
    const doc = verifyDocument(target, diagnose(inferredRun()), inferredRun(), '0.0.0');
    expect(verifyMarkdown(doc)).toContain('600 ms (inferred from GET → head)');
  });
});

describe('load reports', () => {
  function summaryOf(runs: Transcript[], thresholds: string[] = []): LoadSummary {
    const m = new LoadMetrics();
    runs.forEach((t, i) => {
      const d = diagnose(t);
      m.add({ outcome: d.outcome.code, scheduledMs: i * 10, lagMs: 0, diagnosis: d });
    });
    return loadSummary({
      version: '0.0.0', target, model: {}, metrics: m, startedAt: '2026-11-24T10:00:00Z', durationMs: 2000, stoppedBy: 'completed',
      loopDelay: { p50: 1, p99: 2, max: 3 } as LoadSummary['generator']['loopDelayMs'], peakInflight: 2, thresholds: thresholds.map(parseThreshold),
    });
  }

  it('first-meaningful-event and longest-stall are metrics; inferred waits are counted and survive a merge', () => {
    const s = summaryOf([inferredRun(), inferredRun(), spentWindow()]);
    expect(s.metrics['first-meaningful-event']).toMatchObject({ count: 2, p50: 700 });
    expect(s.metrics['longest-stall']?.count).toBe(2);
    expect(s.metrics['longest-stall']?.max).toBeCloseTo(200, 0); // 700 → 900 ms
    expect(s.metrics['server-wait']).toMatchObject({ count: 2, inferred: 2 });
    expect(s.metrics['not-found-wait']).toMatchObject({ count: 1, inferred: 0 });
    const merged = LoadMetrics.decode(s.encoded);
    merged.merge(s.encoded);
    expect(merged.summary('server-wait')).toMatchObject({ count: 4, inferred: 4 });
  });

  it('the reports list every metric the aggregate records, first-meaningful-event first', () => {
    expect([...TIMING_ROWS].sort()).toEqual(Object.keys(TIMING_METRICS).sort());
    expect([...COUNT_ROWS].sort()).toEqual(Object.keys(COUNT_METRICS).sort());
    expect([...WAIT_ROWS]).toEqual([...WAIT_METRICS]);
    expect(TIMING_ROWS[0]).toBe('first-meaningful-event');
  });

  it('thresholds on the new metric work, and the old names still do', () => {
    const s = summaryOf([inferredRun()], ['p99(first-meaningful-event)<2s', 'p99(first-node-event)<2s', 'max(longest-stall)<50ms']);
    expect(s.thresholds.map((v) => v.passed)).toEqual([true, true, false]);
  });

  it('text, markdown and HTML: first-meaningful-event is the first row; the inferred share is said', () => {
    const s = summaryOf([inferredRun(), inferredRun()]);
    const text = loadText(s, [], plain);
    const rows = text.split('\n').filter((l) => l.startsWith('│')).map((l) => l.split('│')[1]!.trim());
    expect(rows[rows.indexOf('metric') + 1]).toBe('first-meaningful-event');
    expect(rows).toContain('longest-stall');
    expect(text).toContain('server-wait: all 2 inferred from GET → head');
    const md = loadMarkdown(s);
    expect(md.indexOf('| first-meaningful-event |')).toBeLessThan(md.indexOf('| enqueue |'));
    expect(md).toContain('server-wait: all 2 inferred');
    const html = loadHtml(s, []);
    expect(html).toMatch(/<svg id="waterfall"/);
    expect(html.match(/<rect class="step"/g)).toHaveLength(5);
    expect(html).toContain('data-metric="first-meaningful-event" data-p50="700"');
    expect(html).toContain('server-wait: all 2 inferred from GET → head');
  });
});
